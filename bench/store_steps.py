"""Store cost growth: what the SQLite operations of one step cost with 10 k and with 1 M stored reports.

    python bench/store_steps.py [--sizes 10000 1000000] [--samples N] [--budget S] [--try-fixes] [--tmpdir DIR]

For each size, a database is created with the real ``SqliteStore.open()`` (so every migration runs),
then seeded in one transaction with ``executemany`` (direct SQL, sealed columns sealed with the
store's own key): N reports at ``--rate`` a day ending now, N/2 citizens' chats, N/10 unfinished
sessions, evidence, outbox rows, audit rows, card messages, officers' questions, and a fixed backlog
of open cases (``--open``, so that the growth measured is the history's, not the backlog's). Closed
cases older than the retention time are seeded already anonymised when the schema has
``anonymised_at``, as the SLA job leaves them.

Then every store operation that a citizen step, a submit, /status, /queue, the SLA job and the
courier issue is timed through the real ``SqliteStore`` / ``CaseBook`` / ``Outbox`` / ``Retention``
methods on random existing keys (one connection, ``synchronous=FULL`` as the bot runs, warm OS cache).
Per operation: median and p99 in microseconds at each size, and the ratio of the largest size to the
smallest. Every statement each operation issued is captured with SQLite's trace callback; those whose
``EXPLAIN QUERY PLAN`` scans a whole table or index are printed with the index that would fix them.
``--try-fixes`` then creates those indexes on the largest database and times the affected operations
again.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.cases import ids  # noqa: E402
from bot.cases.flows import FlowRegistry, ensure_published  # noqa: E402
from bot.cases.references import ALPHABET  # noqa: E402
from bot.cases.reports import build_report  # noqa: E402
from bot.cases.stats import case_stats  # noqa: E402
from bot.engine import runner  # noqa: E402
from bot.engine.events import SubmitRequested  # noqa: E402
from bot.engine.model import Flow  # noqa: E402
from bot.engine.session import SUBMITTING, Session  # noqa: E402
from bot.store.records import ChatState, NewReport  # noqa: E402
from bot.store.sqlite.cases import CaseBook  # noqa: E402
from bot.store.sqlite.outbox import Outbox  # noqa: E402
from bot.store.sqlite.store import SqliteStore  # noqa: E402
from testing.sql import execute  # noqa: E402

try:  # retention arrived with schema 5; the benchmark also runs on a tree without it
    from bot.store.sqlite.retention import Retention
except ImportError:  # pragma: no cover
    Retention = None  # type: ignore[assignment,misc]

from bench.engine import script  # noqa: E402

PROVINCES = ("punjab", "punjab", "punjab", "sindh", "sindh", "kp", "balochistan", "islamabad", "gb", "ajk")
QUEUE_OF = {"gb": "undisclosed", "ajk": "undisclosed"}
QUEUES = ("punjab", "sindh", "kp", "balochistan", "islamabad", "undisclosed")
CATEGORIES = ("blackmail", "harassment", "impersonation", "stalking")
ANONYMISE_AFTER_DAYS = 365  # Settings.anonymise_after_days
SESSIONS_PER_REPORT = 0.1
CHATS_PER_REPORT = 0.5
MESSAGES_PER_SESSION = 12  # chat_messages rows seeded for each chat with an unfinished report
CHUNK = 200_000  # rows per executemany call, and per progress line
SCRAMBLE = 0x9E3779B97F4A7C15 % 2**40 | 1  # odd: i -> i * SCRAMBLE mod 2**40 is a bijection on 40 bits
_submits = itertools.count()  # references of the reports submitted while timing (never drawn by new_reference)

SEEDED_REPORT_COLUMNS = (
    *("id", "reference", "pin", "flow_id", "revision_id", "chat_key", "language", "category", "province"),
    *("minor", "status", "answers", "created_at", "queue", "priority", "claimed_by", "claimed_name", "claimed_at"),
    *("outcome", "closed_at", "reminded", "queued_at", "anonymised_at"),
)

# Indexes that remove the full scans found (see the README); --try-fixes creates them and times again.
FIXES: dict[str, str] = {
    "outbox.report_id": "CREATE INDEX IF NOT EXISTS bench_outbox_report ON outbox (report_id)",
    "outbox.target": "CREATE INDEX IF NOT EXISTS bench_outbox_target ON outbox (target)",
    "reports.claimed_at": (
        "CREATE INDEX IF NOT EXISTS bench_reports_claimed ON reports (claimed_at) WHERE claimed_at IS NOT NULL"
    ),
    "reports.created_at": "CREATE INDEX IF NOT EXISTS bench_reports_created ON reports (created_at)",
}
WHOLE_TABLE = "none: it reads every row by design; keep running totals (a counts table) or cache the result"


def reference(i: int) -> str:
    """A unique, random-looking reference for report number ``i`` (as new_reference() would draw)."""
    x = (i * SCRAMBLE + 12345) % 2**40
    raw = "".join(ALPHABET[(x >> (5 * k)) & 31] for k in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def chat_key(c: int) -> str:
    return ids.chat_key(1_000_000_000 + c)


def chat_target(c: int) -> str:
    return ids.chat_target(1_000_000_000 + c)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


# ---- a realistic session and report, from the real flow ---------------------------------------------


@dataclass
class Samples:
    midflow: Session  # waiting at the category question, four answers in
    finished: Session  # after the submit: the store deletes it
    report: NewReport  # the report the script submits


def walk(flow: Flow, revision: int, route: Callable[[str], str | None]) -> Samples:
    steps = script(random.Random(7))
    session = runner.start(flow, revision, "en", session_id="a1b2c3").session
    midflow: Session | None = None
    report: NewReport | None = None
    for n, (given, _) in enumerate(steps):
        turn = runner.resume(flow, session, given, today=date.today())
        session = turn.session
        if n == 3:
            midflow = session
        submit = next((e for e in turn.events if isinstance(e, SubmitRequested)), None)
        if submit is not None and session.status == SUBMITTING:
            report = build_report(
                flow,
                session,
                submit.answers,
                reference="AAAA-AAAA",
                pin="123456",
                chat_key=chat_key(0),
                created_at=iso(datetime.now(UTC)),
                route=route,
            )
            session = runner.submitted(flow, session, "AAAA-AAAA", "123456").session
    if midflow is None or report is None or not session.finished:
        raise SystemExit(
            "the scripted walk of flows/report.yaml did not reach a submitted report; update bench/engine.py"
        )
    return Samples(midflow, session, report)


# ---- seeding ------------------------------------------------------------------------------------------


@dataclass
class Seeded:
    reports: int
    chats: int
    sessions: int
    open_ids: list[int]
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    db_bytes: int = 0
    anonymised: int = 0


class Progress:
    def __init__(self, started: float) -> None:
        self.started = started

    def say(self, what: str) -> None:
        print(f"  {time.monotonic() - self.started:6.1f} s  {what}", flush=True)


def columns(db: sqlite3.Connection, table: str) -> dict[str, tuple[bool, bool]]:
    """column -> (NOT NULL, has a default or is the rowid)."""
    info = db.execute(f"PRAGMA table_info({table})").fetchall()
    return {str(r[1]): (bool(r[3]), r[4] is not None or bool(r[5])) for r in info}


def insert(
    db: sqlite3.Connection,
    progress: Progress,
    counts: dict[str, int],
    table: str,
    wanted: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    total: int,
) -> None:
    """executemany over the columns of ``wanted`` the schema has; fails clearly on a new required column."""
    have = columns(db, table)
    missing = [c for c, (not_null, default) in have.items() if not_null and not default and c not in wanted]
    if missing:
        raise SystemExit(f"{table}: new required column(s) {missing}; teach bench/store_steps.py to fill them")
    keep = [i for i, c in enumerate(wanted) if c in have]
    names = [wanted[i] for i in keep]
    if len(keep) < len(wanted):
        rows = (tuple(row[i] for i in keep) for row in rows)
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    done = 0
    batches = iter(rows)
    while chunk := list(itertools.islice(batches, CHUNK)):
        db.executemany(sql, chunk)
        done += len(chunk)
        if total > CHUNK:
            progress.say(f"seeding {table}: {done:,} of ~{total:,} rows")
    counts[table] = counts.get(table, 0) + done


def seed(path: Path, n: int, samples: Samples, keyring: Any, revision: int, rate: int, backlog: int) -> Seeded:
    """Fill the migrated database at ``path`` with ``n`` reports' worth of history in one transaction."""
    started = time.monotonic()
    rng = random.Random(n)
    now = datetime.now(UTC).replace(microsecond=0)
    per_report = timedelta(days=1) / rate
    two_days = timedelta(days=2)
    chats = max(1, int(n * CHATS_PER_REPORT))
    sessions = max(1, int(n * SESSIONS_PER_REPORT))
    backlog = min(backlog, n // 4)

    def seal(text: str, column: str) -> str:
        return str(keyring.seal(text, column)) if keyring is not None else text

    answers_full = seal(json.dumps(samples.report.answers, ensure_ascii=False), "reports.answers")
    answers_empty = seal("{}", "reports.answers")
    state = seal(samples.midflow.to_json(), "sessions.state")
    urls = [seal(link.url, "evidence.url") for link in samples.report.evidence] or [
        seal("https://x.com/a", "evidence.url")
    ]
    platforms = [link.platform for link in samples.report.evidence] or ["x"]
    payload = seal("{}", "outbox.payload")
    question = seal("Can you send the link to the second profile?", "questions.text")
    pin = seal(samples.report.pin, "reports.pin")
    anonymise_before = now - timedelta(days=ANONYMISE_AFTER_DAYS)

    db = sqlite3.connect(path, isolation_level=None)
    has_anon = "anonymised_at" in columns(db, "reports")
    # Seeding only: no journal, no fsync, a big cache. The store sets WAL and FULL again when it opens.
    for pragma in ("journal_mode=DELETE", "journal_mode=OFF", "synchronous=OFF", "cache_size=-400000"):
        db.execute(f"PRAGMA {pragma}")
    db.execute("PRAGMA locking_mode=EXCLUSIVE")
    db.execute("BEGIN")
    progress = Progress(started)
    counts: dict[str, int] = {}
    # Explicit indexes are dropped and created again after the rows are in (one sort instead of a million
    # B-tree inserts); the implicit ones (primary keys, UNIQUE) stay. Same SQL, so the same schema.
    indexes = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").fetchall()
    for name, _ in indexes:
        db.execute(f"DROP INDEX {name}")

    # Report i was created (n - i) report-intervals ago; the last ``backlog`` are still open.
    created = [iso(now - per_report * (n - i)) for i in range(n)]
    first_open = n - backlog
    status: list[str] = []
    for i in range(n):
        if i >= first_open:
            r = rng.random()
            status.append("new" if r < 0.5 else "claimed" if r < 0.8 else "waiting")
        else:
            status.append("spam" if rng.random() < 0.12 else "resolved")
    # Closed two days after it came in, or halfway to now for the newest (closing times stay distinct).
    closed = [
        None if s in ("new", "claimed", "waiting") else iso(now - per_report * (n - i) + min(two_days, age / 2))
        for i, s in enumerate(status)
        for age in [per_report * (n - i)]
    ]
    anonymised = [has_anon and c is not None and c < iso(anonymise_before) for c in closed]
    anonymous = [rng.random() < 0.1 for _ in range(n)]
    province = [rng.choice(PROVINCES) for _ in range(n)]
    priority = [rng.random() < 0.15 for _ in range(n)]

    def report_rows() -> Iterator[tuple[Any, ...]]:
        for i in range(n):
            anon = anonymised[i]
            open_new = status[i] == "new"
            # As the SLA job (every minute) leaves them: raised once per level passed (thresholds of config.py).
            minutes = (n - i) * per_report / timedelta(minutes=1)
            first, second = (30, 120) if priority[i] else (120, 480)
            reminded = (2 if minutes > second else 1 if minutes > first else 0) if open_new else rng.choice((0, 1, 2))
            claimed = status[i] not in ("new",)
            yield (
                i + 1,
                reference(i),
                pin,
                samples.report.flow_id,
                revision,
                None if anonymous[i] or anon else chat_key(i % chats),
                "ur" if i % 3 else "en",
                rng.choice(CATEGORIES),
                province[i],
                int(priority[i]),
                status[i],
                answers_empty if anon else answers_full,
                created[i],
                QUEUE_OF.get(province[i], province[i]),
                int(priority[i]),
                4242 if claimed else None,
                "Officer" if claimed else None,
                created[i] if claimed else None,
                ("no_action" if status[i] == "resolved" else None),
                closed[i],
                reminded,
                created[i],
                closed[i] if anon else None,
            )

    insert(
        db,
        progress,
        counts,
        "reports",
        SEEDED_REPORT_COLUMNS,
        report_rows(),
        n,
    )
    live = [i for i in range(n) if not anonymised[i]]
    insert(
        db,
        progress,
        counts,
        "evidence",
        ("report_id", "position", "url", "platform"),
        ((i + 1, p, urls[p], platforms[p]) for i in live for p in range(len(urls))),
        len(live) * len(urls),
    )

    def outbox_rows() -> Iterator[tuple[Any, ...]]:
        t = now.timestamp()
        for i in live:
            queue = QUEUE_OF.get(province[i], province[i])
            pending = i >= n - 20  # a few deliveries still waiting for the courier
            yield (
                "case",
                f"queue:{queue}",
                f"case:{reference(i)}:{queue}:0",
                i + 1,
                int(priority[i]),
                payload,
                "pending" if pending else "sent",
                0,
                t - 60,
                None if pending else t,
            )
            if not anonymous[i] and status[i] != "new":
                target = "chat:" + chat_key(i % chats).removeprefix("tg:")
                for event in ("claimed", "resolved") if closed[i] else ("claimed",):
                    yield ("notify", target, f"notify:{i + 1}:{event}:0", i + 1, 0, payload, "sent", 0, t, t)

    insert(
        db,
        progress,
        counts,
        "outbox",
        (
            "kind",
            "target",
            "dedupe_key",
            "report_id",
            "priority",
            "payload",
            "state",
            "not_before",
            "created_at",
            "sent_at",
        ),
        outbox_rows(),
        len(live) * 3,
    )
    insert(
        db,
        progress,
        counts,
        "case_messages",
        ("chat_id", "message_id", "report_id", "kind", "created_at"),
        (
            (-100_000 - QUEUES.index(QUEUE_OF.get(province[i], province[i])), i + 1, i + 1, "card", 0.0)
            for i in range(n)
        ),
        n,
    )

    def audit_rows() -> Iterator[tuple[Any, ...]]:
        for i in range(n):
            if status[i] != "new":
                yield (created[i], 4242, "Officer", "claim", i + 1, province[i], 1, "")
            if closed[i] is not None:
                yield (closed[i], 4242, "Officer", status[i], i + 1, province[i], 1, "")

    insert(
        db,
        progress,
        counts,
        "audit",
        ("at", "actor", "actor_name", "action", "report_id", "queue", "allowed", "detail"),
        audit_rows(),
        2 * n,
    )
    # Officers asked a question in one case of ten (not in anonymised ones: their questions are gone).
    asked = [i for i in live if i % 10 == 0 and not anonymous[i]]
    insert(
        db,
        progress,
        counts,
        "questions",
        ("report_id", "asked_by", "text", "asked_at", "citizen_message_id", "answered_at"),
        ((i + 1, 4242, question, created[i], 7, None if status[i] == "waiting" else created[i]) for i in asked),
        len(asked),
    )
    insert(
        db,
        progress,
        counts,
        "chats",
        ("chat_key", "lang", "active", "last_update_id", "question_message_id", "updated_at"),
        ((chat_key(c), "ur" if c % 3 else "en", 1, 1000 + c, 5, created[min(n - 1, c)]) for c in range(chats)),
        chats,
    )
    # Unfinished reports belong to the most recent chats and were touched within the last two days.
    recent = range(chats - sessions, chats) if sessions <= chats else range(chats)
    insert(
        db,
        progress,
        counts,
        "sessions",
        ("chat_key", "revision_id", "state", "updated_at"),
        ((chat_key(c), revision, state, iso(now - timedelta(seconds=rng.randrange(48 * 3600)))) for c in recent),
        len(recent),
    )
    insert(
        db,
        progress,
        counts,
        "chat_messages",
        ("chat_key", "message_id", "sent_at"),
        ((chat_key(c), m, now.timestamp() - 600) for c in recent for m in range(1, MESSAGES_PER_SESSION + 1)),
        len(recent) * MESSAGES_PER_SESSION,
    )
    insert(
        db,
        progress,
        counts,
        "focal_members",
        ("queue", "user_id", "added_by", "added_at"),
        ((q, 4242 + k, None, iso(now)) for k, q in enumerate(QUEUES)),
        len(QUEUES),
    )
    insert(
        db,
        progress,
        counts,
        "queues",
        ("key", "chat_id", "lang", "bound_by", "bound_at"),
        ((q, -100_000 - k, "en", None, iso(now)) for k, q in enumerate(QUEUES)),
        len(QUEUES),
    )
    progress.say(f"creating {len(indexes)} indexes")
    for _, sql in indexes:
        db.execute(sql)
    db.execute("COMMIT")
    progress.say("committed")
    db.execute("PRAGMA locking_mode=NORMAL")
    db.execute("SELECT count(*) FROM sqlite_master").fetchone()  # releases the exclusive lock
    db.close()
    seeded = Seeded(
        reports=n,
        chats=chats,
        sessions=len(recent),
        open_ids=[i + 1 for i in range(first_open, n)],
        rows=counts,
        seconds=time.monotonic() - started,
        db_bytes=path.stat().st_size,
        anonymised=sum(anonymised),
    )
    return seeded


# ---- timing -------------------------------------------------------------------------------------------


@dataclass
class Op:
    name: str
    what: str
    run: Callable[[int], Awaitable[object]]
    times_ns: list[int] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)

    def pct(self, q: float) -> float:
        ordered = sorted(self.times_ns)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)] / 1e3

    @property
    def median(self) -> float:
        return statistics.median(self.times_ns) / 1e3


async def measure(store: SqliteStore, op: Op, samples: int, budget: float, min_samples: int) -> None:
    """Time ``op`` (after two warm-up calls), then run it once more with the trace callback on."""
    for w in range(2):
        await op.run(w)
    started = time.perf_counter()
    i = 2
    while len(op.times_ns) < samples and (len(op.times_ns) < min_samples or time.perf_counter() - started < budget):
        t0 = time.perf_counter_ns()
        await op.run(i)
        op.times_ns.append(time.perf_counter_ns() - t0)
        i += 1
    await store.database.read(lambda conn: conn.set_trace_callback(op.statements.append))
    try:
        await op.run(i)
    finally:
        await store.database.read(lambda conn: conn.set_trace_callback(None))


def build_ops(
    store: SqliteStore, seeded: Seeded, samples: Samples, cutoffs: Iterator[str], rng: random.Random
) -> list[Op]:
    """The operations to time; ``cutoffs`` are the closing times of the closed cases not yet anonymised, oldest
    first: each anonymise call moves the retention cutoff past the next one, as the SLA job meets one case."""
    book = CaseBook(store)
    outbox = Outbox(store)
    retention = Retention(store) if Retention is not None else None
    n, chats = seeded.reports, seeded.chats
    session_chats = list(range(chats - seeded.sessions, chats))
    now = datetime.now(UTC)
    midnight = iso(now.replace(hour=0, minute=0, second=0))
    one_queue = ["punjab"]

    def any_chat() -> str:
        return chat_key(rng.randrange(chats))

    def session_chat() -> str:
        return chat_key(rng.choice(session_chats))

    async def save_chat_state(i: int) -> None:
        key = session_chat()
        await store.save_chat_state(ChatState(key, "en", True, 10_000_000 + i, 6))

    async def submit(i: int) -> None:
        number = next(_submits)
        key = chat_key(chats + 1 + number)  # a fresh chat: the store deletes its session row
        report = replace(samples.report, reference=f"BNCH{number:05d}", chat_key=key, created_at=iso(now))
        await store.commit_step(key, samples.finished, report)

    async def forget(i: int) -> object:
        assert retention is not None
        chat = (i * 7919) % chats
        return await retention.forget(chat_key(chat), chat_target(chat))

    async def anonymise(i: int) -> object:
        assert retention is not None
        return await retention.anonymise_closed(next(cutoffs, "0"))

    sla_1 = iso(now - timedelta(minutes=120)), iso(now - timedelta(minutes=30))
    sla_2 = iso(now - timedelta(minutes=480)), iso(now - timedelta(minutes=120))
    drafts = iso(now - timedelta(hours=72))
    ops = [
        # A citizen's update (citizen.py: _begin_update, conv.current/answer, deliver).
        Op("chat_state", "step: SELECT chats row", lambda i: store.chat_state(session_chat())),
        Op("save_chat_state", "step: upsert chats row (autocommit)", save_chat_state),
        Op(
            "remember_messages",
            "step: INSERT chat_messages (autocommit)",
            lambda i: store.remember_messages(session_chat(), [100_000 + i], time.time()),
        ),
        Op("load_session", "step: SELECT + open session", lambda i: store.load_session(session_chat())),
        Op("commit_step", "step: save session, one txn", lambda i: store.commit_step(session_chat(), samples.midflow)),
        Op(
            "open_question",
            "step: officer question to relay? (idle chat)",
            lambda i: book.open_question(any_chat(), None, exact=False),
        ),
        Op("reports_since", "/start: daily cap count", lambda i: store.reports_since(any_chat(), midnight)),
        # Submitting: report + evidence + outbox + session delete in one transaction.
        Op("submit", "submit: commit_step with report", submit),
        # /status
        Op("reports_for_chat", "/status: the chat's reports", lambda i: store.reports_for_chat(any_chat())),
        Op(
            "report_by_reference",
            "/status REF PIN",
            lambda i: store.report_by_reference(reference(rng.randrange(n))),
        ),
        # Officers
        Op("open_cases", "/queue: open cases, 1 queue", lambda i: book.open_cases(one_queue, limit=30)),
        Op("count_open", "/queue: count open, 1 queue", lambda i: book.count_open(one_queue)),
        Op("open_cases_all", "/focal: open cases, all queues", lambda i: book.open_cases(QUEUES, limit=30)),
        Op("case", "button press: the case", lambda i: book.case(rng.choice(seeded.open_ids))),
        # SLA job, every SLA_CHECK_SECONDS
        Op("unclaimed_1", "SLA: unclaimed, level 1", lambda i: book.unclaimed_since(1, *sla_1)),
        Op("unclaimed_2", "SLA: unclaimed, level 2", lambda i: book.unclaimed_since(2, *sla_2)),
        Op(
            "expire_sessions",
            "SLA: expire retired drafts",
            lambda i: store.expire_sessions(drafts, samples.midflow.revision),
        ),
        # Courier
        Op("outbox_due", "courier: due deliveries", lambda i: outbox.due()),
        Op("outbox_next", "courier: next due time", lambda i: outbox.next_due_at()),
    ]
    ops.append(
        Op("case_stats", "/stats (admin): all figures", lambda i: case_stats(store.books().stats, datetime.now(UTC)))
    )
    if retention is not None:
        ops += [
            Op("expire_drafts", "SLA: retention, expire drafts", lambda i: retention.expire_drafts(drafts)),
            Op("anonymise_1", "SLA: retention, one case due", anonymise),
            Op("forget", "/forget", forget),
        ]
    return ops


SCAN_WORDS = ("SCAN ",)


def full_scans(plan: Sequence[tuple[Any, ...]]) -> list[str]:
    return [str(r[3]) for r in plan if str(r[3]).startswith(SCAN_WORDS) and "CONSTANT ROW" not in str(r[3])]


@dataclass
class Scan:
    op: str
    sql: str
    plan: list[str]


async def explain(store: SqliteStore, ops: Sequence[Op]) -> list[Scan]:
    found: list[Scan] = []
    seen: set[str] = set()
    for op in ops:
        for sql in op.statements:
            head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
            if head not in ("SELECT", "UPDATE", "DELETE", "WITH", "INSERT"):
                continue
            shape = "".join(ch for ch in sql if not ch.isdigit())
            if shape in seen:
                continue
            seen.add(shape)
            try:
                plan = await store.database.fetchall("EXPLAIN QUERY PLAN " + sql)
            except sqlite3.Error:
                continue
            if full_scans(plan):
                found.append(Scan(op.name, sql, [str(r[3]) for r in plan]))
    return found


def fix_for(sql: str) -> str:
    s = " ".join(sql.split()).lower()
    if s.startswith("delete from outbox where report_id"):
        return FIXES["outbox.report_id"]
    if s.startswith("delete from outbox where target"):
        return FIXES["outbox.target"]
    if "claimed_at is not null and claimed_at >=" in s:
        return FIXES["reports.claimed_at"]
    if s.startswith("select count(*) from reports where created_at >="):
        return FIXES["reports.created_at"]
    if "group by" in s or s.startswith("select count(*) from reports where 1"):
        return WHOLE_TABLE
    return "(none proposed: see the plan)"


# ---- one size -----------------------------------------------------------------------------------------


@dataclass
class Result:
    size: int
    seeded: Seeded
    ops: list[Op]
    scans: list[Scan]
    fixed: list[Op] = field(default_factory=list)
    fixed_scans: list[Scan] = field(default_factory=list)


async def run_size(n: int, where: Path, args: argparse.Namespace, try_fixes: bool) -> Result:
    path = where / f"store-{n}.sqlite3"
    store = SqliteStore(path)
    await store.open()  # every migration runs
    live, _ = await ensure_published(store)
    revision, flow = await FlowRegistry(store).live()
    samples = walk(flow, revision, lambda province: QUEUE_OF.get(province, province))
    keyring = getattr(store, "keyring", None)
    await store.close()
    print(f"\n== {n:,} reports: seeding {path.name}", flush=True)
    seeded = seed(path, n, samples, keyring, live.id, args.rate, args.open)
    print(
        f"  seeded in {seeded.seconds:.1f} s, {seeded.db_bytes / 1e6:,.0f} MB; "
        + ", ".join(f"{t} {c:,}" for t, c in seeded.rows.items())
        + f"; {seeded.anonymised:,} reports anonymised",
        flush=True,
    )
    store = SqliteStore(path)
    await store.open()
    rng = random.Random(1)
    closings = await store.database.fetchall(
        "SELECT closed_at FROM reports WHERE closed_at IS NOT NULL AND "
        + ("anonymised_at IS NULL " if Retention is not None else "1 ")
        + "ORDER BY closed_at LIMIT 100000"
    )
    # the next closing time past each case: a cutoff that takes exactly that case (closing times differ)
    cutoffs = iter([str(r[0]) for r in closings][1:])
    row = await store.database.fetchone("SELECT max(id) FROM outbox")
    outbox_top = int(row[0]) if row and row[0] is not None else 0
    ops = build_ops(store, seeded, samples, cutoffs, rng)
    try:
        for op in ops:
            await measure(store, op, args.samples, args.budget, args.min_samples)
            if op.name == "submit":
                # the submits' case deliveries would otherwise sit in the courier's due list
                await execute(store, "UPDATE outbox SET state = 'sent' WHERE id > ?", (outbox_top,))
            print(
                f"  {op.name:<20} n={len(op.times_ns):5d}  median {op.median:10.1f} µs  p99 {op.pct(0.99):10.1f} µs",
                flush=True,
            )
        scans = await explain(store, ops)
        result = Result(n, seeded, ops, scans)
        if try_fixes and scans:
            print("  creating the proposed indexes and timing the affected operations again", flush=True)
            for ddl in sorted({fix_for(s.sql) for s in scans if fix_for(s.sql).startswith("CREATE")}):
                await execute(store, ddl)
            again = {s.op for s in scans}
            fresh = [op for op in build_ops(store, seeded, samples, cutoffs, rng) if op.name in again]
            for op in fresh:
                await measure(store, op, args.samples, args.budget, args.min_samples)
            result.fixed = fresh
            result.fixed_scans = await explain(store, fresh)
    finally:
        await store.close()
    return result


# ---- report -------------------------------------------------------------------------------------------


def report(results: list[Result]) -> None:
    small, large = results[0], results[-1]
    sizes = " / ".join(f"{r.size:,}" for r in results)
    print(f"\nPer operation, µs (median and p99) at {sizes} reports; ratio = {large.size:,} ÷ {small.size:,}")
    head = "".join(f"{f'{r.size:,} med':>16}{'p99':>11}" for r in results)
    print(f"{'operation':<20}{'what':<38}{head}{'ratio med':>11}{'ratio p99':>11}")
    for k, op in enumerate(small.ops):
        cells = ""
        for r in results:
            o = r.ops[k]
            cells += f"{o.median:16.1f}{o.pct(0.99):11.1f}"
        big = large.ops[k]
        print(
            f"{op.name:<20}{op.what[:37]:<38}{cells}{big.median / op.median:11.2f}{big.pct(0.99) / op.pct(0.99):11.2f}"
        )
    seen: set[str] = set()
    print("\nStatements whose plan scans a whole table or index (EXPLAIN QUERY PLAN, at each size):")
    for r in results:
        for s in r.scans:
            shape = "".join(ch for ch in s.sql if not ch.isdigit())
            if shape in seen:
                continue
            seen.add(shape)
            sql = " ".join(s.sql.split())
            print(f"- [{s.op}] {sql[:220]}{'…' if len(sql) > 220 else ''}")
            for line in s.plan:
                print(f"      {line}")
            print(f"    fix: {fix_for(s.sql)}")
    if not seen:
        print("  none")
    if large.fixed:
        print(f"\nWith the proposed indexes, at {large.size:,} reports (µs):")
        before = {op.name: op for op in large.ops}
        for op in large.fixed:
            b = before[op.name]
            print(
                f"  {op.name:<20} median {b.median:10.1f} -> {op.median:9.1f}"
                f"   p99 {b.pct(0.99):10.1f} -> {op.pct(0.99):9.1f}"
            )
        print("  full scans left:" + ("" if large.fixed_scans else " none"))
        for left in large.fixed_scans:
            print(f"    [{left.op}] {' '.join(left.sql.split())[:110]}")


def remove(where: Path, n: int) -> None:
    """The smaller databases go as soon as they are measured: the largest needs the disk."""
    for extra in where.glob(f"store-{n}.sqlite3*"):
        extra.unlink()


async def main(args: argparse.Namespace) -> None:
    try:  # one key for the run, so the store does not create (and warn about) a key file per database
        from bot.store.keyring import new_key

        os.environ.setdefault("DATA_KEY", new_key())
    except ImportError:  # pragma: no cover  (a tree from before sealing)
        pass
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bench-store-", dir=args.tmpdir) as tmp:
        for k, n in enumerate(sorted(args.sizes)):
            results.append(await run_size(n, Path(tmp), args, args.try_fixes and k == len(args.sizes) - 1))
            if n != max(args.sizes):
                remove(Path(tmp), n)
    report(results)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000], help="stored reports")
    parser.add_argument("--samples", type=int, default=500, help="timed calls per operation (default 500)")
    parser.add_argument("--budget", type=float, default=3.0, help="seconds per operation before stopping early")
    parser.add_argument("--min-samples", type=int, default=20, help="timed calls per operation at least")
    parser.add_argument("--rate", type=int, default=1000, help="reports a day in the seeded history (default 1000)")
    parser.add_argument("--open", type=int, default=500, help="open cases in the queues, whatever the size")
    parser.add_argument("--try-fixes", action="store_true", help="add the proposed indexes at the largest size")
    parser.add_argument("--tmpdir", type=Path, default=None, help="where the databases go (default: system temp)")
    asyncio.run(main(parser.parse_args()))
