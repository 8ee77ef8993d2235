"""Who may do what: every command and button of the bot against every role, end to end.

The matrix below (``ROWS``) is the specification: one row per command, message or button (and per
forged variant of a button), one column per role, and in each cell what a secure bot answers. Each
cell is its own test case: the real ``Application`` against the offline Bot API and a real SQLite
file, one bot for the whole module. Every cell gets its own pair of cases (one in the Punjab queue,
one in the Sindh queue) with their cards already in the groups, so no cell sees another's changes.

A cell checks, precisely:
  * what the bot sent (``sendMessage``, edits, deletions) and where: nothing at all, or a message
    containing the expected text; a refusal only into the chat where the role acted;
  * for a press, the exact answer of the callback query;
  * the audit rows the cell wrote (action, allowed, which case);
  * which security-relevant state changed in SQLite (cases, questions, asks, sessions, officers,
    admins, blocked senders, queue bindings, flow revisions, uploads), and that nothing else did;
  * whether the bot fetched an uploaded file.

Roles and where they act:
  citizen   a citizen (user 2001) in their private chat with the bot; in "group" rows, a family
            group that is not a queue; buttons: forged data on a bot message in the private chat.
  focal     Ayesha (501), member of the Punjab queue's group; acts in that group.
  other     Bilal (502), member of the Sindh queue's group; acts in the Sindh group (buttons: forged
            data naming the Punjab case, pressed on a Sindh card); replies: in the Punjab group.
  admin     user 9000 from ADMIN_IDS, a member of no group: private chat, or the Punjab group.
  stranger  user 777: in "group" rows a group that is not a queue; on buttons a non-member pressing
            a card in the Punjab group (public groups let anyone see and press); in private rows,
            a first-time user's private chat.

Cells whose expected answer the bot does not give yet are ``xfail(strict=True)`` with the defect.
``bench/authorisation_table.py`` prints the matrix.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import closing
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import pytest
import pytest_asyncio
from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.engine.session import COMPLETED, Session
from bot.flows import ensure_published
from bot.i18n import t
from bot.references import ALPHABET, hash_pin
from bot.storage.adminbook import AdminBook
from bot.storage.casebook import CaseBook
from bot.storage.records import EvidenceLink, NewReport
from bot.storage.sqlite import SqliteStore
from bot.telegram import admin_texts as at
from bot.telegram import card as cards
from bot.telegram import focal_texts as ft
from bot.telegram import texts
from bot.telegram.courier import Courier
from bot.telegram.focal import FocalBot
from bot.telegram.limits import Limit
from bot.telegram.ratelimit import ChatRateLimiter
from tests.conftest import REPORT_FLOW
from tests.e2e.harness import running_bot
from tests.fakeapi.html_check import EntityError, visible_text
from tests.fakeapi.server import FakeBotApi, FakeUser

# ---- the people and chats ------------------------------------------------------------------------

PUNJAB, SINDH, FEDERAL = -1001, -1002, -1003
FAMILY, STREET = -1009, -1010  # groups the bot is in that are not queues
CITIZEN_ID, FOCAL_ID, OTHER_ID, ADMIN_ID, STRANGER_ID = 2001, 501, 502, 9000, 777
COLLEAGUE_ID = 503  # another Punjab officer, who claimed some cases
REPORTER_ID = 2100  # who sent the seeded cases (not a role: their chat receives the case updates)
BLOCKED_ID = 88888  # a sender blocked before the run, for /unblock
CITIZEN_REF, CITIZEN_PIN = "CTZN-2345", "246810"
PHONE = "+923001234567"
NAMES = {CITIZEN_ID: "Citizen", FOCAL_ID: "Ayesha", OTHER_ID: "Bilal", ADMIN_ID: "Admin", STRANGER_ID: "Stranger"}
ENV = {
    "FOCAL_QUEUES": f"punjab={PUNJAB},sindh={SINDH},undisclosed={FEDERAL}",
    "ADMIN_IDS": str(ADMIN_ID),
    "FLOOD_MESSAGES_PER_MINUTE": "100000",
    "DAILY_REPORT_CAP": "100000",
    "SPAM_BLOCK_THRESHOLD": "100000",
    "SLA_CHECK_SECONDS": "3600",
    "OVERALL_MESSAGES_PER_SECOND": "1000",
}


class Role(StrEnum):
    CITIZEN = "citizen"
    FOCAL = "focal"
    OTHER = "other"
    ADMIN = "admin"
    STRANGER = "stranger"


ROLES = tuple(Role)
ROLE_TITLES = {
    Role.CITIZEN: "citizen",
    Role.FOCAL: "focal, this queue",
    Role.OTHER: "focal, other queue",
    Role.ADMIN: "admin",
    Role.STRANGER: "stranger",
}
USER_OF = {
    Role.CITIZEN: CITIZEN_ID,
    Role.FOCAL: FOCAL_ID,
    Role.OTHER: OTHER_ID,
    Role.ADMIN: ADMIN_ID,
    Role.STRANGER: STRANGER_ID,
}
# Where each role acts, by the ``where`` of a row (the legend of bench/authorisation_table.py).
PLACES: dict[str, dict[Role, str]] = {
    "private": dict.fromkeys(ROLES, "own private chat"),
    "group": {
        Role.CITIZEN: "family group (no queue)",
        Role.FOCAL: "Punjab queue group",
        Role.OTHER: "Sindh queue group",
        Role.ADMIN: "Punjab queue group",
        Role.STRANGER: "other group (no queue)",
    },
    "card": {
        Role.CITIZEN: "forged, own private chat",
        Role.FOCAL: "Punjab card",
        Role.OTHER: "forged, on a Sindh card",
        Role.ADMIN: "Punjab card",
        Role.STRANGER: "Punjab card, not a member",
    },
    "queue-card": {
        Role.CITIZEN: "own private chat",
        Role.FOCAL: "Punjab card",
        Role.OTHER: "Punjab card, not a member",
        Role.ADMIN: "Punjab card",
        Role.STRANGER: "Punjab card, not a member",
    },
    "admin-card": {
        Role.CITIZEN: "forged, own private chat",
        Role.FOCAL: "forged, on a Punjab card",
        Role.OTHER: "forged, on a Sindh card",
        Role.ADMIN: "own private chat",
        Role.STRANGER: "forged, Punjab card, not a member",
    },
    "outside": {**dict.fromkeys(ROLES, "forged, family group (no queue)"), Role.STRANGER: "forged, other group"},
}
GROUP_OF = {Role.CITIZEN: FAMILY, Role.FOCAL: PUNJAB, Role.OTHER: SINDH, Role.ADMIN: PUNJAB, Role.STRANGER: STREET}

# ---- the vocabulary of expected answers ----------------------------------------------------------

Table = Literal[
    "reports", "questions", "asks", "sessions", "officers", "admins", "senders", "queues", "flows", "uploads"
]
Report = Literal["P", "S", "-"]  # the cell's Punjab case, its Sindh case, or none


def en(msgid: str, **values: str | int) -> str:
    return t("en", msgid, **values)


def head(msgid: str) -> str:
    """The first line of a text: enough to recognise it."""
    return en(msgid).split("\n", 1)[0]


@dataclass(frozen=True)
class Expect:
    """What a secure bot does in one cell. ``{ref}``-style placeholders are filled per cell."""

    label: str
    says: str | None = None  # a message (or edit) containing this; "" any; None: the bot sends nothing
    alert: str | None = None  # a press: the exact answer to the callback query ("" answered without text)
    audit: tuple[tuple[str, bool, Report], ...] = ()  # every audit row the cell writes, in order
    changes: frozenset[Table] = frozenset()  # state that must change
    may: frozenset[Table] = frozenset()  # state that may change (depends on the role's earlier cells)
    elsewhere: bool = False  # acting: updates may also go to the queue groups and the citizen concerned
    not_says: str | None = None  # text that must appear in no message
    fetches_file: bool = False
    defect: str | None = None  # the bot does not do this yet: the cell is xfail(strict=True)

    def broken(self, defect: str) -> Expect:
        return replace(self, defect=defect)


def tables(*names: Table) -> frozenset[Table]:
    return frozenset(names)


SILENT = Expect("silent")
CITIZEN_HELP = Expect("citizen help", says=head(texts.HELP))
OFFICER_HELP = Expect("officer help", says=head(ft.OFFICER_HELP))
NEUTRAL = Expect("neutral answer", alert=en(texts.MOVED_ON))
NO_SUCH_CASE = Expect("refused + audited (no such case)", alert=en(ft.MOVED_ON), audit=(("press", False, "-"),))
ADMIN_PRESS_REFUSED = Expect("refused + audited", alert=en(at.ADMINS_ONLY), audit=(("flow_press", False, "-"),))
ADMIN_NEUTRAL = Expect("neutral answer (already settled)", alert=en(at.ALREADY_SETTLED))
STARTS_REPORT = Expect("starts a report", says="Please choose a language.", may=tables("sessions"))
CITIZEN_FLOW = Expect("citizen flow", says="", may=tables("sessions"))


def refused(action: str, says: str) -> Expect:
    return Expect("refused + audited", says=says, audit=((action, False, "-"),))


def refused_press(action: str, report: Report = "P") -> Expect:
    return Expect("refused + audited", alert=en(ft.NOT_MEMBER), audit=((action, False, report),))


def wrong_chat(action: str, report: Report = "P") -> Expect:
    """An officer's button pressed in a group that is not the case's queue group: refused before anything else."""
    return Expect("refused + audited (not its queue's chat)", alert=en(ft.MOVED_ON), audit=((action, False, report),))


def not_found(report: Report) -> Expect:
    return Expect("not found + audited", says=en(ft.CASE_NOT_FOUND), audit=(("case", False, report),))


def shows_card(report: Report = "P") -> Expect:
    ref = "{ref}" if report == "P" else "{sref}"
    return Expect("shows the card + audited", says=f"Case {ref}", audit=(("open", True, report),))


def outside(action: str) -> dict[Role, Expect]:
    """An officer's button pressed in a group that is not a queue: nobody acts there, officers included."""
    return each(wrong_chat(action))


@dataclass(frozen=True)
class Row:
    key: str
    section: str
    label: str
    kind: Literal["text", "press", "reply", "document", "photo", "contact"]
    where: Literal["private", "group", "card", "queue-card", "admin-card", "outside"]
    payload: str
    cells: Mapping[Role, Expect]
    given: Literal["", "phone-mine", "phone-colleague", "ask-open", "upload", "flow-session"] = ""


def each(expect: Expect) -> dict[Role, Expect]:
    return dict.fromkeys(ROLES, expect)


def admin_only(admin: Expect, refusal: Expect) -> dict[Role, Expect]:
    return {**each(refusal), Role.ADMIN: admin}


def queue_groups(acts: Expect, outside: Expect = SILENT, other: Expect | None = None) -> dict[Role, Expect]:
    """A group command: ``acts`` in the queue groups (focal, other, admin), ``outside`` in the groups that are not."""
    return {
        Role.CITIZEN: outside,
        Role.FOCAL: acts,
        Role.OTHER: other or acts,
        Role.ADMIN: acts,
        Role.STRANGER: outside,
    }


def officers(action: str, acts: dict[str, Expect], report: Report = "P") -> dict[Role, Expect]:
    """An officer's button: members of the case's queue and admins act (``acts`` by officer name); others are
    refused and audited."""
    return {
        Role.CITIZEN: refused_press(action, report),
        Role.FOCAL: acts["Ayesha"],
        Role.OTHER: wrong_chat(action, report),  # forged on a card in its own (Sindh) group
        Role.ADMIN: acts["Admin"],
        Role.STRANGER: refused_press(action, report),
    }


def by_name(**kwargs: Any) -> dict[str, Expect]:
    """Expect(**kwargs) for Ayesha and for the admin, ``{name}`` in ``says`` filled with each."""
    template = Expect(**kwargs)
    says = template.says
    return {name: replace(template, says=says and says.replace("{name}", name)) for name in ("Ayesha", "Admin")}


CITIZEN_SECTION = "Citizen commands and messages, private chat"
OFFICER_PRIVATE = "Officers' and admins' commands in a private chat"
GROUP_SECTION = "Commands and messages in a group"
REPLY_SECTION = "Replies to a case card in the queue group"
FOCAL_BUTTONS = "Officers' buttons f.<action>.<case id>"
ADMIN_BUTTONS = "Admins' buttons a.<action>.<id>"
CITIZEN_BUTTONS = "Citizen's buttons"
FORGED_FOCAL = "Forged officer button data"
FORGED_ADMIN = "Forged admin button data"

SINGLE = "99999999999999999999999999999999999999999999999999999999"  # 56 digits: 64 bytes with "f.claim."

ROWS: tuple[Row, ...] = (
    # ---- citizen commands, private -------------------------------------------------------------------
    Row("start", CITIZEN_SECTION, "/start", "text", "private", "/start", each(STARTS_REPORT)),
    Row(
        "help",
        CITIZEN_SECTION,
        "/help",
        "text",
        "private",
        "/help",
        {**each(CITIZEN_HELP), Role.ADMIN: Expect("citizen + admin help", says=head(at.ADMIN_HELP))},
    ),
    Row(
        "privacy",
        CITIZEN_SECTION,
        "/privacy",
        "text",
        "private",
        "/privacy",
        each(Expect("privacy notice", says="What we keep:")),
    ),
    Row(
        "language",
        CITIZEN_SECTION,
        "/language",
        "text",
        "private",
        "/language",
        each(Expect("language menu", says="اپنی زبان چنیں")),
    ),
    Row(
        "status",
        CITIZEN_SECTION,
        "/status",
        "text",
        "private",
        "/status",
        {
            **each(Expect("no reports", says=head(texts.STATUS_NONE))),
            Role.CITIZEN: Expect("own reports", says=f"{CITIZEN_REF}: received, waiting for an officer"),
        },
    ),
    Row(
        "status-pin",
        CITIZEN_SECTION,
        "/status REF PIN (right PIN: the PIN is the credential)",
        "text",
        "private",
        f"/status {CITIZEN_REF} {CITIZEN_PIN}",
        each(Expect("status of that report", says=f"{CITIZEN_REF}: received, waiting for an officer")),
    ),
    Row(
        "status-badpin",
        CITIZEN_SECTION,
        "/status REF PIN (wrong PIN)",
        "text",
        "private",
        # Each cell guesses at its own case: five wrong PINs for one reference would pause its check.
        "/status {ref} 135790",
        each(Expect("not found + audited", says=en(texts.STATUS_NOT_FOUND), audit=(("status_pin_wrong", False, "P"),))),
    ),
    Row(
        "forget",
        CITIZEN_SECTION,
        "/forget",
        "text",
        "private",
        "/forget",
        each(Expect("asks to confirm", says=head(texts.FORGET_ASK))),
    ),
    Row("back", CITIZEN_SECTION, "/back", "text", "private", "/back", each(CITIZEN_FLOW)),
    Row("skip", CITIZEN_SECTION, "/skip", "text", "private", "/skip", each(CITIZEN_FLOW)),
    Row("cancel", CITIZEN_SECTION, "/cancel", "text", "private", "/cancel", each(CITIZEN_FLOW)),
    Row("text", CITIZEN_SECTION, "plain text", "text", "private", "hello", each(CITIZEN_FLOW)),
    Row("photo", CITIZEN_SECTION, "a photo", "photo", "private", "", each(CITIZEN_FLOW)),
    Row("contact", CITIZEN_SECTION, "a shared contact", "contact", "private", "", each(CITIZEN_FLOW)),
    Row(
        "exit",
        CITIZEN_SECTION,
        "/exit",
        "text",
        "private",
        "/exit",
        each(Expect("chat cleared", says=en(texts.EXIT_DONE), may=tables("sessions"))),
    ),
    # ---- officers' and admins' commands, private ---------------------------------------------------------
    Row(
        "queue-private",
        OFFICER_PRIVATE,
        "/queue",
        "text",
        "private",
        "/queue",
        admin_only(Expect("open cases of all queues", says="Open cases in "), CITIZEN_HELP),
    ),
    Row(
        "case-private",
        OFFICER_PRIVATE,
        "/case REF",
        "text",
        "private",
        "/case {ref}",
        admin_only(shows_card(), CITIZEN_HELP),
    ),
    Row(
        "bindqueue-private",
        OFFICER_PRIVATE,
        "/bindqueue punjab",
        "text",
        "private",
        "/bindqueue punjab",
        admin_only(
            Expect("told to use the group", says=en(ft.BIND_IN_GROUP)), refused("bind_queue", en(ft.BIND_ADMINS_ONLY))
        ),
    ),
    Row(
        "focal-private",
        OFFICER_PRIVATE,
        "/focal",
        "text",
        "private",
        "/focal",
        admin_only(Expect("lists officers", says=head(ft.FOCAL_USAGE)), refused("focal", en(ft.BIND_ADMINS_ONLY))),
    ),
    Row(
        "focal-add-private",
        OFFICER_PRIVATE,
        "/focal add punjab ID",
        "text",
        "private",
        "/focal add punjab {uid}",
        admin_only(
            Expect(
                "registers the officer",
                says=en(ft.FOCAL_DONE),
                audit=(("add_officer", True, "-"),),
                changes=tables("officers"),
            ),
            refused("focal", en(ft.BIND_ADMINS_ONLY)),
        ),
    ),
    Row(
        "flows-private",
        OFFICER_PRIVATE,
        "/flows",
        "text",
        "private",
        "/flows",
        admin_only(
            Expect("lists revisions", says="Revisions of the flow 'report'"), refused("flows", en(at.ADMINS_ONLY))
        ),
    ),
    Row(
        "admins-private",
        OFFICER_PRIVATE,
        "/admins",
        "text",
        "private",
        "/admins",
        admin_only(Expect("lists admins", says="Admins: "), refused("admins", en(at.ADMINS_ONLY))),
    ),
    Row(
        "admins-add-private",
        OFFICER_PRIVATE,
        "/admins add ID",
        "text",
        "private",
        "/admins add {uid}",
        admin_only(
            Expect(
                "adds the admin",
                says="{uid} is now an admin.",
                audit=(("add_admin", True, "-"),),
                changes=tables("admins"),
            ),
            refused("admins", en(at.ADMINS_ONLY)),
        ),
    ),
    Row(
        "stats-private",
        OFFICER_PRIVATE,
        "/stats",
        "text",
        "private",
        "/stats",
        admin_only(Expect("figures", says="Cases: "), refused("stats", en(at.ADMINS_ONLY))),
    ),
    Row(
        "block-private",
        OFFICER_PRIVATE,
        "/block ID",
        "text",
        "private",
        "/block {uid}",
        admin_only(
            Expect(
                "blocks the sender",
                says="The sender of {uid} is blocked",
                audit=(("block", True, "-"),),
                changes=tables("senders"),
            ),
            refused("block", en(at.ADMINS_ONLY)),
        ),
    ),
    Row(
        "unblock-private",
        OFFICER_PRIVATE,
        "/unblock ID",
        "text",
        "private",
        f"/unblock {BLOCKED_ID}",
        admin_only(
            Expect(
                "unblocks the sender",
                says=f"The sender of {BLOCKED_ID} is no longer blocked",
                audit=(("unblock", True, "-"),),
                changes=tables("senders"),
            ),
            refused("unblock", en(at.ADMINS_ONLY)),
        ),
    ),
    Row(
        "upload-private",
        OFFICER_PRIVATE,
        "a flow file (.yaml)",
        "document",
        "private",
        "report.yaml",
        admin_only(
            Expect("verdict on the file", says=head(at.UPLOAD_NOT_LOADED), fetches_file=True),
            refused("upload_flow", en(at.ADMINS_ONLY)),
        ),
    ),
    # ---- commands in a group -------------------------------------------------------------------------------
    Row("start-group", GROUP_SECTION, "/start", "text", "group", "/start", queue_groups(OFFICER_HELP)),
    Row("help-group", GROUP_SECTION, "/help", "text", "group", "/help", queue_groups(OFFICER_HELP)),
    Row("status-group", GROUP_SECTION, "/status", "text", "group", "/status", each(SILENT)),
    Row("exit-group", GROUP_SECTION, "/exit", "text", "group", "/exit", each(SILENT)),
    Row("forget-group", GROUP_SECTION, "/forget", "text", "group", "/forget", each(SILENT)),
    Row("language-group", GROUP_SECTION, "/language", "text", "group", "/language", each(SILENT)),
    Row("privacy-group", GROUP_SECTION, "/privacy", "text", "group", "/privacy", each(SILENT)),
    Row("cancel-group", GROUP_SECTION, "/cancel", "text", "group", "/cancel", each(SILENT)),
    Row("text-group", GROUP_SECTION, "plain text (not a reply)", "text", "group", "hello", each(SILENT)),
    Row("photo-group", GROUP_SECTION, "a photo", "photo", "group", "", each(SILENT)),
    Row(
        "queue-group",
        GROUP_SECTION,
        "/queue",
        "text",
        "group",
        "/queue",
        queue_groups(
            Expect("this queue's open cases", says="Open cases in Punjab: ", not_says="Sindh"),
            other=Expect("own queue's open cases", says="Open cases in Sindh: ", not_says="Punjab"),
        ),
    ),
    Row(
        "case-group",
        GROUP_SECTION,
        "/case REF (a Punjab case)",
        "text",
        "group",
        "/case {ref}",
        queue_groups(shows_card(), other=not_found("P")),
    ),
    Row(
        "case-other-group",
        GROUP_SECTION,
        "/case REF (a Sindh case)",
        "text",
        "group",
        "/case {sref}",
        # In the Punjab group nobody gets the Sindh card, an admin included: every member would see it.
        {**queue_groups(shows_card("S")), Role.FOCAL: not_found("S"), Role.ADMIN: not_found("S")},
    ),
    Row(
        "case-none-group",
        GROUP_SECTION,
        "/case REF (no such case)",
        "text",
        "group",
        "/case ZZZZ-ZZZZ",
        queue_groups(not_found("-")),
    ),
    Row(
        "bindqueue-group",
        GROUP_SECTION,
        "/bindqueue punjab",
        "text",
        "group",
        "/bindqueue punjab",
        {
            **each(refused("bind_queue", en(ft.BIND_ADMINS_ONLY))),
            # A group that is not a queue hears nothing, not even a refusal; the attempt is audited.
            Role.CITIZEN: Expect("silent + audited", audit=(("bind_queue", False, "-"),)),
            Role.STRANGER: Expect("silent + audited", audit=(("bind_queue", False, "-"),)),
            Role.ADMIN: Expect(
                "binds the group",
                says="This group now receives the Punjab queue.",
                audit=(("bind_queue", True, "-"),),
                changes=tables("queues"),
            ),
        },
    ),
    Row("focal-group", GROUP_SECTION, "/focal add punjab ID", "text", "group", "/focal add punjab {uid}", each(SILENT)),
    Row("flows-group", GROUP_SECTION, "/flows", "text", "group", "/flows", each(SILENT)),
    Row("admins-group", GROUP_SECTION, "/admins add ID", "text", "group", "/admins add {uid}", each(SILENT)),
    Row("stats-group", GROUP_SECTION, "/stats", "text", "group", "/stats", each(SILENT)),
    Row("block-group", GROUP_SECTION, "/block ID", "text", "group", "/block {uid}", each(SILENT)),
    Row("upload-group", GROUP_SECTION, "a flow file (.yaml)", "document", "group", "report.yaml", each(SILENT)),
    # ---- replies in the queue group ------------------------------------------------------------------------
    Row(
        "reply-ask",
        REPLY_SECTION,
        "reply after pressing Ask (citizen: a reply in private)",
        "reply",
        "queue-card",
        "Do you still have the first message?",
        {
            Role.CITIZEN: CITIZEN_FLOW,
            Role.FOCAL: Expect(
                "relays the question",
                says="Question sent to the citizen ({ref}).",
                audit=(("ask", True, "P"),),
                changes=tables("questions", "reports", "asks"),
                elsewhere=True,
            ),
            Role.OTHER: Expect("refused + audited", audit=(("ask", False, "P"),)),
            Role.ADMIN: Expect(
                "relays the question",
                says="Question sent to the citizen ({ref}).",
                audit=(("ask", True, "P"),),
                changes=tables("questions", "reports", "asks"),
                elsewhere=True,
            ),
            Role.STRANGER: Expect("refused + audited", audit=(("ask", False, "P"),)),
        },
        given="ask-open",
    ),
    Row(
        "reply-noask",
        REPLY_SECTION,
        "reply without pressing Ask (citizen: a reply in private)",
        "reply",
        "queue-card",
        "Do you still have the first message?",
        {
            Role.CITIZEN: CITIZEN_FLOW,
            Role.FOCAL: Expect("press Ask first", says=head(ft.ASK_FIRST)),
            Role.OTHER: Expect("refused + audited", audit=(("ask", False, "P"),)),
            Role.ADMIN: Expect("press Ask first", says=head(ft.ASK_FIRST)),
            Role.STRANGER: Expect("refused + audited", audit=(("ask", False, "P"),)),
        },
    ),
    # ---- officers' buttons ---------------------------------------------------------------------------------
    Row(
        "f-claim",
        FOCAL_BUTTONS,
        "f.claim",
        "press",
        "card",
        "f.claim.{case}",
        officers(
            "claim",
            by_name(
                label="acts",
                alert=en(ft.CLAIMED_OK),
                says="claimed by {name}",
                audit=(("claim", True, "P"),),
                changes=tables("reports"),
                elsewhere=True,
            ),
        ),
    ),
    Row(
        "f-ask",
        FOCAL_BUTTONS,
        "f.ask",
        "press",
        "card",
        "f.ask.{case}",
        officers(
            "ask",
            by_name(
                label="acts",
                alert="",
                says="{ref}: reply to this message",
                audit=(("ask_opened", True, "P"),),
                changes=tables("asks"),
                elsewhere=True,
            ),
        ),
    ),
    Row(
        "f-resolve",
        FOCAL_BUTTONS,
        "f.resolve (menu)",
        "press",
        "card",
        "f.resolve.{case}",
        officers(
            "resolve", by_name(label="acts", alert=en(ft.CHOOSE_OUTCOME, reference="{ref}"), says="", elsewhere=True)
        ),
    ),
    Row(
        "f-out",
        FOCAL_BUTTONS,
        "f.out.<id>.advice",
        "press",
        "card",
        "f.out.{case}.advice",
        officers(
            "out",
            by_name(
                label="acts",
                alert=en(ft.RESOLVED_OK),
                says="resolved by {name}: advice given",
                audit=(("resolve", True, "P"),),
                changes=tables("reports"),
                elsewhere=True,
            ),
        ),
    ),
    Row(
        "f-out-bogus",
        FOCAL_BUTTONS,
        "f.out.<id>.<no such outcome>",
        "press",
        "card",
        "f.out.{case}.bogus",
        officers(
            "out",
            by_name(
                label="refused + audited (no such outcome)",
                alert=en(ft.MOVED_ON),
                audit=(("resolve", False, "P"),),
            ),
        ),
    ),
    Row(
        "f-transfer",
        FOCAL_BUTTONS,
        "f.transfer (menu)",
        "press",
        "card",
        "f.transfer.{case}",
        officers(
            "transfer", by_name(label="acts", alert=en(ft.CHOOSE_QUEUE, reference="{ref}"), says="", elsewhere=True)
        ),
    ),
    Row(
        "f-to",
        FOCAL_BUTTONS,
        "f.to.<id>.sindh",
        "press",
        "card",
        "f.to.{case}.sindh",
        officers(
            "to",
            by_name(
                label="acts",
                alert=en(ft.TRANSFERRED_OK, queue="Sindh"),
                says="transferred to Sindh by {name}",
                audit=(("transfer", True, "P"),),
                changes=tables("reports"),
                elsewhere=True,
            ),
        ),
    ),
    Row(
        "f-to-bogus",
        FOCAL_BUTTONS,
        "f.to.<id>.<no such queue>",
        "press",
        "card",
        "f.to.{case}.nowhere",
        officers(
            "to",
            by_name(
                label="refused + audited (no such queue)",
                alert=en(ft.MOVED_ON),
                audit=(("transfer", False, "P"),),
            ),
        ),
    ),
    Row(
        "f-spam",
        FOCAL_BUTTONS,
        "f.spam (confirm)",
        "press",
        "card",
        "f.spam.{case}",
        officers("spam", by_name(label="acts", alert=en(ft.CONFIRM_SPAM, reference="{ref}"), says="", elsewhere=True)),
    ),
    Row(
        "f-spamok",
        FOCAL_BUTTONS,
        "f.spamok",
        "press",
        "card",
        "f.spamok.{case}",
        officers(
            "spamok",
            by_name(
                label="acts",
                alert=en(ft.SPAM_OK),
                says="marked as spam by {name}",
                audit=(("spam", True, "P"),),
                changes=tables("reports", "senders"),
                elsewhere=True,
            ),
        ),
    ),
    Row(
        "f-back",
        FOCAL_BUTTONS,
        "f.back",
        "press",
        "card",
        "f.back.{case}",
        officers("back", by_name(label="acts", alert=en(ft.CANCELLED), says="Case {ref}", elsewhere=True)),
    ),
    Row(
        "f-full",
        FOCAL_BUTTONS,
        "f.full",
        "press",
        "card",
        "f.full.{case}",
        officers(
            "full",
            by_name(
                label="acts",
                alert="",
                says="Full account of {ref}:",
                audit=(("view_full", True, "P"),),
                elsewhere=True,
            ),
        ),
    ),
    Row(
        "f-number",
        FOCAL_BUTTONS,
        "f.number (claimed by Ayesha)",
        "press",
        "card",
        "f.number.{case}",
        officers(
            "number",
            by_name(
                label="acts",
                alert=en(ft.NUMBER_ALERT, reference="{ref}", phone=PHONE),
                audit=(("view_phone", True, "P"),),
            ),
        ),
        given="phone-mine",
    ),
    Row(
        "f-number-colleague",
        FOCAL_BUTTONS,
        "f.number (claimed by a colleague)",
        "press",
        "card",
        "f.number.{case}",
        {
            **officers(
                "number",
                by_name(
                    label="acts",
                    alert=en(ft.NUMBER_ALERT, reference="{ref}", phone=PHONE),
                    audit=(("view_phone", True, "P"),),
                ),
            ),
            Role.FOCAL: Expect(
                "refused + audited (not the claimer)",
                alert=en(ft.NUMBER_CLAIM_FIRST),
                audit=(("view_phone", False, "P"),),
            ),
        },
        given="phone-colleague",
    ),
    Row(
        "f-open",
        FOCAL_BUTTONS,
        "f.open",
        "press",
        "card",
        "f.open.{case}",
        officers(
            "open",
            by_name(label="acts", alert="", says="Case {ref}", audit=(("open", True, "P"),), elsewhere=True),
        ),
    ),
    Row(
        "f-unknown-action",
        FOCAL_BUTTONS,
        "f.<no such action>",
        "press",
        "card",
        "f.delete.{case}",
        officers(
            "delete",
            by_name(
                label="refused + audited (no such action)",
                alert=en(ft.MOVED_ON),
                audit=(("delete", False, "P"),),
            ),
        ),
    ),
    # ---- admins' buttons (the admin's are in the private chat; the others forge them where they are) ----
    Row(
        "a-pub",
        ADMIN_BUTTONS,
        "a.pub.<upload>",
        "press",
        "admin-card",
        "a.pub.{cand}",
        admin_only(
            Expect(
                "publishes",
                alert="",
                says="Published as revision ",
                audit=(("publish_flow", True, "-"),),
                changes=tables("uploads", "flows"),
            ),
            ADMIN_PRESS_REFUSED,
        ),
        given="upload",
    ),
    Row(
        "a-force",
        ADMIN_BUTTONS,
        "a.force.<upload>",
        "press",
        "admin-card",
        "a.force.{cand}",
        admin_only(
            Expect(
                "publishes",
                alert="",
                says="Published as revision ",
                audit=(("publish_flow", True, "-"),),
                changes=tables("uploads", "flows"),
            ),
            ADMIN_PRESS_REFUSED,
        ),
        given="upload",
    ),
    Row(
        "a-drop",
        ADMIN_BUTTONS,
        "a.drop.<upload>",
        "press",
        "admin-card",
        "a.drop.{cand}",
        admin_only(
            Expect(
                "discards",
                alert="",
                says=en(at.DISCARDED),
                audit=(("discard_flow", True, "-"),),
                changes=tables("uploads"),
            ),
            ADMIN_PRESS_REFUSED,
        ),
        given="upload",
    ),
    Row(
        "a-roll",
        ADMIN_BUTTONS,
        "a.roll.1",
        "press",
        "admin-card",
        "a.roll.1",
        admin_only(
            Expect(
                "makes revision 1 live",
                alert="",
                says="Revision 1 is live again.",
                audit=(("rollback_flow", True, "-"),),
                changes=tables("flows"),
            ),
            ADMIN_PRESS_REFUSED,
        ),
    ),
    # ---- the citizen's buttons -----------------------------------------------------------------------------
    Row(
        "flow-button",
        CITIZEN_BUTTONS,
        "the citizen's flow button (live data)",
        "press",
        "card",
        "{flow}",
        {
            **each(NEUTRAL),
            Role.CITIZEN: Expect("answers the question", alert="", says="", changes=tables("sessions")),
        },
        given="flow-session",
    ),
    Row(
        "lang",
        CITIZEN_BUTTONS,
        "lang.en",
        "press",
        "card",
        "lang.en",
        {
            **each(NEUTRAL),
            Role.CITIZEN: Expect("switches language", alert="", says=en(texts.LANGUAGE_SET), may=tables("sessions")),
        },
    ),
    Row(
        "forget-no",
        CITIZEN_BUTTONS,
        "forget.no",
        "press",
        "card",
        "forget.no",
        {
            **each(NEUTRAL),
            Role.CITIZEN: Expect("changes nothing", alert="", says=en(texts.FORGET_KEPT)),
        },
    ),
    Row(
        "forget-yes",
        CITIZEN_BUTTONS,
        "forget.yes",
        "press",
        "card",
        "forget.yes",
        {
            **each(NEUTRAL),
            Role.CITIZEN: Expect(
                "unlinks own reports",
                alert="",
                says="Reports no longer linked to this account: 1.",
                audit=(("forget", True, "-"),),
                changes=tables("reports"),
                may=tables("sessions"),
            ),
        },
    ),
    Row(
        "unknown-prefix",
        CITIZEN_BUTTONS,
        "zz.<anything> (unknown prefix)",
        "press",
        "card",
        "zz.top.{case}",
        each(NEUTRAL),
    ),
    # ---- forged officers' data -------------------------------------------------------------------------------
    Row("f-id-letters", FORGED_FOCAL, "f.claim.abc", "press", "card", "f.claim.abc", each(NO_SUCH_CASE)),
    Row("f-id-missing", FORGED_FOCAL, "f.claim (no id)", "press", "card", "f.claim", each(NO_SUCH_CASE)),
    Row("f-id-negative", FORGED_FOCAL, "f.claim.-5", "press", "card", "f.claim.-5", each(NO_SUCH_CASE)),
    Row("f-id-none", FORGED_FOCAL, "f.claim.<no such case>", "press", "card", "f.claim.99999999", each(NO_SUCH_CASE)),
    Row(
        "f-id-other-queue",
        FORGED_FOCAL,
        "f.claim.<a Sindh case>",
        "press",
        "card",
        "f.claim.{sindh}",
        {
            Role.CITIZEN: refused_press("claim", "S"),
            Role.FOCAL: wrong_chat("claim", "S"),
            Role.OTHER: Expect(
                "acts (its own queue)",
                alert=en(ft.CLAIMED_OK),
                says="claimed by Bilal",
                audit=(("claim", True, "S"),),
                changes=tables("reports"),
                elsewhere=True,
            ),
            Role.ADMIN: wrong_chat("claim", "S"),  # from the Punjab group: it would show a Sindh case there
            Role.STRANGER: wrong_chat("claim", "S"),
        },
    ),
    Row(
        "f-id-arabic",
        FORGED_FOCAL,
        "f.claim.<id in Arabic-Indic digits>",
        "press",
        "card",
        "f.claim.{case_ar}",
        each(NO_SUCH_CASE),  # ids are ASCII digits only: int() would take these, the bot does not
    ),
    Row(
        "f-id-superscript",
        FORGED_FOCAL,
        "f.claim.² (digit int() rejects)",
        "press",
        "card",
        "f.claim.²",
        each(NO_SUCH_CASE),
    ),
    Row(
        "f-id-overflow",
        FORGED_FOCAL,
        "f.claim.<56 digits> (64 bytes)",
        "press",
        "card",
        "f.claim." + SINGLE,
        each(NO_SUCH_CASE),
    ),
    Row(
        "f-full-outside",
        FORGED_FOCAL,
        "f.full in a group that is not a queue",
        "press",
        "outside",
        "f.full.{case}",
        outside("full"),
    ),
    Row(
        "f-open-outside",
        FORGED_FOCAL,
        "f.open in a group that is not a queue",
        "press",
        "outside",
        "f.open.{case}",
        outside("open"),
    ),
    Row(
        "f-ask-outside",
        FORGED_FOCAL,
        "f.ask in a group that is not a queue",
        "press",
        "outside",
        "f.ask.{case}",
        outside("ask"),
    ),
    Row("f-overlong", FORGED_FOCAL, "f.<300 bytes>", "press", "card", "f." + "A" * 300, each(NO_SUCH_CASE)),
    # ---- forged admins' data ---------------------------------------------------------------------------------
    Row(
        "a-id-letters",
        FORGED_ADMIN,
        "a.pub.abc",
        "press",
        "admin-card",
        "a.pub.abc",
        admin_only(ADMIN_NEUTRAL, ADMIN_PRESS_REFUSED),
    ),
    Row(
        "a-id-none",
        FORGED_ADMIN,
        "a.pub.<no such upload>",
        "press",
        "admin-card",
        "a.pub.99999999",
        admin_only(Expect("told: already settled", alert="", says=en(at.ALREADY_SETTLED)), ADMIN_PRESS_REFUSED),
    ),
    Row(
        "a-unknown-action",
        FORGED_ADMIN,
        "a.<no such action>.<upload>",
        "press",
        "admin-card",
        "a.zap.{cand}",
        admin_only(ADMIN_NEUTRAL, ADMIN_PRESS_REFUSED),
        given="upload",
    ),
    Row(
        "a-id-overflow",
        FORGED_ADMIN,
        "a.roll.<56 digits>",
        "press",
        "admin-card",
        "a.roll." + SINGLE,
        admin_only(ADMIN_NEUTRAL, ADMIN_PRESS_REFUSED),
    ),
)


@dataclass(frozen=True)
class Cell:
    row: Row
    role: Role
    index: int  # which seeded pair of cases is this cell's

    @property
    def id(self) -> str:
        return f"{self.row.key}-{self.role.value}"

    @property
    def expect(self) -> Expect:
        return self.row.cells[self.role]


CELLS: tuple[Cell, ...] = tuple(
    Cell(row, role, n) for n, (row, role) in enumerate((row, role) for row in ROWS for role in ROLES)
)


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
        pin_hash=kw.get("pin_hash", "-"),
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
        await _add_case(store, live.id, CITIZEN_REF, "punjab", f"tg:{CITIZEN_ID}", pin_hash=hash_pin(CITIZEN_PIN))
        uploads = AdminBook(store, frozenset({ADMIN_ID}))
        pairs: list[Pair] = []
        now = time.time()
        for cell in CELLS:
            given, n = cell.row.given, cell.index
            phone = given.startswith("phone")
            case = await _add_case(store, live.id, f"PNJB-{code(n)}", "punjab", f"tg:{REPORTER_ID}", phone=phone)
            sindh = await _add_case(store, live.id, f"SNDH-{code(n)}", "sindh", f"tg:{REPORTER_ID}")
            async with store.transaction() as conn:
                if phone:
                    officer = FOCAL_ID if given == "phone-mine" else COLLEAGUE_ID
                    name = "Ayesha" if given == "phone-mine" else "Kamran"
                    await conn.execute(
                        "UPDATE reports SET status = 'claimed', claimed_by = ?, claimed_name = ?, claimed_at = ? "
                        "WHERE id = ?",
                        (officer, name, "2026-01-01T00:00:00+00:00", case),
                    )
                if given == "ask-open":
                    await conn.execute(
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
        async with store.transaction() as conn:
            await conn.execute("DELETE FROM outbox")  # the cards are planted; nothing is waiting to go out
            await conn.execute(
                "INSERT INTO senders (chat_key, blocked, blocked_by, blocked_at, why) VALUES (?, 1, ?, ?, 'seed')",
                (f"tg:{BLOCKED_ID}", ADMIN_ID, "2026-01-01T00:00:00+00:00"),
            )
    finally:
        await store.close()
    # Every role's private chat holds an earlier message of the bot, on which forged buttons are pressed; so does
    # each group that is not a queue (the bot's answer to someone's /bindqueue there).
    planted: dict[int, int] = {}
    for group in (FAMILY, STREET):
        planted[group] = api.add_message(group, from_bot=True, text=en(ft.BIND_ADMINS_ONLY)).message_id
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
            async with self.focal.store.transaction() as conn:
                await conn.execute(
                    "UPDATE reports SET chat_key = ? WHERE reference = ?", (f"tg:{CITIZEN_ID}", CITIZEN_REF)
                )

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
            # The same pacing, lifted: PTB's per-group rate limiter and the adapter's own send windows.
            limiter = app.bot.rate_limiter
            assert isinstance(limiter, ChatRateLimiter)
            limiter.group_max_rate = 0
            focal: FocalBot = app.bot_data["focal"]
            focal.limits.group = Limit(1_000_000, 60.0)
            focal.limits.private = Limit(1_000_000, 1.0)
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
