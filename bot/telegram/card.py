"""A case as officers see it in their queue: the card, the digest line, and their buttons.

Everything the citizen wrote is escaped for HTML; labels follow the queue's language while the
citizen's own words stay in the script they were written in. The phone number never appears on
a card: the officer who claims the case gets it privately (``Phone number`` button).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.cases.preservation import Preservation
from bot.cases.reports import DANGER_MENTIONED, phone_given
from bot.engine.answers import display
from bot.engine.model import Flow
from bot.i18n import t, tn
from bot.store.records import CLAIMED, NEW, OPEN_STATUSES, RESOLVED, SPAM, WAITING, Connected, StoredReport

from .callback_data import CasePress
from .focal import texts as focal_texts
from .render import split

PKT = timezone(timedelta(hours=5), "PKT")  # Pakistan has no daylight saving time
ACCOUNT_LIMIT = 1000
LINKS_SHOWN = 5  # each with its time and hash; with the account cut at 1000 characters, the card stays under 4096
LINK_CHARS = 120
HASH_SHOWN = 16  # hex characters of a link's SHA-256 on a card; the full account has all 64
PLATFORMS_SHOWN = 3  # preservation lines on a card (one per platform): its length stays under Telegram's 4096
DIGEST_SIZE = 30  # cases per digest message: 30 lines and 30 buttons stay far below Telegram's limits


def local_time(iso: str) -> str:
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return moment.astimezone(PKT).strftime("%Y-%m-%d %H:%M PKT")


def size_text(size: int) -> str:
    """A file's size as people read it: KB up to a megabyte, then MB with one decimal."""
    return f"{size / 1_048_576:.1f} MB" if size >= 1_048_576 else f"{max(1, round(size / 1024))} KB"


def answer_of(flow: Flow, report: StoredReport, name: str, lang: str) -> str | None:
    step_id = flow.report.get(name)
    if not step_id or step_id not in flow.steps:
        return None
    return display(flow.steps[step_id], report.answers.get(step_id), lang)


def province_name(flow: Flow, key: str | None, lang: str) -> str:
    return option_name(flow, "province", key, lang)


def option_name(flow: Flow, name: str, key: str | None, lang: str) -> str:
    """An option of the report's ``name`` answer (province, category) as the flow words it in ``lang``."""
    step_id = flow.report.get(name)
    step = flow.steps.get(step_id or "")
    return (display(step, key, lang) if step is not None and key else None) or (key or "—")


def officer_status(report: StoredReport, lang: str) -> str:
    name = report.claimed_name or "—"
    if report.status == NEW:
        return t(lang, focal_texts.OFFICER_NEW)
    if report.status == CLAIMED:
        return t(lang, focal_texts.OFFICER_CLAIMED, name=name)
    if report.status == WAITING:
        if report.claimed_by is None:
            return t(lang, focal_texts.OFFICER_WAITING_UNCLAIMED)
        return t(lang, focal_texts.OFFICER_WAITING, name=name)
    if report.status == RESOLVED:
        return t(lang, focal_texts.OFFICER_RESOLVED, name=name, outcome=outcome_text(report.outcome, lang))
    if report.status == SPAM:
        return t(lang, focal_texts.OFFICER_SPAM, name=name)
    return report.status


def outcome_text(outcome: str | None, lang: str) -> str:
    msgid = focal_texts.OUTCOMES.get(outcome or "")
    return t(lang, msgid) if msgid else (outcome or "—")


def citizen_outcome_text(outcome: str | None, lang: str) -> str:
    """The outcome as the citizen reads it (her closing message, /status): not the officer's wording."""
    msgid = focal_texts.CITIZEN_OUTCOMES.get(outcome or "")
    return t(lang, msgid) if msgid else outcome_text(outcome, lang)


def contact_text(report: StoredReport, lang: str) -> str:
    contact = report.answers.get("contact")
    if report.chat_key is None or contact == "anonymous":
        return t(lang, focal_texts.CONTACT_ANONYMOUS)
    if contact == "phone":
        return t(lang, focal_texts.CONTACT_PHONE)
    return t(lang, focal_texts.CONTACT_BOT)


def connected_lines(report: StoredReport, connected: Sequence[Connected], lang: str) -> list[str]:
    """Other reports naming the same account (``Cases.connected``), as plain text. A card is read in its
    queue's group: the references of that queue's cases are named, the others only counted."""
    shown = [reference for _, reference, queue in connected if queue is not None and queue == report.queue]
    hidden = len(connected) - len(shown)
    lines = []
    if shown:
        lines.append(tn(lang, focal_texts.CONNECTED, len(shown), references=", ".join(shown)))
    if hidden:
        lines.append(tn(lang, focal_texts.CONNECTED_ELSEWHERE, hidden))
    return lines


def priority_flags(report: StoredReport, flow: Flow, lang: str) -> list[str]:
    """Why the case comes first: a child, harm still going on (the card's red line, the desk's badges)."""
    flags = []
    if report.minor:
        flags.append(t(lang, focal_texts.PRIORITY_CHILD))
    if report.answers.get(flow.report.get("ongoing", "")) == "yes":
        flags.append(t(lang, focal_texts.PRIORITY_THREAT))
    return flags


def card_fields(report: StoredReport, flow: Flow, lang: str) -> list[tuple[str, str]]:
    """The card's (label, value) rows in ``lang``, "not given" where the citizen gave nothing: the
    same rows on the card in the group and on the desk's case page."""
    not_given = t(lang, focal_texts.NOT_GIVEN)
    language = t(lang, focal_texts.LANGUAGE_NAMES.get(report.language, focal_texts.LANG_EN))
    rows = (
        (focal_texts.STATUS, officer_status(report, lang)),
        (focal_texts.CATEGORY, answer_of(flow, report, "category", lang)),
        (focal_texts.PLATFORMS, answer_of(flow, report, "platforms", lang)),
        (focal_texts.PROVINCE, province_name(flow, report.province, lang)),
        (focal_texts.STARTED, answer_of(flow, report, "started", lang)),
        (focal_texts.RECEIVED, local_time(report.created_at)),
        (focal_texts.REPORTED_BY, answer_of(flow, report, "reporter", lang)),
        (focal_texts.CONTACT, contact_text(report, lang)),
        (focal_texts.LANGUAGE, language),
    )
    return [(t(lang, label), value or not_given) for label, value in rows]


def card_text(
    report: StoredReport,
    flow: Flow,
    lang: str,
    connected: Sequence[Connected] = (),
    additions: int = 0,
    preserve: Preservation | None = None,
) -> tuple[str, bool]:
    """The card as HTML, and whether the account was cut short (the card then offers the rest).

    ``connected``: the other reports naming the same account (``Cases.connected``), shown under the fields.
    ``additions``: how many times the citizen added to the case after sending it (``Cases.additions``).
    ``preserve``: how to keep each platform's posts (``flows/preservation.yaml``), a line per platform linked.
    """
    e = _escape
    lines: list[str] = []
    if report.answers.get(DANGER_MENTIONED) == "yes":
        # First of all: the citizen typed words saying someone is in danger and was shown the safety text.
        lines.append("⚠️ <b>" + e(t(lang, focal_texts.DANGER_MENTIONED)) + "</b>")
    flags = priority_flags(report, flow, lang)
    if flags:
        lines.append("🔴 <b>" + e(" · ".join(flags)) + "</b>")
    lines.append("<b>" + e(t(lang, focal_texts.CASE, reference=report.reference)) + "</b>")
    lines += [f"<b>{e(label)}:</b> {e(value)}" for label, value in card_fields(report, flow, lang)]
    linked = connected_lines(report, connected, lang)
    if linked:
        lines += ["", *("🔗 <b>" + e(line) + "</b>" for line in linked)]
    if additions:
        lines += ["", "📝 <b>" + e(tn(lang, focal_texts.ADDITIONS, additions)) + "</b>"]
    account = answer_of(flow, report, "account", "en") or ""
    truncated = len(account) > ACCOUNT_LIMIT
    if account:
        shown = account[:ACCOUNT_LIMIT].rstrip()
        more = t(lang, focal_texts.TRUNCATED, count=len(account) - len(shown)) if truncated else ""
        lines += ["", f"<b>{e(t(lang, focal_texts.ACCOUNT))}</b>", f"<blockquote>{e(shown)}</blockquote>" + e(more)]
    if report.evidence:
        lines += ["", f"<b>{e(t(lang, focal_texts.EVIDENCE))}</b>"]
        lines += evidence_lines(report, LINKS_SHOWN, lang)
        hidden = len(report.evidence) - LINKS_SHOWN
        if hidden > 0:
            truncated = True
            lines.append(e(tn(lang, focal_texts.MORE_LINKS, hidden)))
        if preserve is not None:
            lines += preservation_lines(report, preserve, lang)
    suspects = answer_of(flow, report, "suspects", "en")
    if suspects:
        lines += ["", f"<b>{e(t(lang, focal_texts.SUSPECTS))}</b>", e(suspects)]
    attachments = report.answers.get("attachments") or []
    if isinstance(attachments, list) and attachments:
        files = t(lang, focal_texts.FILES_ON_CARD, count=len(attachments), reference=report.reference)
        lines += ["", e(files)]
    return "\n".join(lines), truncated


def link_hash(url: str) -> str:
    """SHA-256 of a link in the canonical form it is stored in (``engine/links.py``): anyone holding the
    link can check it is the one reported, and the hash alone does not give the link away to a reader."""
    return hashlib.sha256(url.encode()).hexdigest()


def evidence_lines(
    report: StoredReport, limit: int | None = None, lang: str = "en", *, whole: bool = False
) -> list[str]:
    """Numbered clickable links labelled by platform, each with when it was received and its hash (cut to
    ``HASH_SHOWN`` characters on a card; ``whole`` for the full account). Long addresses are shortened on
    screen only."""
    lines = []
    for number, link in enumerate(report.evidence[:limit], start=1):
        href = escape(link.url, quote=True)
        shown = link.url if len(link.url) <= LINK_CHARS else link.url[: LINK_CHARS - 1] + "…"
        lines.append(f'{number}. {_escape(link.platform)}: <a href="{href}">{_escape(shown)}</a>')
        digest = link_hash(link.url) if whole else link_hash(link.url)[:HASH_SHOWN] + "…"
        received = local_time(link.received_at or report.created_at)
        when = _escape(t(lang, focal_texts.LINK_RECEIVED, time=received))
        lines.append(f"    {when} · SHA-256 <code>{digest}</code>")
    return lines


def preservation_lines(report: StoredReport, preserve: Preservation, lang: str) -> list[str]:
    """What to do before each linked platform deletes the post: a line per platform, in the order linked."""
    found = preserve.lines_for((link.platform for link in report.evidence), lang, PLATFORMS_SHOWN)
    if not found:
        return []
    return ["", f"<b>🛡 {_escape(t(lang, focal_texts.PRESERVE))}</b>", *(_escape(line) for line in found)]


def full_text(report: StoredReport, flow: Flow, lang: str) -> list[str]:
    """Everything the card shortened, as HTML messages under Telegram's limit: the account, every link."""
    e = _escape
    header = t(lang, focal_texts.FULL_ACCOUNT_OF, reference=report.reference)
    account = answer_of(flow, report, "account", "en") or t(lang, focal_texts.NOT_GIVEN)
    pieces = [e(piece) for piece in split(header + "\n\n" + account, 3900)]
    if report.evidence:
        chunk = [f"<b>{e(t(lang, focal_texts.EVIDENCE))}</b>"]
        for line in evidence_lines(report, lang=lang, whole=True):
            if sum(len(x) for x in chunk) + len(line) > 3500:
                pieces.append("\n".join(chunk))
                chunk = []
            chunk.append(line)
        pieces.append("\n".join(chunk))
    return pieces


def card_keyboard(report: StoredReport, lang: str, truncated: bool) -> InlineKeyboardMarkup | None:
    def button(label: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(t(lang, label), callback_data=CasePress(action, report.id).data)

    rows: list[list[InlineKeyboardButton]] = []
    if report.status == NEW:
        rows.append([button(focal_texts.B_CLAIM, "claim"), button(focal_texts.B_ASK, "ask")])
    elif report.status in OPEN_STATUSES:
        rows.append([button(focal_texts.B_ASK, "ask")])
        if phone_given(report):
            rows[-1].append(button(focal_texts.B_NUMBER, "number"))
    if report.status in OPEN_STATUSES:
        rows.append(
            [
                button(focal_texts.B_RESOLVE, "resolve"),
                button(focal_texts.B_TRANSFER, "transfer"),
                button(focal_texts.B_SPAM, "spam"),
            ]
        )
    if truncated:
        rows.append([button(focal_texts.B_FULL, "full")])
    return InlineKeyboardMarkup(rows) if rows else None


def digest_line(report: StoredReport, flow: Flow, lang: str) -> str:
    # Danger first, as on the card itself: an officer scanning /queue sees it before anything else.
    danger = report.answers.get(DANGER_MENTIONED) == "yes"
    mark = "⚠️ " if danger else "🔴 " if report.priority else "▫️ "
    category = answer_of(flow, report, "category", lang) or t(lang, focal_texts.NOT_GIVEN)
    province = province_name(flow, report.province, lang)
    when = local_time(report.created_at)[11:16]
    return f"{mark}<b>{_escape(report.reference)}</b> · {_escape(category)} · {_escape(province)} · {when}"


def digest(reports: Sequence[tuple[StoredReport, Flow]], lang: str) -> tuple[str, InlineKeyboardMarkup]:
    lines = [_escape(tn(lang, focal_texts.DIGEST_HEADER, len(reports))), ""]
    lines += [digest_line(report, flow, lang) for report, flow in reports]
    buttons = [InlineKeyboardButton(r.reference, callback_data=CasePress("open", r.id).data) for r, _ in reports]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _escape(text: str) -> str:
    return escape(text, quote=False)
