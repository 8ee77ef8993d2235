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

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Literal

from bot.desk import texts as desk_texts
from bot.i18n import t
from bot.telegram.admin import texts as admin_texts
from bot.telegram.citizen import texts as citizen_texts
from bot.telegram.focal import texts as focal_texts

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
CITIZEN_HELP = Expect("citizen help", says=head(citizen_texts.HELP))
OFFICER_HELP = Expect("officer help", says=head(focal_texts.OFFICER_HELP))
NEUTRAL = Expect("neutral answer", alert=en(citizen_texts.MOVED_ON))
NO_SUCH_CASE = Expect(
    "refused + audited (no such case)", alert=en(focal_texts.MOVED_ON), audit=(("press", False, "-"),)
)
ADMIN_PRESS_REFUSED = Expect(
    "refused + audited", alert=en(admin_texts.ADMINS_ONLY), audit=(("flow_press", False, "-"),)
)
ADMIN_NEUTRAL = Expect("neutral answer (already settled)", alert=en(admin_texts.ALREADY_SETTLED))
STARTS_REPORT = Expect("starts a report", says="Please choose a language.", may=tables("sessions"))
CITIZEN_FLOW = Expect("citizen flow", says="", may=tables("sessions"))


def refused(action: str, says: str) -> Expect:
    return Expect("refused + audited", says=says, audit=((action, False, "-"),))


def refused_press(action: str, report: Report = "P") -> Expect:
    return Expect("refused + audited", alert=en(focal_texts.NOT_MEMBER), audit=((action, False, report),))


def wrong_chat(action: str, report: Report = "P") -> Expect:
    """An officer's button pressed in a group that is not the case's queue group: refused before anything else."""
    return Expect(
        "refused + audited (not its queue's chat)", alert=en(focal_texts.MOVED_ON), audit=((action, False, report),)
    )


def not_found(report: Report) -> Expect:
    return Expect("not found + audited", says=en(focal_texts.CASE_NOT_FOUND), audit=(("case", False, report),))


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
        {**each(CITIZEN_HELP), Role.ADMIN: Expect("citizen + admin help", says=head(admin_texts.ADMIN_HELP))},
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
            **each(Expect("no reports", says=head(citizen_texts.STATUS_NONE))),
            Role.CITIZEN: Expect("own reports", says=f"{CITIZEN_REF}: received, waiting for an officer"),
        },
    ),
    # /add is a citizen's: only a chat that sent a report still open has something to add to. Officers and admins
    # in their private chats are citizens without a report there: they are told how /add works.
    Row(
        "add",
        CITIZEN_SECTION,
        "/add (asks what to add to the chat's newest open report)",
        "text",
        "private",
        "/add",
        {
            **each(Expect("no open report: how /add works", says=head(citizen_texts.ADD_NONE))),
            Role.CITIZEN: Expect("asks what to add", says=en(citizen_texts.ADD_PROMPT, reference=CITIZEN_REF)),
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
        each(
            Expect(
                "not found + audited",
                says=en(citizen_texts.STATUS_NOT_FOUND),
                audit=(("status_pin_wrong", False, "P"),),
            )
        ),
    ),
    Row(
        "forget",
        CITIZEN_SECTION,
        "/forget",
        "text",
        "private",
        "/forget",
        each(Expect("asks to confirm", says=head(citizen_texts.FORGET_ASK))),
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
        each(Expect("chat cleared", says=en(citizen_texts.EXIT_DONE), may=tables("sessions"))),
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
            Expect("told to use the group", says=en(focal_texts.BIND_IN_GROUP)),
            refused("bind_queue", en(focal_texts.BIND_ADMINS_ONLY)),
        ),
    ),
    Row(
        "files-private",
        OFFICER_PRIVATE,
        "/files REF",
        "text",
        "private",
        "/files {ref}",
        {
            # Only the officer who claimed the case, or an admin; a member of its queue is told to claim it.
            **each(
                Expect("not found + audited", says=en(focal_texts.CASE_NOT_FOUND), audit=(("file_view", False, "P"),))
            ),
            Role.FOCAL: Expect(
                "told to claim it first + audited",
                says=en(focal_texts.FILES_CLAIM_FIRST),
                audit=(("file_view", False, "P"),),
            ),
            Role.ADMIN: Expect("told the case has no files", says="No files were sent with {ref}."),
        },
    ),
    Row(
        "desk-private",
        OFFICER_PRIVATE,
        "/desk",
        "text",
        "private",
        "/desk",
        {
            # This matrix's bot has no DESK_PORT: officers and admins are told so; a sign-in link is
            # issued only to them (tests/e2e/test_desk_browser.py signs in with it).
            **each(Expect("told the desk is for officers", says=en(desk_texts.DESK_ONLY_OFFICERS))),
            Role.FOCAL: Expect("told the desk is off", says=en(desk_texts.DESK_OFF)),
            Role.OTHER: Expect("told the desk is off", says=en(desk_texts.DESK_OFF)),
            Role.ADMIN: Expect("told the desk is off", says=en(desk_texts.DESK_OFF)),
        },
    ),
    Row(
        "focal-private",
        OFFICER_PRIVATE,
        "/focal",
        "text",
        "private",
        "/focal",
        admin_only(
            Expect("lists officers", says=head(focal_texts.FOCAL_USAGE)),
            refused("focal", en(focal_texts.BIND_ADMINS_ONLY)),
        ),
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
                says=en(focal_texts.FOCAL_DONE),
                audit=(("add_officer", True, "-"),),
                changes=tables("officers"),
            ),
            refused("focal", en(focal_texts.BIND_ADMINS_ONLY)),
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
            Expect("lists revisions", says="Revisions of the flow 'report'"),
            refused("flows", en(admin_texts.ADMINS_ONLY)),
        ),
    ),
    Row(
        "admins-private",
        OFFICER_PRIVATE,
        "/admins",
        "text",
        "private",
        "/admins",
        admin_only(Expect("lists admins", says="Admins: "), refused("admins", en(admin_texts.ADMINS_ONLY))),
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
            refused("admins", en(admin_texts.ADMINS_ONLY)),
        ),
    ),
    Row(
        "stats-private",
        OFFICER_PRIVATE,
        "/stats",
        "text",
        "private",
        "/stats",
        admin_only(Expect("figures", says="Cases: "), refused("stats", en(admin_texts.ADMINS_ONLY))),
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
            refused("block", en(admin_texts.ADMINS_ONLY)),
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
            refused("unblock", en(admin_texts.ADMINS_ONLY)),
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
            Expect("verdict on the file", says=head(admin_texts.UPLOAD_NOT_LOADED), fetches_file=True),
            refused("upload_flow", en(admin_texts.ADMINS_ONLY)),
        ),
    ),
    # ---- commands in a group -------------------------------------------------------------------------------
    Row("start-group", GROUP_SECTION, "/start", "text", "group", "/start", queue_groups(OFFICER_HELP)),
    Row("help-group", GROUP_SECTION, "/help", "text", "group", "/help", queue_groups(OFFICER_HELP)),
    Row("status-group", GROUP_SECTION, "/status", "text", "group", "/status", each(SILENT)),
    Row("add-group", GROUP_SECTION, "/add TEXT", "text", "group", "/add he made a new account", each(SILENT)),
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
            **each(refused("bind_queue", en(focal_texts.BIND_ADMINS_ONLY))),
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
    Row("desk-group", GROUP_SECTION, "/desk", "text", "group", "/desk", each(SILENT)),
    Row(
        "files-group",
        GROUP_SECTION,
        "/files REF",
        "text",
        "group",
        "/files {ref}",
        queue_groups(Expect("told files go privately", says=en(focal_texts.FILES_PRIVATE))),
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
            Role.FOCAL: Expect("press Ask first", says=head(focal_texts.ASK_FIRST)),
            Role.OTHER: Expect("refused + audited", audit=(("ask", False, "P"),)),
            Role.ADMIN: Expect("press Ask first", says=head(focal_texts.ASK_FIRST)),
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
                alert=en(focal_texts.CLAIMED_OK),
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
            "resolve",
            by_name(label="acts", alert=en(focal_texts.CHOOSE_OUTCOME, reference="{ref}"), says="", elsewhere=True),
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
                alert=en(focal_texts.RESOLVED_OK),
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
                alert=en(focal_texts.MOVED_ON),
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
            "transfer",
            by_name(label="acts", alert=en(focal_texts.CHOOSE_QUEUE, reference="{ref}"), says="", elsewhere=True),
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
                alert=en(focal_texts.TRANSFERRED_OK, queue="Sindh"),
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
                alert=en(focal_texts.MOVED_ON),
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
        officers(
            "spam",
            by_name(label="acts", alert=en(focal_texts.CONFIRM_SPAM, reference="{ref}"), says="", elsewhere=True),
        ),
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
                alert=en(focal_texts.SPAM_OK),
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
        officers("back", by_name(label="acts", alert=en(focal_texts.CANCELLED), says="Case {ref}", elsewhere=True)),
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
                alert=en(focal_texts.NUMBER_ALERT, reference="{ref}", phone=PHONE),
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
                    alert=en(focal_texts.NUMBER_ALERT, reference="{ref}", phone=PHONE),
                    audit=(("view_phone", True, "P"),),
                ),
            ),
            Role.FOCAL: Expect(
                "refused + audited (not the claimer)",
                alert=en(focal_texts.NUMBER_CLAIM_FIRST),
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
                alert=en(focal_texts.MOVED_ON),
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
                says=en(admin_texts.DISCARDED),
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
            Role.CITIZEN: Expect(
                "switches language", alert="", says=en(citizen_texts.LANGUAGE_SET), may=tables("sessions")
            ),
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
            Role.CITIZEN: Expect("changes nothing", alert="", says=en(citizen_texts.FORGET_KEPT)),
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
    # "Did this help?" (rate.<answer>.<case id>): counted only from the case's own chat, once it is resolved.
    # The cells' cases are open and were sent by someone else, so every press here changes nothing; the
    # accepted press, the second one and a spam-marked case are in tests/e2e/test_feedback_e2e.py.
    Row(
        "rate-other-case",
        CITIZEN_BUTTONS,
        "rate.helped.<someone else's case>",
        "press",
        "card",
        "rate.helped.{case}",
        each(NEUTRAL),
    ),
    Row(
        "rate-own-open",
        CITIZEN_BUTTONS,
        "rate.helped.<the citizen's own case, still open>",
        "press",
        "card",
        "rate.helped.1",  # the citizen's case (CITIZEN_REF) is the first one seeded
        each(NEUTRAL),
    ),
    Row(
        "rate-unknown-answer",
        CITIZEN_BUTTONS,
        "rate.<no such answer>.<case>",
        "press",
        "card",
        "rate.great.{case}",
        each(NEUTRAL),
    ),
    Row(
        "rate-id-overflow",
        CITIZEN_BUTTONS,
        "rate.helped.<56 digits>",
        "press",
        "card",
        "rate.helped." + SINGLE,
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
                alert=en(focal_texts.CLAIMED_OK),
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
        admin_only(
            Expect("told: already settled", alert="", says=en(admin_texts.ALREADY_SETTLED)), ADMIN_PRESS_REFUSED
        ),
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
