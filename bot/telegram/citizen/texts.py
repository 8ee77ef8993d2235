"""Wording of the Telegram adapter that is not flow text (translated in ``locales/``)."""

from __future__ import annotations

from bot.engine.outcome import N_

MOVED_ON = N_("This question has moved on. Please use the newest message.")
APOLOGY = N_("Sorry, something went wrong on our side. Your answers are safe; please try again in a moment.")
SLOW_DOWN = N_("Please slow down a little. I will answer your messages in a moment.")
DAILY_CAP = N_(
    "Today's report limit for this chat ({count}) has been reached. To protect the service from misuse, please "
    "try again tomorrow. If you are in danger, call 15."
)
EXIT_DONE = N_("OK.")
EARLIER_FILES_DELETED = N_(
    "This report is about a child, so I have deleted the pictures or files you sent earlier and they are not "
    "part of the report. Please send only links (web addresses) and usernames."
)
NO_IMAGES_CHILD = N_(
    "I have deleted the picture or file you sent. Please do not send pictures or videos of a child, not even "
    "as proof: sending them is itself a crime. Send only links (web addresses) and usernames; the officers will "
    "secure the material."
)
FILE_KEPT = N_(
    "Thank you. I will keep this file with your report, locked so that only the officer handling it can open it. "
    "Links and usernames help the officers most, so please send those too if you can."
)
FILE_ADDED = N_(
    "Thank you. I have added this file to your report {reference}, locked so that only the officer handling it "
    "can open it."
)
FILE_TOO_BIG = N_(
    "This file is too big to keep (the limit is {mb} MB). Please send a screenshot instead, or a link to where "
    "it is online."
)
FILES_REPORT_FULL = N_(
    "This report already has {count} files, the most one report can keep. Please send links (web addresses) "
    "and usernames for anything more."
)
FILES_DAY_FULL = N_(
    "Today's limit of {count} files for this chat has been reached. Please send links (web addresses) and "
    "usernames instead, or send more files tomorrow."
)
NO_FILES = N_(
    "There is no report in progress to add this file to. Send /start to make a report: you can send "
    "screenshots while you fill it in. Links (web addresses) and usernames help the officers most."
)
# A voice message in an adult's report: evidence (a threat forwarded to her), or her answer spoken?
VOICE_ASK = N_(
    "Is this voice message evidence, for example a threat someone sent you? If it is, I will keep it with your "
    "report for the officer. I cannot listen to answers, so please type those or press a button."
)
B_VOICE_KEEP = N_("Yes, keep it as evidence")
B_VOICE_DROP = N_("No, it is not evidence")
VOICE_NOT_KEPT = N_("All right, it is not kept. Please type your answer or press a button.")
UNREADABLE = N_(
    "Voice messages, stickers and locations cannot be read here. Please type your answer or press a button; "
    "nothing you sent this way is kept."
)
OWN_CONTACT_ONLY = N_("Please share your own number with the button, or type the number.")
CONTACT_NOT_ASKED = N_("Thank you, but no phone number is needed here.")
# In all three languages at once, not translated: whoever is stuck in a language they cannot read finds theirs.
CHOOSE_LANGUAGE_ALL = "Choose your language · اپنی زبان چنیں · Apni zabaan chunein"
LANGUAGE_SET = N_("Language changed to English.")
HELP = N_(
    "This bot lets you report online harassment, blackmail or abuse to the cyber crime agency (NCCIA), safely "
    "and in your own words. Tap the buttons, or type your answers in English, Urdu or Roman Urdu.\n\n"
    "/start begin or continue a report\n/back previous question\n/skip skip a question\n"
    "/done finish sending links\n/send send the report after checking it\n"
    "/cancel stop the report\n/status check your reports (or /status REFERENCE PIN)\n"
    "/add add something to a report you sent\n/language change language\n"
    "/privacy what we keep and for how long\n/forget unlink this account from your reports\n"
    "/exit clear this chat quickly\n\nIf you are in danger now, call 15."
)
PRIVACY = N_(
    "What we keep: your answers while you fill in a report; once you send it, the report (what you wrote, "
    "links, screenshots and files you sent, and a phone number only if you chose to give one) is kept for the "
    "agency. Pictures sent in a report about a child are deleted at once and never kept. Everything you write "
    "or send is stored encrypted.\n\n"
    "Who sees it: only the officers of the agency who handle reports from your province.\n\n"
    "How long: an unfinished report is deleted after {draft_hours} hours without activity, or at once when you "
    "cancel it or use /exit. {anonymise_days} days after a case is closed, what you wrote, the links, the files "
    "and the contact details are deleted; only figures for statistics (type, province, dates) stay.\n\n"
    "Anonymous reports keep no link to your Telegram account. /forget deletes your unfinished report and the "
    "files you sent, and removes the link between this account and the reports you sent; the agency keeps the "
    "reports.\n\n"
    "Your PIN is stored only in a scrambled form; nobody can read it back, so please keep it."
)
FORGET_ASK = N_(
    "This deletes your unfinished report, if there is one, and the files you sent, and removes the link between "
    "this Telegram account and the reports you sent. The agency keeps the reports themselves so that officers "
    "can still act on them; you can check one with /status REFERENCE PIN. You will no longer get updates or "
    "officers' questions here.\n\n"
    "Do you want to go ahead?"
)
B_FORGET_YES = N_("Yes, forget this account")
B_FORGET_NO = N_("No, keep things as they are")
# "Did this help?": three buttons under the notice that her case was closed; answering is never required.
B_FEEDBACK_HELPED = N_("Yes, it helped")
B_FEEDBACK_PARTLY = N_("A little")
B_FEEDBACK_NOT = N_("No")
FEEDBACK_THANKS = N_("Thank you for telling us.")
FEEDBACK_NOTED = N_("Your answer was already noted. Thank you.")
FORGET_DRAFT = N_("Your unfinished report was deleted.")
FORGET_DONE = N_(
    "Reports no longer linked to this account: {count}. Nothing more about them will be sent here. To check one, "
    "send /status REFERENCE PIN."
)
FORGET_KEPT = N_("Nothing was changed.")
BLOCKED = N_("This service cannot take messages from this account at the moment. If you are in danger now, call 15.")
RECEIPT = N_(
    "Your report has been sent to the cyber crime agency (NCCIA).\nReference number: {reference}\nPIN: {pin}\n\n"
    "Please write both down somewhere safe. With them you can check your report at any time: /status {reference} "
    "{pin}"
)
# /add: something new for a report she sent that is still open (links, a short text).
ADD_LIMIT = 1000  # characters of one addition
ADD_PROMPT = N_(
    "What would you like to add to your report {reference}? You can send links (web addresses), usernames or a "
    "short text. Please reply to this message."
)
ADD_PLACEHOLDER = N_("Add to {reference}")
ADD_DONE = N_("Thank you. This has been added to your report {reference} and sent to the officers.")
ADD_TOO_LONG = N_(
    "This is too long to add in one message (the limit is {limit} characters). Please send it in shorter parts, "
    "each one with /add."
)
ADD_CLOSED = N_(
    "Your report {reference} is closed, so nothing more can be added to it. If something new has happened, you "
    "can make a new report with /start."
)
ADD_NONE = N_(
    "There is no open report from this chat to add to. After you send a report, you can add to it with /add and "
    "your text, for example: /add he made a new account today. To make a report, send /start."
)
UNKNOWN_COMMAND = N_("{command} is not a command I know. Send /help to see the commands.")
STATUS_NONE = N_("There are no reports from this chat. To check another report, send /status REFERENCE PIN.")
STATUS_LINE = N_("{reference}: {status} (sent {date})")
STATUS_NOT_FOUND = N_("No report matches this reference number and PIN. Please check both and try again.")
STATUS_USAGE = N_("To check a report, send /status followed by its reference number and PIN.")
STATUS_NEW = N_("received, waiting for an officer")
STATUS_LOCKED = N_(
    "For safety, checking this reference number is paused for up to an hour, because a wrong PIN was sent for it "
    "too many times. Nothing about the report has changed. Please try again after an hour. If you sent the report "
    "from this chat, you can see it at any time: just send /status on its own, without the number and PIN."
)
STATUS_LIMITED = N_(
    "For safety, this chat cannot check reports by reference number until tomorrow, because a wrong PIN was sent "
    "from here too many times. If you sent a report from this chat, you can still see it at any time: just send "
    "/status on its own, without the number and PIN."
)

COMMANDS = (
    ("start", N_("Begin or continue a report")),
    ("help", N_("What this bot does and its commands")),
    ("back", N_("Go to the previous question")),
    ("skip", N_("Skip this question")),
    ("cancel", N_("Stop this report")),
    ("status", N_("Check your reports")),
    ("add", N_("Add something to your report")),
    ("language", N_("Change language")),
    ("privacy", N_("What is kept and for how long")),
    ("forget", N_("Unlink this account from your reports")),
    ("exit", N_("Clear this chat quickly")),
)
