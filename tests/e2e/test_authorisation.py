"""The authorisation matrix of every action by every role, as a pytest (its table is in testing/authorisation.py)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.cases.flows import ensure_published
from bot.cases.references import ALPHABET
from bot.engine.session import COMPLETED, Session
from bot.store.records import EvidenceLink, NewReport
from bot.store.sqlite.admins import AdminBook
from bot.store.sqlite.cases import CaseBook
from bot.store.sqlite.store import SqliteStore
from bot.telegram import card as cards
from bot.telegram.courier import Courier
from bot.telegram.focal import texts as focal_texts
from bot.telegram.focal.bot import FocalBot
from bot.telegram.limits import Limit
from bot.telegram.ratelimit import ChatRateLimiter
from testing.authorisation import (
    ADMIN_ID,
    BLOCKED_ID,
    CELLS,
    CITIZEN_ID,
    CITIZEN_PIN,
    CITIZEN_REF,
    COLLEAGUE_ID,
    ENV,
    FAMILY,
    FEDERAL,
    FOCAL_ID,
    GROUP_OF,
    NAMES,
    OTHER_ID,
    PHONE,
    PUNJAB,
    REPORTER_ID,
    ROLES,
    ROWS,
    SINDH,
    STRANGER_ID,
    STREET,
    USER_OF,
    Cell,
    Report,
    Role,
    Table,
    en,
)
from testing.fakeapi.html_check import EntityError, visible_text
from testing.fakeapi.server import FakeBotApi, FakeUser
from testing.harness import running_bot
from testing.sql import execute
from tests.conftest import REPORT_FLOW


def _param(cell: Cell) -> Any:
    defect = cell.expect.defect
    marks = [pytest.mark.xfail(strict=True, reason=defect)] if defect else []
    return pytest.param(cell, id=cell.id, marks=marks)


# ---- the world: seeded cases, planted cards, one running bot -------------------------------------------


def code(n: int) -> str:
    """Four characters of the reference alphabet for ``n``."""
    out = ""
    for _ in range(4):
        n, digit = divmod(n, len(ALPHABET))
        out = ALPHABET[digit] + out
    return out


@dataclass(frozen=True)
class Pair:
    case: int
    ref: str
    sindh: int
    sref: str
    card: int  # the Punjab card's message id in the Punjab group
    scard: int  # the Sindh card's message id in the Sindh group
    upload: int | None


@dataclass
class Observation:
    chat: int
    outputs: list[tuple[str, int | None, str]]
    fetched_file: bool
    answer: str | None
    audit: list[tuple[int | None, str, int | None, bool, str]]
    changed: set[str]


OUTPUT_METHODS = {
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "deleteMessage",
    "deleteMessages",
    "forwardMessage",
    "copyMessage",
    "sendPhoto",
    "sendDocument",
}
SNAPSHOTS: dict[Table, str] = {
    "reports": "SELECT id, status, claimed_by, queue, outcome, chat_key FROM reports ORDER BY id",
    "questions": "SELECT id, report_id FROM questions ORDER BY id",
    "asks": "SELECT report_id, officer_id, chat_id FROM asks ORDER BY report_id, officer_id",
    "sessions": "SELECT chat_key, state FROM sessions ORDER BY chat_key",
    "officers": "SELECT queue, user_id FROM focal_members ORDER BY queue, user_id",
    "admins": "SELECT user_id FROM admins ORDER BY user_id",
    "senders": "SELECT chat_key, spam_marks, blocked FROM senders ORDER BY chat_key",
    "queues": "SELECT key, chat_id, lang, bound_by, bound_at FROM queues ORDER BY key",
    "flows": "SELECT (SELECT count(*) FROM flow_revisions), (SELECT revision_id FROM live_flows)",
    "uploads": "SELECT id, state FROM flow_candidates ORDER BY id",
}
BROKEN_FLOW = b"spec_version: 1\nid: report\nsteps: [\n"


def _answers(queue: str, phone: bool) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "category": "harassment",
        "province": queue,
        "platforms": ["facebook"],
        "account": "He keeps sending threats from a fake account.",
        "contact": "phone" if phone else "bot",
    }
    if phone:
        answers["phone"] = PHONE
    return answers


async def _add_case(store: SqliteStore, revision: int, reference: str, queue: str, chat_key: str, **kw: Any) -> int:
    report = NewReport(
        reference=reference,
        pin=kw.get("pin", "-"),
        flow_id="report",
        revision_id=revision,
        chat_key=chat_key,
        language="en",
        category="harassment",
        province=queue,
        minor=False,
        answers=_answers(queue, kw.get("phone", False)),
        evidence=(EvidenceLink("https://www.facebook.com/fake.profile", "facebook"),),
        queue=queue,
    )
    session = Session(flow_id="report", revision=revision, lang="en", status=COMPLETED, step=None, id="s")
    report_id = await store.commit_step(chat_key, session, report)
    assert report_id is not None
    return report_id


async def _plant_card(api: FakeBotApi, store: SqliteStore, chat_id: int, report_id: int) -> int:
    """A card as the courier would have posted it (the cases are seeded, not delivered)."""
    report = await store.report_by_id(report_id)
    assert report is not None
    markup = cards.card_keyboard(report, "en", False)
    message = api.add_message(
        chat_id,
        from_bot=True,
        text=f"Case {report.reference}",
        reply_markup=markup.to_dict() if markup else None,
    )
    await CaseBook(store).remember_message(chat_id, message.message_id, report_id, "card")
    return message.message_id


async def seed(api: FakeBotApi, db: Path) -> tuple[list[Pair], dict[int, int]]:
    """The store before the bot starts: a pair of cases per cell with their cards, uploads, a blocked sender."""
    store = SqliteStore(db, synchronous="NORMAL")
    await store.open()
    try:
        live, _ = await ensure_published(store)
        source = REPORT_FLOW.read_text(encoding="utf-8")
        await store.publish("report", source + "\n# revision 2, so that a rollback has somewhere to go\n", "seed")
        await _add_case(store, live.id, CITIZEN_REF, "punjab", f"tg:{CITIZEN_ID}", pin=CITIZEN_PIN)
        uploads = AdminBook(store, frozenset({ADMIN_ID}))
        pairs: list[Pair] = []
        now = time.time()
        for cell in CELLS:
            given, n = cell.row.given, cell.index
            phone = given.startswith("phone")
            case = await _add_case(store, live.id, f"PNJB-{code(n)}", "punjab", f"tg:{REPORTER_ID}", phone=phone)
            sindh = await _add_case(store, live.id, f"SNDH-{code(n)}", "sindh", f"tg:{REPORTER_ID}")

            if phone:
                officer = FOCAL_ID if given == "phone-mine" else COLLEAGUE_ID
                name = "Ayesha" if given == "phone-mine" else "Kamran"
                await execute(
                    store,
                    "UPDATE reports SET status = 'claimed', claimed_by = ?, claimed_name = ?, claimed_at = ? "
                    "WHERE id = ?",
                    (officer, name, "2026-01-01T00:00:00+00:00", case),
                )
            if given == "ask-open":
                await execute(
                    store,
                    "INSERT INTO asks (report_id, officer_id, chat_id, prompt_message_id, opened_at) "
                    "VALUES (?, ?, ?, NULL, ?)",
                    (case, USER_OF[cell.role], PUNJAB, now),
                )
            upload = None
            if given == "upload":
                content = source + f"\n# upload for {cell.id}\n"
                upload = await uploads.upload("report", content, ADMIN_ID, "Admin")
            card = await _plant_card(api, store, PUNJAB, case)
            scard = await _plant_card(api, store, SINDH, sindh)
            pairs.append(Pair(case, f"PNJB-{code(n)}", sindh, f"SNDH-{code(n)}", card, scard, upload))

        def change(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM outbox")  # the cards are planted; nothing is waiting to go out
            conn.execute(
                "INSERT INTO senders (chat_key, blocked, blocked_by, blocked_at, why) VALUES (?, 1, ?, ?, 'seed')",
                (f"tg:{BLOCKED_ID}", ADMIN_ID, "2026-01-01T00:00:00+00:00"),
            )

        await store.database.write(change)
    finally:
        await store.close()
    # Every role's private chat holds an earlier message of the bot, on which forged buttons are pressed; so does
    # each group that is not a queue (the bot's answer to someone's /bindqueue there).
    planted: dict[int, int] = {}
    for group in (FAMILY, STREET):
        planted[group] = api.add_message(group, from_bot=True, text=en(focal_texts.BIND_ADMINS_ONLY)).message_id
    dummy = {"inline_keyboard": [[{"text": "OK", "callback_data": "x.x.x"}]]}
    for user_id in (*USER_OF.values(), REPORTER_ID):
        message = api.add_message(user_id, from_bot=True, text="An earlier message from the bot.", reply_markup=dummy)
        planted[user_id] = message.message_id
    return pairs, planted


@dataclass
class World:
    api: FakeBotApi
    conn: sqlite3.Connection
    courier: Courier
    focal: FocalBot
    done: set[int]
    pairs: list[Pair]
    planted: dict[int, int]
    flow_data: str = ""
    notes: list[str] = field(default_factory=list)

    def values(self, cell: Cell) -> dict[str, str]:
        pair = self.pairs[cell.index]
        return {
            "{case}": str(pair.case),
            "{case_ar}": str(pair.case).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
            "{ref}": pair.ref,
            "{sindh}": str(pair.sindh),
            "{sref}": pair.sref,
            "{cand}": str(pair.upload),
            "{uid}": str(70_000 + cell.index),
            "{flow}": self.flow_data,
        }

    def fill(self, text: str, cell: Cell) -> str:
        for key, value in self.values(cell).items():
            text = text.replace(key, value)
        return text

    def place(self, cell: Cell) -> tuple[int, int | None]:
        """The chat where the role acts, and the message it presses or replies to."""
        user, pair, where, role = USER_OF[cell.role], self.pairs[cell.index], cell.row.where, cell.role
        if where == "private":
            return user, self.planted[user]
        if where == "group":
            return GROUP_OF[role], None
        if where == "outside":
            group = STREET if role == Role.STRANGER else FAMILY
            return group, self.planted[group]
        if role == Role.CITIZEN or (where == "admin-card" and role == Role.ADMIN):
            return user, self.planted[user]
        if role == Role.OTHER and where != "queue-card":
            return SINDH, pair.scard
        return PUNJAB, pair.card

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        return {name: self.conn.execute(sql).fetchall() for name, sql in SNAPSHOTS.items()}

    def audit_mark(self) -> int:
        return int(self.conn.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()[0])

    async def settle(self, update_id: int) -> None:
        """Until the update went through every handler and the courier delivered what it caused."""
        deadline = time.monotonic() + 30
        while update_id not in self.done:
            assert time.monotonic() < deadline, f"update {update_id} was not handled"
            await asyncio.sleep(0.002)
        while not await self.courier.idle():
            assert time.monotonic() < deadline, "the courier did not finish"
            await asyncio.sleep(0.005)

    def post(self, user: FakeUser, chat_id: int, kind: str, text: str, reply_to: int | None = None) -> None:
        """A message from ``user`` in ``chat_id``, of any kind, as Telegram delivers it."""
        extra: dict[str, Any] = {}
        if kind == "document":
            file_id = f"doc{next(self.api.file_ids)}"
            self.api.files[file_id] = BROKEN_FLOW
            extra["document"] = {
                "file_id": file_id,
                "file_unique_id": "u" + file_id,
                "file_name": text,
                "mime_type": "application/x-yaml",
                "file_size": len(BROKEN_FLOW),
            }
            text = ""
        elif kind == "photo":
            unique = next(self.api.file_ids)
            extra["photo"] = [
                {
                    "file_id": f"photo{unique}",
                    "file_unique_id": f"u{unique}",
                    "width": 80,
                    "height": 60,
                    "file_size": 999,
                }
            ]
            text = ""
        elif kind == "contact":
            extra["contact"] = {"phone_number": "+923009876543", "first_name": user.first_name, "user_id": user.id}
            text = ""
        user._message(
            "text" if kind in ("text", "reply") else kind, text or None, chat_id=chat_id, reply_to=reply_to, **extra
        )

    async def prepare(self, cell: Cell) -> None:
        if cell.row.given == "flow-session":
            # The citizen is in the middle of a report; the cell presses one of its live buttons.
            citizen = self.api.user(CITIZEN_ID)
            citizen.send("/start")
            await self.settle(self.api.updates[-1]["update_id"])
            self.flow_data = ""
            for message in reversed(self.api.bot_messages(CITIZEN_ID)):
                rows = (message.reply_markup or {}).get("inline_keyboard", [])
                data = [str(b.get("callback_data", "")) for row in rows for b in row]
                live = [d for d in data if d.count(".") == 2 and not d.startswith(("lang.", "forget.", "x."))]
                if live:
                    self.flow_data = live[0]
                    break
            assert self.flow_data, "the citizen has no question with buttons"

    async def restore(self, cell: Cell) -> None:
        if cell.row.key == "forget-yes" and cell.role == Role.CITIZEN:
            # /forget unlinked the citizen's own report; link it again for the cells that follow.
            def change(conn: sqlite3.Connection) -> None:
                conn.execute("UPDATE reports SET chat_key = ? WHERE reference = ?", (f"tg:{CITIZEN_ID}", CITIZEN_REF))

            # The focal bot sees the store through its Sessions port; running_bot runs it on this SQLite file.
            store = self.focal.sessions
            assert isinstance(store, SqliteStore)
            await store.database.write(change)

    async def run(self, cell: Cell) -> Observation:
        await self.prepare(cell)
        payload = self.fill(cell.row.payload, cell)
        chat, message = self.place(cell)
        user = self.api.user(USER_OF[cell.role], NAMES[USER_OF[cell.role]])
        first_call, first_audit, before = len(self.api.calls), self.audit_mark(), self.snapshot()
        query: str | None = None
        kind = cell.row.kind
        if kind == "press":
            assert message is not None
            query = user.press(message, payload, chat_id=chat)
        else:
            self.post(user, chat, kind, payload, reply_to=message if kind == "reply" else None)
        await self.settle(self.api.updates[-1]["update_id"])
        calls = self.api.calls[first_call:]
        outputs = [(name, _chat(p), _visible(p)) for name, p in calls if name in OUTPUT_METHODS]
        answered = self.api.answered_callbacks.get(query) if query else None
        rows = self.conn.execute(
            "SELECT actor, action, report_id, allowed, detail FROM audit WHERE id > ? ORDER BY id", (first_audit,)
        ).fetchall()
        after = self.snapshot()
        observation = Observation(
            chat=chat,
            outputs=outputs,
            fetched_file=any(name == "getFile" for name, _ in calls),
            answer=None if answered is None else str(answered.get("text") or ""),
            audit=[(a, str(b), c, bool(d), str(e)) for a, b, c, d, e in rows],
            changed={name for name in SNAPSHOTS if before[name] != after[name]},
        )
        await self.restore(cell)
        return observation


def _chat(params: Mapping[str, Any]) -> int | None:
    try:
        return int(params["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None


def _visible(params: Mapping[str, Any]) -> str:
    text = str(params.get("text") or "")
    if params.get("parse_mode") == "HTML":
        try:
            return visible_text(text)
        except EntityError:
            return text
    return text


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    api = FakeBotApi()
    await api.start()
    # One Punjab group takes far more than Telegram's 20 messages a minute here; the limits have their own tests.
    api.group_limit = api.global_limit = None
    try:
        for chat_id, title in (
            (PUNJAB, "Punjab queue"),
            (SINDH, "Sindh queue"),
            (FEDERAL, "HQ queue"),
            (FAMILY, "Family chat"),
            (STREET, "Neighbourhood group"),
        ):
            api.group(chat_id, title)
        for user_id, name in NAMES.items():
            api.user(user_id, name)
        api.user(REPORTER_ID, "Reporter")
        api.group(PUNJAB).add_member(api.user(FOCAL_ID))
        api.group(PUNJAB).add_member(api.user(COLLEAGUE_ID, "Kamran"))
        api.group(SINDH).add_member(api.user(OTHER_ID))
        for user_id in (CITIZEN_ID, FOCAL_ID, OTHER_ID, ADMIN_ID):
            api.group(FAMILY).add_member(api.user(user_id))  # officers have families too
        api.group(STREET).add_member(api.user(STRANGER_ID))
        db = tmp_path_factory.mktemp("authorisation") / "bot.sqlite3"
        pairs, planted = await seed(api, db)
        async with running_bot(api, db, **ENV) as running:
            app = running.app
            # The pacing, lifted: the rate limiter counts in the send windows the courier and officers read.
            limiter = app.bot.rate_limiter
            assert isinstance(limiter, ChatRateLimiter)
            limiter.limits.group = Limit(1_000_000, 60.0)
            limiter.limits.private = Limit(1_000_000, 1.0)
            focal: FocalBot = app.bot_data["focal"]
            assert focal.limits is limiter.limits
            done: set[int] = set()

            async def handled(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
                done.add(update.update_id)

            # Group 1 runs after the bot's own handler (group 0) has finished, errors included.
            app.add_handler(TypeHandler(Update, handled), group=1)
            with closing(sqlite3.connect(db, isolation_level=None)) as conn:
                yield World(api, conn, app.bot_data["courier"], focal, done, pairs, planted)
    finally:
        await api.stop()


# ---- the test: one per cell --------------------------------------------------------------------------------


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("cell", [_param(cell) for cell in CELLS])
async def test_cell(world: World, cell: Cell) -> None:
    expect = cell.expect
    observed = await world.run(cell)
    pair = world.pairs[cell.index]
    user = USER_OF[cell.role]
    where = f"{cell.id} in chat {observed.chat}"

    # What the fake API received.
    if expect.says is None:
        assert observed.outputs == [], f"{where}: the bot should send nothing, sent {observed.outputs}"
    else:
        says = world.fill(expect.says, cell)
        assert observed.outputs, f"{where}: the bot sent nothing"
        assert any(says in text for _, _, text in observed.outputs), f"{where}: no {says!r} in {observed.outputs}"
        chats = {chat for _, chat, _ in observed.outputs}
        allowed = {observed.chat} | ({PUNJAB, SINDH, REPORTER_ID} if expect.elsewhere else set())
        assert chats <= allowed, f"{where}: sent into {chats - allowed}"
    if expect.not_says is not None:
        assert not any(expect.not_says in text for _, _, text in observed.outputs), f"{where}: {expect.not_says!r}"
    assert observed.fetched_file == expect.fetches_file, f"{where}: file fetched: {observed.fetched_file}"
    if cell.row.kind == "press":
        assert expect.alert is not None
        assert observed.answer == world.fill(expect.alert, cell), f"{where}: press answered {observed.answer!r}"

    # The audit trail: exactly these rows, by this user (or by nobody, for a citizen's /forget).
    ids: dict[Report, int | None] = {"P": pair.case, "S": pair.sindh, "-": None}
    wanted = [(action, allowed, ids[report]) for action, allowed, report in expect.audit]
    got = [(action, allowed, report_id) for _, action, report_id, allowed, _ in observed.audit]
    assert got == wanted, f"{where}: audit {observed.audit}"
    assert all(actor in (user, None) for actor, *_ in observed.audit), f"{where}: audit {observed.audit}"
    assert all(len(detail) <= 200 for *_, detail in observed.audit)

    # The state in SQLite.
    assert expect.changes <= observed.changed, f"{where}: unchanged {set(expect.changes) - observed.changed}"
    unexpected = observed.changed - expect.changes - expect.may
    assert not unexpected, f"{where}: changed {unexpected}"


def test_every_row_covers_every_role() -> None:
    assert len({row.key for row in ROWS}) == len(ROWS)
    for row in ROWS:
        assert set(row.cells) == set(ROLES), row.key
        if row.kind == "press":
            assert all(e.alert is not None for e in row.cells.values()), row.key
        else:
            assert all(e.alert is None for e in row.cells.values()), row.key
