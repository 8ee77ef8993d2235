"""Wording of the desk's admin pages: flows, people, the audit log.

Where the Telegram admin side already says the same thing (the verdict on a flow, publish, roll
back, the admin list), its texts are used as they are (``telegram/admin/texts.py``), so an admin
reads the same words in the chat and on the desk, and translators translate them once.
"""

from __future__ import annotations

from bot.engine.outcome import N_
from bot.i18n import NP_

# ---- the admin pages' menu ----------------------------------------------------------------------
NAV = N_("Admin pages")
NAV_FLOWS = N_("Flows")
NAV_PEOPLE = N_("People")
NAV_AUDIT = N_("Audit log")

# ---- flows --------------------------------------------------------------------------------------
FLOWS_TITLE = N_("The flow '{flow}'")
LIVE_NOW = N_("Revision {revision} is live: new conversations use it.")
NOTHING_LIVE = N_("No revision is live yet.")
REVISIONS = N_("Revisions, newest first")
COL_REVISION = N_("Revision")
COL_AUTHOR = N_("Published by")
COL_PUBLISHED = N_("Published")
COL_HASH = N_("Hash")
UPLOAD_TITLE = N_("Publish a new version")
UPLOAD_LABEL = N_(
    "Paste the whole flow file (YAML) here. The next page shows what the check found and what changed; "
    "nothing goes live until you press Publish there."
)
UPLOAD_BUTTON = N_("Check this flow")
FLOW_EMPTY = N_("Paste the flow file first.")
FLOW_TOO_BIG = N_("This flow is too big: the limit is {limit} KB.")
FORM_TOO_BIG = N_("What was sent is too big: the limit is {limit} KB. Nothing changed.")

# ---- an uploaded flow, or a revision ------------------------------------------------------------
CANDIDATE_TITLE = N_("Uploaded flow {candidate}")
UPLOADED_BY = N_("Uploaded by {name}, {time}")
REVISION_TITLE = N_("Revision {revision}")
PUBLISHED_BY = N_("Published by {author}, {time}")
THIS_IS_LIVE = N_("This revision is live.")
CHECK = N_("What the check found")
NOT_LOADED = N_("This file does not load, so it cannot be published. Fix these and upload it again:")
HAS_ERRORS = N_("It cannot be published: fix these errors and upload it again:")
AT_LINE = N_("line {line}")
CONFIRM_FORCE = N_("Yes, publish it although conversation scripts fail: the change is intended.")
NOT_PUBLISHABLE = N_("This file cannot be published as it is.")
DIFF = N_("Differences from the live revision {revision}")
DIFF_SAME = N_("The text is the same as the live revision's.")
DIFF_NOTHING_LIVE = N_("No revision is live, so there is nothing to compare with.")
DIFF_MORE = NP_("… and {count} more line.", "… and {count} more lines.")
ROLLBACK = N_("Roll back to this revision")
ROLLBACK_EXPLAIN = N_(
    "New conversations will use this revision; conversations under way stay on the one they started on."
)
BACK_TO_FLOWS = N_("All revisions")

# ---- people -------------------------------------------------------------------------------------
PEOPLE_TITLE = N_("People")
ADMINS = N_("Admins")
FROM_SETTINGS = N_("from the settings (can be removed only there)")
ADDED_AT = N_("added {time}")
OFFICERS = N_("Officers, by queue")
OFFICERS_EXPLAIN = N_(
    "Officers registered here may work their queue's cases on the desk and in the group, beside the "
    "members of the queue's group."
)
NO_OFFICERS = N_("No officer is registered for this queue.")
NO_QUEUES = N_("No queue has a group yet, so no officer can be added.")
USER_ID = N_("Telegram user id")
ADD_OFFICER = N_("Add officer")
REMOVE = N_("Remove")
ADD_ADMIN = N_("Add admin")
OFFICER_ADDED = N_("{user} is now an officer of the queue {queue}.")
OFFICER_REMOVED = N_("{user} is no longer an officer of the queue {queue}.")
OFFICER_NOT_THERE = N_("{user} was not an officer of the queue {queue}; nothing changed.")
BAD_USER_ID = N_("That is not a Telegram user id: type the number only, for example 123456789. Nothing changed.")
BAD_QUEUE = N_("There is no such queue: choose one from the list. Nothing changed.")

# ---- the audit log ------------------------------------------------------------------------------
AUDIT_TITLE = N_("Audit log")
AUDIT_EXPLAIN = N_("Everything done with the bot and the desk, newest first, 100 a page.")
NO_ENTRIES = N_("Nothing has been recorded yet.")
COL_TIME = N_("Time")
COL_WHO = N_("Who")
COL_ACTION = N_("Action")
COL_CASE = N_("Case")
COL_RESULT = N_("Result")
COL_DETAIL = N_("Detail")
ALLOWED = N_("allowed")
CASE_GONE = N_("case {id}")

# Audit actions of the admin side, beside the case actions the case page already names.
ACTION_NAMES = {
    "upload_flow": N_("uploaded a flow file"),
    "publish_flow": N_("published a flow"),
    "discard_flow": N_("discarded a flow file"),
    "rollback_flow": N_("rolled the flow back"),
    "add_admin": N_("added an admin"),
    "remove_admin": N_("removed an admin"),
    "add_officer": N_("registered an officer"),
    "remove_officer": N_("removed an officer"),
    "desk_admin": N_("opened an admin page"),
}
