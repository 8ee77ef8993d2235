"""The citizen side of the Telegram bot, put together: one object per concern, wired explicitly.

``app.py`` registers the handlers of ``report``, ``files``, ``additions`` and ``commands``; the ledger's loop runs
beside the courier and is flushed before the store closes.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.cases.casework import Casework
from bot.cases.conversation import Conversations
from bot.cases.receipts import Receipts
from bot.config import Settings
from bot.store.ports import Books

from ..guard import FloodControl
from ..send import Sender
from .additions import Additions
from .commands import CommandHandlers
from .files import FileHandlers
from .ledger import Ledger
from .replies import Replies
from .report import ReportHandlers
from .status import Status
from .turns import Turns


class CitizenBot:
    def __init__(
        self,
        settings: Settings,
        books: Books,
        conversations: Conversations,
        casework: Casework,
        receipts: Receipts,
        wake: Callable[[], None],
        sender: Sender,
    ) -> None:
        # Every officer's and admin's handler shares this flood limit (app.py): one account is one account.
        self.flood = FloodControl(settings.flood_messages_per_minute)
        # A database shared by several instances (PostgreSQL) gets each turn's bookkeeping at once.
        self.ledger = Ledger(books.sessions, receipts, deferred=settings.database_url is None)
        self.replies = Replies(sender, books.sessions, receipts, self.ledger, wake)
        self.turns = Turns(books.sessions, books.senders, self.ledger, self.flood, self.replies)
        self.additions = Additions(books.reports, casework, self.turns, self.replies, wake)
        self.report = ReportHandlers(
            settings,
            books.reports,
            books.retention,
            conversations,
            casework,
            self.turns,
            self.replies,
            wake,
            self.additions,
        )
        self.files = FileHandlers(settings, books.files, conversations, self.turns, self.replies, self.additions)
        status = Status(books.reports, books.pins, self.replies)
        self.commands = CommandHandlers(settings, books.sessions, conversations, status, self.turns, self.replies)
