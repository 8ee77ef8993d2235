"""Evidence files end to end: an adult's screenshot is fetched once (getFile), kept sealed with its SHA-256,
and sent privately to the officer who claimed the case, with the hash; anyone else is refused, and the
picture is nowhere in the database's bytes. A child case's photo is never fetched at all.

The real Application against the offline Bot API, a real SQLite file.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest_asyncio

from bot.i18n import t
from bot.store.records import FILE_KEPT, EvidenceFile
from bot.store.sqlite.store import SqliteStore
from bot.telegram.citizen import texts
from bot.telegram.focal import texts as focal_texts
from testing.citizens import Citizen, walk_to_send
from testing.fakeapi.server import FakeBotApi, FakeMessage
from testing.harness import Running, running_bot
from tests.e2e.conftest import PUNJAB
from tests.e2e.test_focal_e2e import card_in, plain, press

OFFICER, COLLEAGUE, STRANGER = 501, 502, 777
# What the picture holds: a marker that must never appear in the database's bytes.
PICTURE = b"\x89PNG\r\n\x1a\n" + b"SCREENSHOT-OF-THREATS-7Q" * 400
DIGEST = hashlib.sha256(PICTURE).hexdigest()
FETCHES = {"getFile", "getFileContent"}


@pytest_asyncio.fixture
async def bot(queues_bot: Running) -> Running:
    api = queues_bot.api
    api.group(PUNJAB).add_member(api.user(OFFICER, "Ayesha"))
    api.group(PUNJAB).add_member(api.user(COLLEAGUE, "Bilal"))
    api.user(STRANGER, "Stranger")
    return queues_bot


async def files_of(bot: Running, reference: str) -> list[EvidenceFile]:
    store = SqliteStore(bot.db)
    await store.open()
    try:
        found = await store.report_by_reference(reference)
        assert found is not None
        return await store.books().files.files(found.id)
    finally:
        await store.close()


async def files_kept(bot: Running, reference: str) -> list[EvidenceFile]:
    """The case's custody log once its first file is kept (the keeper fetches in the background)."""
    for _ in range(200):
        found = await files_of(bot, reference)
        if found and found[0].status == FILE_KEPT:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"no file of {reference} was kept within 10 s")


def audit_of(bot: Running, action: str) -> list[tuple[int | None, int, str]]:
    with closing(sqlite3.connect(bot.db)) as conn:
        rows = conn.execute("SELECT actor, allowed, detail FROM audit WHERE action = ? ORDER BY id", (action,))
        return [(r[0], int(r[1]), str(r[2])) for r in rows.fetchall()]


def database_bytes(bot: Running) -> bytes:
    return b"".join(p.read_bytes() for p in bot.db.parent.glob(bot.db.name + "*") if p.is_file())


def grew(c: Citizen, before: int) -> bool:
    return len(c.texts()) > before


def texts_to(api: FakeBotApi, chat_id: int) -> list[str]:
    return [plain(m.text or "") for m in api.bot_messages(chat_id)]


def documents(api: FakeBotApi, chat_id: int) -> list[FakeMessage]:
    return [m for m in api.bot_messages(chat_id) if m.kind == "document"]


async def photos_in_the_report(api: FakeBotApi, c: Citizen, count: int, content: bytes | None = None) -> None:
    """``count`` photos sent before "Send", each waited for until the bot says it will go with the report."""
    for _ in range(count):
        c.user.send_photo(content=content)
        await api.wait_for(lambda: t("en", texts.FILE_KEPT) in c.texts()[-1], within=10)


async def sent(api: FakeBotApi, c: Citizen) -> str:
    """Send the report; its reference from the receipt."""
    await c.taps("Send to NCCIA")
    await api.wait_for(lambda: "Reference number: " in c.texts()[-1], within=10)
    return c.texts()[-1].split("Reference number: ")[1].split()[0]


async def reported_with_a_picture(api: FakeBotApi) -> tuple[Citizen, str]:
    amna = Citizen(api, 1201, "en")
    await walk_to_send(amna, "Punjab")
    await photos_in_the_report(api, amna, 1, PICTURE)
    return amna, await sent(api, amna)


async def test_an_adults_screenshot_is_kept_with_its_hash_and_only_the_claiming_officer_gets_it(bot: Running) -> None:
    api = bot.api
    _, reference = await reported_with_a_picture(api)
    await api.wait_for(lambda: any(n == "getFileContent" for n, _ in api.calls), within=10)
    kept = await files_kept(bot, reference)
    [entry] = kept
    assert (entry.status, entry.sha256, entry.size, entry.kind) == (FILE_KEPT, DIGEST, len(PICTURE), "photo")
    assert audit_of(bot, "file_kept") == [(None, 1, f"photo, {len(PICTURE)} bytes, sha256 {DIGEST}")]
    stored = database_bytes(bot)
    assert b"SCREENSHOT-OF-THREATS" not in stored  # sealed, as the rest of the report
    assert DIGEST.encode() in stored  # the hash is the custody log's, in clear
    card = await card_in(api, PUNJAB, reference)
    on_card = t("en", focal_texts.FILES_ON_CARD, count=1, reference=reference)
    assert plain(on_card) in plain(card.text or "")

    # Before anyone claims it, a member of the queue is told to claim it first; a stranger learns nothing.
    api.user(COLLEAGUE).send(f"/files {reference}")
    await api.wait_for(lambda: t("en", focal_texts.FILES_CLAIM_FIRST) in texts_to(api, COLLEAGUE), within=10)
    api.user(STRANGER).send(f"/files {reference}")
    await api.wait_for(lambda: t("en", focal_texts.CASE_NOT_FOUND) in texts_to(api, STRANGER), within=10)

    await press(api, OFFICER, PUNJAB, card, "Claim")
    api.user(OFFICER).send(f"/files {reference}")
    await api.wait_for(lambda: bool(documents(api, OFFICER)), within=10)
    [sent] = documents(api, OFFICER)
    document = sent.extra["document"]
    assert api.files[document["file_id"]] == PICTURE  # the kept copy, byte for byte
    assert document["file_name"] == f"{reference}-1.jpg"
    assert f"SHA-256: <code>{DIGEST}</code>" in (sent.text or "") and reference in (sent.text or "")

    # The colleague still gets nothing once another officer holds the case.
    api.user(COLLEAGUE).send(f"/files {reference}")
    await api.wait_for(lambda: texts_to(api, COLLEAGUE).count(t("en", focal_texts.FILES_CLAIM_FIRST)) == 2, within=10)
    assert documents(api, COLLEAGUE) == [] and documents(api, STRANGER) == []
    views = audit_of(bot, "file_view")
    assert (OFFICER, 1, f"file 1 sha256 {DIGEST}") in views
    assert [(actor, allowed) for actor, allowed, _ in views if not allowed] == [
        (COLLEAGUE, 0),
        (STRANGER, 0),
        (COLLEAGUE, 0),
    ]
    assert sum(1 for n, _ in api.calls if n == "getFile") == 1  # fetched once, however often it is viewed


async def test_a_photo_sent_in_a_child_case_is_never_fetched(bot: Running) -> None:
    api = bot.api
    c = Citizen(api, 1202, "en")
    for action in ("/start", "English", "For a child", "/skip", "Sexual abuse"):
        await (c.says(action) if action.startswith("/") else c.taps(action))
    photo = c.user.send_photo(content=PICTURE)
    await api.wait_for(lambda: t("en", texts.NO_IMAGES_CHILD) in c.texts()[-1], within=10)
    assert [m.deleted for m in api.chat(1202) if m.message_id == photo] == [True]
    assert [n for n, _ in api.calls if n in FETCHES] == []


async def test_a_file_over_the_limit_is_refused_kindly_and_not_kept(bot: Running) -> None:
    api = bot.api
    c = Citizen(api, 1203, "en")
    await walk_to_send(c, "Punjab")
    c.user.send_photo(file_size=21 * 1024 * 1024)
    await api.wait_for(lambda: t("en", texts.FILE_TOO_BIG, mb=20) in c.texts()[-1], within=10)
    await c.taps("Send to NCCIA")
    await api.wait_for(lambda: "Reference number: " in c.texts()[-1], within=10)
    reference = c.texts()[-1].split("Reference number: ")[1].split()[0]
    assert await files_of(bot, reference) == []
    assert [n for n, _ in api.calls if n in FETCHES] == []


async def test_a_voice_message_the_citizen_says_is_evidence_is_kept_with_its_hash(bot: Running) -> None:
    api = bot.api
    c = Citizen(api, 1204, "en")
    await walk_to_send(c, "Punjab")
    recording = b"OggS" + b"threatening voice message" * 50
    api.files["voice77"] = recording
    voice = {"file_id": "voice77", "file_unique_id": "uv77", "duration": 9, "mime_type": "audio/ogg"}
    c.user.send_other("voice", **voice, file_size=len(recording))
    await api.wait_for(lambda: t("en", texts.VOICE_ASK) in c.texts()[-1], within=10)
    await c.taps(t("en", texts.B_VOICE_KEEP))
    await api.wait_for(lambda: t("en", texts.FILE_KEPT) in c.texts()[-1], within=10)
    await c.taps("Send to NCCIA")
    await api.wait_for(lambda: "Reference number: " in c.texts()[-1], within=10)
    reference = c.texts()[-1].split("Reference number: ")[1].split()[0]
    kept = await files_kept(bot, reference)
    [entry] = kept
    assert (entry.kind, entry.mime_type, entry.sha256) == ("voice", "audio/ogg", hashlib.sha256(recording).hexdigest())


async def test_each_link_on_the_card_has_when_it_came_its_hash_and_how_to_keep_the_post(bot: Running) -> None:
    api = bot.api
    c = Citizen(api, 1205, "en")
    await walk_to_send(c, "Punjab", links="https://www.facebook.com/liar.page?fbclid=x and tiktok.com/@liar")
    await c.taps("Send to NCCIA")
    await api.wait_for(lambda: "Reference number: " in c.texts()[-1], within=10)
    reference = c.texts()[-1].split("Reference number: ")[1].split()[0]
    store = SqliteStore(bot.db)
    await store.open()
    try:
        report = await store.report_by_reference(reference)
    finally:
        await store.close()
    assert report is not None
    first, second = report.evidence
    assert first.url == "https://www.facebook.com/liar.page"  # the tracking parameter is not kept
    assert first.received_at and first.received_at <= report.created_at
    card = await card_in(api, PUNJAB, reference)
    text = card.text or ""
    for link in (first, second):
        assert f"SHA-256 {hashlib.sha256(link.url.encode()).hexdigest()[:16]}…" in text
    assert "Keep the evidence before it is deleted" in text
    assert "Facebook: ask Meta to preserve" in text and "TikTok: send a preservation request" in text


async def test_a_screenshot_sent_after_the_report_goes_with_it_and_the_group_is_told(bot: Running) -> None:
    api = bot.api
    c = Citizen(api, 1206, "en")
    await walk_to_send(c, "Punjab")
    await c.taps("Send to NCCIA")
    await api.wait_for(lambda: "Reference number: " in c.texts()[-1], within=10)
    reference = c.texts()[-1].split("Reference number: ")[1].split()[0]
    card = await card_in(api, PUNJAB, reference)
    c.user.send_photo(content=PICTURE)
    await api.wait_for(lambda: t("en", texts.FILE_ADDED, reference=reference) in c.texts()[-1], within=10)
    told = plain(t("en", focal_texts.ADDITION_FILES, count=1, reference=reference))
    await api.wait_for(lambda: any(told in plain(m.text or "") for m in api.bot_messages(PUNJAB)), within=10)
    [relay] = [m for m in api.bot_messages(PUNJAB) if told in plain(m.text or "")]
    assert relay.reply_to == card.message_id
    kept = await files_kept(bot, reference)
    assert [(f.position, f.sha256) for f in kept] == [(1, DIGEST)]


async def test_a_picture_sent_after_a_child_report_is_deleted_and_never_fetched(bot: Running) -> None:
    api = bot.api
    c = Citizen(api, 1207, "en")
    await c.says("/start")
    await c.taps("English")
    await c.taps("For someone else")
    await c.taps("Yes")  # under 18: a child case
    await c.says("/skip")
    await c.taps("Threatening")
    await c.taps("Done")
    await c.taps("Punjab")
    for _ in range(4):
        await c.says("/skip")
    await c.taps("Only through this chat")
    await c.says("/send")
    await api.wait_for(lambda: "Reference number: " in c.texts()[-1], within=10)
    photo = c.user.send_photo(content=PICTURE)
    await api.wait_for(lambda: t("en", texts.NO_IMAGES_CHILD) in c.texts()[-1], within=10)
    assert [m.deleted for m in api.chat(1207) if m.message_id == photo] == [True]
    assert [n for n, _ in api.calls if n in FETCHES] == []


async def test_a_chats_daily_file_limit_counts_files_before_and_after_sending(api: FakeBotApi, tmp_path: Path) -> None:
    async with running_bot(api, tmp_path / "bot.sqlite3", FILES_PER_DAY="2"):
        c = Citizen(api, 1208, "en")
        await walk_to_send(c, "Punjab")
        await photos_in_the_report(api, c, 2)
        c.user.send_photo()
        await api.wait_for(lambda: t("en", texts.FILES_DAY_FULL, count=2) in c.texts()[-1], within=10)
        await sent(api, c)
        c.user.send_photo()  # with the report sent, the day's two files still count
        await api.wait_for(lambda: t("en", texts.FILES_DAY_FULL, count=2) in c.texts()[-1], within=10)


async def test_files_added_after_sending_count_once_towards_the_day(api: FakeBotApi, tmp_path: Path) -> None:
    async with running_bot(api, tmp_path / "bot.sqlite3", FILES_PER_DAY="4"):
        c = Citizen(api, 1209, "en")
        await walk_to_send(c, "Punjab")
        await photos_in_the_report(api, c, 2)
        reference = await sent(api, c)
        added = t("en", texts.FILE_ADDED, reference=reference)
        for expected in (added, added, t("en", texts.FILES_DAY_FULL, count=4)):  # the report's 2, 2 more, 1 over
            before = len(c.texts())
            c.user.send_photo()
            await api.wait_for(functools.partial(grew, c, before), within=10)
            assert c.texts()[-1] == expected
