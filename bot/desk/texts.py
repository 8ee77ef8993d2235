"""Wording of the officers' desk (the web pages), in the catalogues beside the bot's own texts.

Field labels, statuses and outcomes are the case card's (``telegram/focal/texts.py``): an officer
reads the same words on the card in the group and on the desk.
"""

from __future__ import annotations

from bot.engine.outcome import N_
from bot.i18n import NP_

# ---- sign-in ------------------------------------------------------------------------------------
DESK = N_("Officers' desk")
SIGN_IN_TITLE = N_("Sign in to the officers' desk")
SIGN_IN_BUTTON = N_("Sign in")
SIGN_IN_EXPLAIN = N_("This link signs you in once, on this device. Do not share it.")
LINK_SPENT = N_("This sign-in link was already used or has expired. Send /desk to the bot for a new one.")
SIGNED_OUT = N_("You have signed out. Send /desk to the bot to sign in again.")
NO_SESSION = N_("Please sign in: send /desk to the bot in a private chat and open the link it sends you.")
SIGN_OUT = N_("Sign out")
NOT_ALLOWED = N_("You cannot see this page: it belongs to a queue you are not an officer of.")
NOT_AN_OFFICER = N_("You are not an officer of any queue now. Ask an admin if this is wrong.")
NOT_FOUND = N_("There is no such page or case.")
BAD_FORM = N_("This form has expired. Go back, reload the page and try again.")
SIGNED_IN_AS = N_("Signed in as {name}")

# ---- the /desk command in Telegram --------------------------------------------------------------
DESK_LINK = N_(
    "Your sign-in link for the officers' desk (it works once, within {minutes} minutes; do not forward it):\n{link}"
)
DESK_ONLY_OFFICERS = N_("The desk is for officers and admins. To report something, send /start.")
DESK_OFF = N_("The officers' desk is not switched on for this bot.")
DESK_HELP = N_(
    "/desk (in a private chat with the bot) a sign-in link to the officers' desk, to work cases in a browser"
)

# ---- the case list ------------------------------------------------------------------------------
CASES = N_("Cases")
CASES_FOUND = NP_("{count} case", "{count} cases")
NO_CASES = N_("No cases match.")
FILTER = N_("Show")
SEARCH_REFERENCE = N_("Reference")
SEARCH = N_("Search")
CLEAR = N_("Clear")
F_OPEN = N_("Open")
F_NEW = N_("New, not claimed")
F_WAITING = N_("Waiting for the citizen")
F_CLOSED = N_("Closed")
F_ALL = N_("All")
F_CHILD = N_("Children only")
F_DANGER = N_("Priority only")
F_OVERDUE = N_("Overdue only")
F_MINE = N_("Claimed by me")
COL_REFERENCE = N_("Reference")
COL_QUEUE = N_("Queue")
COL_RECEIVED = N_("Received")
COL_STATUS = N_("Status")
COL_CATEGORY = N_("Category")
OVERDUE = N_("overdue")
PREVIOUS = N_("Previous")
NEXT = N_("Next")
PAGE = N_("Page {page}")

# ---- the case page ------------------------------------------------------------------------------
BACK_TO_LIST = N_("All cases")
ACTIONS = N_("Actions")
ASK_LABEL = N_("Question for the citizen (sent in the bot's name, with the reference)")
SEND_QUESTION = N_("Send question")
OUTCOME = N_("Outcome")
TRANSFER_TO = N_("Transfer to")
CONFIRM_SPAM = N_("Yes, this report is spam (the citizen is not told)")
ADDITIONS_TITLE = N_("Added by the citizen after sending")
THREAD = N_("Questions and answers")
NO_THREAD = N_("No questions have been asked yet.")
ASKED = N_("Asked by {name}, {time}")
ANSWERED = N_("Answered {time}")
NOT_ANSWERED = N_("Not answered yet.")
TIMELINE = N_("Timeline")
REFUSED = N_("refused")
PHONE = N_("Phone number")
PHONE_HIDDEN = N_("Shown only to the officer who claimed the case.")
EVIDENCE_NONE = N_("No links were given.")
# The custody log of the files the citizen sent (EvidenceFiles.files); the files themselves come from the bot.
FILES_TITLE = N_("Files the citizen sent")
FILES_HOW = N_(
    "The officer who claimed the case gets each file privately from the bot: send /files {reference} to the "
    "bot. Each comes with its SHA-256, which must match the one here."
)
FILE_NUMBER = N_("No.")
FILE_TYPE = N_("Type")
FILE_SIZE = N_("Size")
FILE_STATE = N_("Kept")
FILE_KEPT_AT = N_("kept {time}")
FILE_NOT_KEPT = N_("not kept: {note}")
FILE_FETCHING = N_("being fetched")
# Connected cases: other reports naming the same handle, profile link or phone number.
CONNECTED_TITLE = N_("Other reports naming this account")
CONNECTED_HIDDEN = NP_(
    "{count} more report in a queue you do not handle",
    "{count} more reports in queues you do not handle",
)
QUESTION_EMPTY = N_("Write the question first.")

# What happened, after an action (the page is shown again with one of these at the top).
DONE_CLAIM = N_("You have claimed this case.")
DONE_ASK = N_("Your question was sent to the citizen.")
DONE_RESOLVE = N_("The case is resolved; the citizen has been told.")
DONE_TRANSFER = N_("The case was transferred.")
DONE_SPAM = N_("The case was marked as spam.")
NOT_DONE = N_("Nothing changed: the case had moved on. It is shown as it is now.")

# Timeline entries, by the audit's action names.
ACTION_NAMES = {
    "claim": N_("claimed"),
    "resolve": N_("resolved"),
    "transfer": N_("transferred"),
    "spam": N_("marked as spam"),
    "ask": N_("asked the citizen a question"),
    "ask_opened": N_("opened a question"),
    "answer": N_("the citizen answered"),
    "open": N_("opened the card"),
    "view_full": N_("read the full account"),
    "view_phone": N_("saw the phone number"),
    "desk_view": N_("opened the case on the desk"),
    "reminder_1": N_("reminder: still not claimed"),
    "reminder_2": N_("raised to admins: still not claimed"),
    "file_kept": N_("a file was fetched once and kept"),
    "file_failed": N_("a file could not be kept"),
    "file_view": N_("was sent the case's files"),
}

# ---- the SLA board, stats and export --------------------------------------------------------------
NAV_CASES = N_("Cases")
NAV_BOARD = N_("SLA board")
NAV_STATS = N_("Stats")
NAV_EXPORT = N_("Export")
BOARD = N_("Service levels by queue")
BOARD_EXPLAIN = N_(
    "A new case is overdue when nobody has claimed it within {minutes} minutes ({child_minutes} for a child "
    "or a harm still going on)."
)
B_UNCLAIMED = N_("New, not claimed")
B_OVERDUE = N_("Overdue")
B_PRIORITY_OVERDUE = N_("Priority overdue")
B_WAITING = N_("Waiting for the citizen")
B_CLAIMED = N_("Being worked on")
B_OLDEST = N_("Oldest unclaimed")
NOTHING_WAITING = N_("nothing waiting")
STATS = N_("Stats")
STATS_SUMMARY = NP_(
    "{count} case in all; {open} open; {stale} open for more than 2 days.",
    "{count} cases in all; {open} open; {stale} open for more than 2 days.",
)
STATS_CLAIM = N_("Median time to claim (last 30 days): {all}; priority cases: {priority}.")
STATS_WEEK = N_("Received each day, last 7 days")
EXPORT = N_("Export cases as CSV")
EXPORT_EXPLAIN = N_(
    "A spreadsheet of the cases received between two dates, without personal data. Each export is recorded "
    "in the audit."
)
EXPORT_PERSONAL = N_("Include the account, links, suspects and phone number (admins only; handle with care)")
EXPORT_SINCE = N_("From (YYYY-MM-DD)")
EXPORT_UNTIL = N_("Until, not included (YYYY-MM-DD, may be empty)")
EXPORT_BUTTON = N_("Download CSV")
EXPORT_BAD_DATE = N_("Write the dates like 2026-11-01.")
BY_PROVINCE_CHART = N_("Cases by province")
BY_CATEGORY_CHART = N_("Cases by category")
BY_STATUS_CHART = N_("Cases by status")
FEEDBACK_CHART = N_("Did it help? (citizens' answers after their case was closed)")
FEEDBACK_YES = N_("Yes, it helped")
FEEDBACK_LITTLE = N_("A little")
FEEDBACK_NO = N_("No")
S_RESOLVED = N_("Resolved")
S_SPAM = N_("Spam")
