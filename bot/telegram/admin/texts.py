"""Wording of the admins' side: flow uploads, revisions, rollback, the admin list."""

from __future__ import annotations

from bot.engine.outcome import N_

ADMINS_ONLY = N_("Only admins can do this.")
UPLOAD_TOO_BIG = N_("This file is too big for a flow ({size} KB; the limit is {limit} KB).")
UPLOAD_UNREADABLE = N_("This file could not be read as UTF-8 text. Save it as UTF-8 and send it again.")
FAULT = N_("Something went wrong on our side. Please try again in a moment; the bot's log says where it failed.")
UPLOAD_DOWNLOAD_FAILED = N_("The file could not be downloaded from Telegram. Please send it again.")
UPLOAD_HEADER = N_("Flow file {name}:")
UPLOAD_NOT_LOADED = N_("Not published: the file does not load. Fix these and send it again:")
UPLOAD_WRONG_FLOW = N_("Not published: this bot runs the flow '{expected}', but the file is the flow '{found}'.")
UPLOAD_ERRORS = N_("Not published: fix these errors and send it again:")
UPLOAD_WARNINGS = N_("Warnings (it can be published with these):")
UPLOAD_STEPS = N_("{steps} steps, {errors} errors, {warnings} warnings.")
UPLOAD_MORE = N_("… and {count} more.")
UPLOAD_SAME = N_("It is identical to the live revision {revision}; nothing to publish.")
CHANGES_HEADER = N_("Changes against the live revision {revision}:")
CHANGES_FIRST = N_("No revision is live yet; this will be the first.")
CHANGES_NONE = N_("No step, branch or text differs (only comments or layout).")
CHANGES_ADDED = N_("steps added: {steps}")
CHANGES_REMOVED = N_("steps removed: {steps}")
CHANGES_RETARGETED = N_("branches changed: {steps}")
CHANGES_TEXTS = N_("texts changed ({language}): {steps}")
SCRIPTS_PASS = N_("Conversation scripts: all {count} pass.")
SCRIPTS_FAIL = N_("Conversation scripts: {failed} of {count} fail. Publish only if the change is intended:")
SCRIPTS_NONE = N_("There are no conversation scripts for this flow.")
B_PUBLISH = N_("Publish")
B_PUBLISH_ANYWAY = N_("Publish anyway")
B_DISCARD = N_("Discard")
B_ROLLBACK = N_("Make #{revision} live")
PUBLISHED = N_(
    "Published as revision {revision}. New conversations use it; conversations under way finish on the revision "
    "they started on."
)
DISCARDED = N_("Discarded. Nothing changed.")
ALREADY_SETTLED = N_("This upload was already published or discarded.")
SCRIPTS_BLOCK = N_("The conversation scripts fail; press “Publish anyway” if the change is intended.")
REVISIONS_HEADER = N_("Revisions of the flow '{flow}' (newest first):")
REVISION_LINE = N_("#{revision} {date} by {author} ({hash})")
REVISION_LIVE = N_("live")
ROLLED_BACK = N_(
    "Revision {revision} is live again. New conversations use it; conversations under way stay on their revision."
)
ALREADY_LIVE = N_("Revision {revision} is already live.")
FLOWS_HELP = N_(
    "To change the flow, send the edited YAML file to this chat. Buttons below make an older revision live."
)
ADMINS_LIST = N_("Admins: {ids}\n(from the settings: {fixed})")
ADMINS_USAGE = N_("/admins lists admins.\n/admins add USER_ID adds one.\n/admins remove USER_ID removes one.")
ADMIN_ADDED = N_("{user} is now an admin.")
ADMIN_REMOVED = N_("{user} is no longer an admin.")
ADMIN_NOT_REMOVED = N_("{user} is not an admin added here (admins from the settings can be removed only there).")
ADMIN_HELP = N_(
    "Admins' commands (private chat):\n/flows revisions of the flow and rollback; send a YAML file to publish a new "
    "one\n/admins add or remove admins\n/stats cases by province, category and status\n/focal register officers\n"
    "/block and /unblock the sender of a case\n/health whether the bot, its database and Telegram are working\n"
    "In a group: /bindqueue QUEUE [ur|en]"
)
BLOCK_USAGE = N_(
    "/block REFERENCE [reason] blocks whoever sent that case; /unblock REFERENCE lifts it. A Telegram user id "
    "works instead of a reference. A blocked sender gets one neutral line and cannot start reports."
)
SENDER_UNKNOWN = N_("No case {reference} was found.")
SENDER_DETACHED = N_("Case {reference} is not linked to a Telegram account (anonymous, or the citizen used /forget).")
SENDER_BLOCKED = N_("The sender of {reference} is blocked ({marks} spam marks so far).")
SENDER_ALREADY_BLOCKED = N_("The sender of {reference} was already blocked.")
SENDER_UNBLOCKED = N_("The sender of {reference} is no longer blocked; their spam marks are cleared.")
SENDER_NOT_BLOCKED = N_("The sender of {reference} is not blocked.")
HEALTH_OK = N_("Everything is working.")
HEALTH_FAILING = N_("Something is not working:")
HEALTH_DATABASE_OK = N_("Database: answers.")
HEALTH_DATABASE_FAILED = N_("Database: does not answer ({kind}). The bot's log says more.")
HEALTH_API = N_("Telegram: the last call went through {seconds} seconds ago.")
HEALTH_API_NEVER = N_("Telegram: no call has gone through yet.")
HEALTH_DELIVERIES = N_(
    "Messages waiting to go: {waiting}; failed tries since the bot started: {failed}; given up: {dead}."
)
HEALTH_OVERDUE = N_("Cases nobody claimed in time: {count}.")
HEALTH_SESSIONS = N_("Reports being written now: {count}.")
