"""Wording of the focal-queue side (cards, actions, officer commands) and of the updates citizens get.

Cards use the queue's configured language; citizen updates use the citizen's.
"""

from __future__ import annotations

from bot.engine.outcome import N_
from bot.i18n import NP_

# ---- the case card -------------------------------------------------------------------------------
CASE = N_("Case {reference}")
PRIORITY_CHILD = N_("CHILD")
PRIORITY_THREAT = N_("STILL HAPPENING")
DANGER_MENTIONED = N_("Danger mentioned")
STATUS = N_("Status")
CATEGORY = N_("Category")
PLATFORMS = N_("Platforms")
PROVINCE = N_("Province")
RECEIVED = N_("Received")
STARTED = N_("Started")
REPORTED_BY = N_("Reported by")
CONTACT = N_("Contact")
LANGUAGE = N_("Language")
ACCOUNT = N_("Account")
EVIDENCE = N_("Evidence")
LINK_RECEIVED = N_("received {time}")
PRESERVE = N_("Keep the evidence before it is deleted")
SUSPECTS = N_("Suspects")
FILES_ON_CARD = N_(
    "📎 Files the citizen sent: {count}. The officer who claims the case gets them privately with /files {reference}"
)
NOT_GIVEN = N_("not given")
TRUNCATED = N_("… ({count} more characters: press “Full account”)")
MORE_LINKS = NP_("… and {count} more link (press “Full account”)", "… and {count} more links (press “Full account”)")
FULL_ACCOUNT_OF = N_("Full account of {reference}:")
# Connected cases: other reports naming the same handle, profile link or phone number (cases/matching.py).
CONNECTED = NP_(
    "{count} other report names this account: {references}",
    "{count} other reports name this account: {references}",
)
CONNECTED_ELSEWHERE = NP_(
    "{count} other report names this account (in other queues)",
    "{count} other reports name this account (in other queues)",
)
LANG_UR = N_("Urdu")
LANG_EN = N_("English")
LANGUAGE_NAMES = {"ur": LANG_UR, "en": LANG_EN}
CONTACT_BOT = N_("through this bot only (press Ask)")
CONTACT_PHONE = N_("by phone; the number is shown only to the officer who claims the case")
CONTACT_ANONYMOUS = N_("anonymous: cannot be contacted")

OFFICER_NEW = N_("new, not claimed")
OFFICER_CLAIMED = N_("claimed by {name}")
OFFICER_WAITING = N_("claimed by {name}; waiting for the citizen's answer")
OFFICER_WAITING_UNCLAIMED = N_("waiting for the citizen's answer")
OFFICER_RESOLVED = N_("resolved by {name}: {outcome}")
OFFICER_SPAM = N_("marked as spam by {name}")
OFFICER_TRANSFERRED = N_("transferred to {queue} by {name}")
# A closed or transferred case's card keeps only this below its status (focal/stubs.py).
STUB_MORE = N_(
    "The account and links are no longer shown here. Its officers see the whole case with /case {reference}."
)

# ---- buttons -------------------------------------------------------------------------------------
B_CLAIM = N_("Claim")
B_ASK = N_("Ask the citizen")
B_RESOLVE = N_("Resolve")
B_TRANSFER = N_("Transfer")
B_SPAM = N_("Spam")
B_FULL = N_("Full account")
B_NUMBER = N_("Phone number")
B_CANCEL = N_("Cancel")
B_SPAM_YES = N_("Yes, it is spam")

OUTCOMES = {
    "fir": N_("case registered (FIR)"),
    "removed": N_("content or account taken down"),
    "advice": N_("advice given"),
    "referred": N_("referred to another authority"),
    "no_action": N_("closed without further action"),
}
# The same outcomes as the citizen reads them, in her closing message and in /status: their own
# sentences, so that in Urdu they agree with رپورٹ (feminine) as the officer's agree with کیس.
CITIZEN_OUTCOMES = {
    "fir": N_("a case (FIR) has been registered"),
    "removed": N_("the post, video or account has been taken down"),
    "advice": N_("the officer has given advice"),
    "referred": N_("it has been passed to another authority that can act on it"),
    "no_action": N_("no further action was taken"),
}

# ---- answers to officers' presses and messages ---------------------------------------------------
NOT_MEMBER = N_("Only officers of this case's queue can do this.")
CLAIMED_OK = N_("You have claimed this case.")
ALREADY_CLAIMED = N_("This case was already claimed by {name}.")
CASE_CLOSED = N_("This case is closed.")
MOVED_ON = N_("This case has changed; the card shows its current state.")
ANONYMOUS = N_("This report is anonymous: the citizen cannot be asked anything.")
ASK_PROMPT = N_(
    "{reference}: reply to this message (or to the card) with your question for the citizen. It is sent in "
    "the bot's name, with the reference; neither side sees the other's name or account."
)
ASK_FIRST = N_("To send a question to the citizen, press “Ask the citizen” on the card first, then reply.")
QUESTION_SENT = N_("Question sent to the citizen ({reference}).")
CHOOSE_OUTCOME = N_("{reference}: choose the outcome.")
CHOOSE_QUEUE = N_("{reference}: transfer to which queue?")
NO_OTHER_QUEUE = N_("There is no other queue with a group to transfer to.")
CONFIRM_SPAM = N_("{reference}: mark as spam? The citizen is not told; the case closes.")
RESOLVED_OK = N_("Resolved.")
TRANSFERRED_OK = N_("Transferred to {queue}.")
SPAM_OK = N_("Marked as spam.")
CANCELLED = N_("Nothing changed.")
NUMBER_ALERT = N_("Phone number for {reference}: {phone}. It is shown only to you.")
NUMBER_CLAIM_FIRST = N_("The number is shown only to the officer who claimed the case.")
NO_NUMBER = N_("The citizen did not give a phone number.")
ANSWER_FROM_CITIZEN = N_("Answer from the citizen ({reference}):")
# What the citizen added to her open case after sending it (/add): relayed as a reply to the card, counted on it.
ADDITION_FROM_CITIZEN = N_("New information from the citizen ({reference}):")
ADDITION_FILES = N_(
    "📎 New files: {count}. The officer who claimed the case gets them privately with /files {reference}"
)
ADDITIONS = NP_(
    "New information from the citizen: {count} addition",
    "New information from the citizen: {count} additions",
)
DIGEST_HEADER = NP_(
    "{count} new case. Press it to open its card, or send /case REFERENCE.",
    "{count} new cases. Press one to open its card, or send /case REFERENCE.",
)
REMINDER_QUEUE = N_("Still not claimed:")
REMINDER_ADMINS = N_("Cases still not claimed after the escalation time:")
WAITING_SINCE = N_("{reference} ({queue}), waiting since {since}")

# ---- officer and admin commands ------------------------------------------------------------------
QUEUE_EMPTY = N_("No open cases in {queues}.")
QUEUE_HEADER = N_("Open cases in {queues}: {count}")
CASE_USAGE = N_("Send /case followed by the reference, e.g. /case ABCD-EFGH.")
FAULT = N_("Something went wrong on our side. Please look at the case again and retry in a moment.")
CASE_NOT_FOUND = N_("No case has that reference, or it belongs to a queue you are not in.")
# /files REF: the evidence files of a case, for the officer who claimed it (focal/evidence.py).
FILES_USAGE = N_(
    "Send /files followed by the reference, e.g. /files ABCD-EFGH. The officer who claimed the case gets its "
    "files here."
)
FILES_PRIVATE = N_("Files are sent only in a private chat: send /files with the reference to me privately.")
FILES_CLAIM_FIRST = N_("Only the officer who claimed this case can get its files. Claim it first.")
FILES_NONE = N_("No files were sent with {reference}.")
FILES_CAPTION = N_("{reference} · file {position} of {count} · {kind} · {size}\nReceived {received}")
FILES_FAILED = N_("File {position} could not be kept: {note}")
FILES_WAITING = N_("Files still being fetched: {count}. Please try again in a minute.")
BIND_USAGE = N_("In the queue's group, send /bindqueue QUEUE [ur|en]. Queues: {queues}")
BIND_ADMINS_ONLY = N_("Only an admin can bind a queue.")
BIND_IN_GROUP = N_("Send /bindqueue in the group that should receive the queue.")
BIND_DONE = N_("This group now receives the {queue} queue. Cards are written in {language}.")
FOCAL_USAGE = N_(
    "/focal lists registered officers.\n/focal add QUEUE USER_ID registers an officer outside the group.\n"
    "/focal remove QUEUE USER_ID removes one."
)
FOCAL_DONE = N_("Done.")
FOCAL_LIST = N_("Registered officers (besides the members of each queue's group):")
FOCAL_NONE = N_("No officers are registered individually; the members of each queue's group act on its cases.")
OFFICER_HELP = N_(
    "Officers' commands:\n/queue open cases of this queue\n/case REFERENCE show one case\n"
    "/files REFERENCE the case's files, in a private chat, for the officer who claimed it\n"
    "Buttons on each card: Claim, Ask the citizen (then reply with the question), Resolve, Transfer, Spam.\n"
    "Admins: /bindqueue QUEUE [ur|en] in a group, /focal in a private chat."
)

# ---- citizen updates -----------------------------------------------------------------------------
CITIZEN_CLAIMED = N_(
    "An officer is now looking into your report {reference}. You will hear from us in this chat when there is news."
)
CITIZEN_QUESTION = N_(
    "The officer handling your report {reference} asks:\n\n{question}\n\n"
    "Please reply to this message with your answer. The officer does not see your name or account."
)
CITIZEN_ANSWER_SENT = N_("Thank you. Your answer has been sent to the officer.")
CITIZEN_RESOLVED = N_(
    "Your report {reference} has been closed: {outcome}.\n\nThank you for reporting. If it happens again, send "
    "/start. If you are in danger now, call 15."
)
STATUS_CLAIMED = N_("an officer is looking into it")
STATUS_WAITING = N_("an officer has asked you a question; please reply to it")
STATUS_RESOLVED = N_("closed: {outcome}")
STATUS_CLOSED = N_("closed")
