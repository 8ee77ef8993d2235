"""Case cards: escaped, labelled in the queue's language, within Telegram's limits, no phone number."""

from __future__ import annotations

import hashlib
from html import unescape

from bot.cases.preservation import PreservationFile
from bot.engine.model import Flow
from bot.paths import FLOWS_DIR
from bot.store.records import EvidenceLink, StoredReport
from bot.telegram.card import card_keyboard, card_text, digest, full_text
from testing.fakeapi.html_check import visible_text


def case(**changes: object) -> StoredReport:
    fields: dict[str, object] = dict(
        id=7,
        reference="ABCD-EFGH",
        pin="-",
        flow_id="report",
        revision_id=1,
        chat_key="tg:5",
        language="ur",
        category="blackmail",
        province="punjab",
        minor=False,
        status="new",
        answers={
            "category": "blackmail",
            "platforms": ["facebook", "whatsapp"],
            "account": "اس نے کہا <b>تصویریں</b> & </a> پھیلا دے گا",
            "suspects": "@bad_guy <i>",
            "contact": "phone",
            "phone": "+923001234567",
            "ongoing": "yes",
            "reporter": "self",
        },
        created_at="2026-11-28T14:02:00+00:00",
        evidence=(EvidenceLink('https://example.com/a?x=1&y="2"', "web"),),
        queue="punjab",
        priority=True,
    )
    fields.update(changes)
    return StoredReport(**fields)  # type: ignore[arg-type]


def test_the_card_escapes_what_the_citizen_wrote_and_links_are_clickable(report_flow: Flow) -> None:
    text, truncated = card_text(case(), report_flow, "en")
    shown = visible_text(text)  # raises if Telegram would refuse the HTML
    assert "اس نے کہا <b>تصویریں</b> & </a> پھیلا دے گا" in shown and "@bad_guy <i>" in shown
    assert 'href="https://example.com/a?x=1&amp;y=&quot;2&quot;"' in text
    assert "STILL HAPPENING" in shown and "Received: 2026-11-28 19:02 PKT" in shown
    assert "+923001234567" not in shown  # the number goes only to the officer who claims the case
    assert not truncated


def test_labels_follow_the_queue_language(report_flow: Flow) -> None:
    shown = visible_text(card_text(case(), report_flow, "ur")[0])
    assert "قسم: بلیک میلنگ، تصویریں پھیلانے کی دھمکی" in shown
    assert "پلیٹ فارم: فیس بک، واٹس ایپ" in shown and "صوبہ: پنجاب" in shown


def test_a_long_account_and_many_links_are_cut_with_a_button_for_the_rest(report_flow: Flow) -> None:
    links = tuple(EvidenceLink("https://example.com/" + "x" * 2000 + str(i), "web") for i in range(25))
    report = case(answers={**case().answers, "account": "word " * 2000, "suspects": "s" * 1000}, evidence=links)
    text, truncated = card_text(report, report_flow, "en")
    assert truncated and len(visible_text(text)) < 4096
    keyboard = card_keyboard(report, "en", truncated)
    assert keyboard is not None and "Full account" in str(keyboard.to_dict())
    pieces = full_text(report, report_flow, "en")
    assert all(len(visible_text(p)) <= 4096 for p in pieces)
    assert "".join(unescape(visible_text(p)) for p in pieces).count("https://example.com/") == 25


def test_a_closed_case_has_no_buttons_and_a_claimed_one_offers_the_number(report_flow: Flow) -> None:
    assert card_keyboard(case(status="resolved", outcome="advice"), "en", False) is None
    claimed = card_keyboard(case(status="claimed", claimed_by=1, claimed_name="A"), "en", False)
    assert claimed is not None and "f.number.7" in str(claimed.to_dict())


def test_a_digest_of_thirty_cases_fits_one_message(report_flow: Flow) -> None:
    reports = [(case(id=i, reference=f"ABCD-{i:04d}"), report_flow) for i in range(30)]
    text, markup = digest(reports, "ur")
    assert len(visible_text(text)) < 4096
    assert sum(len(row) for row in markup.inline_keyboard) == 30


def test_a_case_where_danger_was_mentioned_is_marked_first_in_the_queue_digest(report_flow: Flow) -> None:
    flagged = case(
        id=1, reference="DANG-ER01", priority=True, answers={"category": "harassment", "danger_mentioned": "yes"}
    )
    other = case(id=2, reference="PLAI-N002", priority=True)
    text, _ = digest([(flagged, report_flow), (other, report_flow)], "en")
    lines = visible_text(text).splitlines()
    assert lines[2].startswith("⚠️ DANG-ER01") and lines[3].startswith("🔴 PLAI-N002")


def test_each_link_shows_when_it_came_and_its_hash_cut_on_the_card_whole_in_the_full_account(
    report_flow: Flow,
) -> None:
    link = EvidenceLink("https://www.facebook.com/liar.page", "facebook", "2026-11-28T13:55:00+00:00")
    old = EvidenceLink("https://x.com/old", "x")  # stored before times were kept: the report's own time
    report = case(evidence=(link, old))
    whole = hashlib.sha256(link.url.encode()).hexdigest()
    shown = visible_text(card_text(report, report_flow, "en")[0])
    assert f"received 2026-11-28 18:55 PKT · SHA-256 {whole[:16]}…" in shown and whole not in shown
    assert "received 2026-11-28 19:02 PKT · SHA-256 " in shown
    assert f"SHA-256 {whole}" in "".join(visible_text(p) for p in full_text(report, report_flow, "en"))


def test_the_card_says_how_to_keep_each_linked_platforms_posts_and_stays_under_telegrams_limit(
    report_flow: Flow,
) -> None:
    shipped = PreservationFile(FLOWS_DIR).current()
    platforms = ("facebook", "tiktok", "instagram", "youtube", "x")
    links = tuple(EvidenceLink("https://example.com/" + "x" * 2000 + p, p) for p in platforms * 5)
    report = case(answers={**case().answers, "account": "word " * 2000, "suspects": "s" * 1000}, evidence=links)
    text, _ = card_text(report, report_flow, "ur", preserve=shipped)
    shown = visible_text(text)
    assert len(shown) < 4096
    assert "ثبوت مٹنے سے پہلے محفوظ کریں" in shown
    assert shown.count("موصول: ") == 1 + 5  # the case field, then each link shown with its time, in Urdu
    facebook, tiktok, youtube = (shipped.line(p, "ur") or "?" for p in ("facebook", "tiktok", "youtube"))
    assert facebook in shown and tiktok in shown
    assert youtube not in shown  # three platforms on a card; the desk lists every one
