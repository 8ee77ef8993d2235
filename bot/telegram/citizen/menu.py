"""The citizens' command menu, in each language."""

from __future__ import annotations

from telegram import BotCommand

from bot.i18n import t

from . import texts


def menu_commands(lang: str) -> list[BotCommand]:
    """The citizens' command menu in ``lang``: for every private chat at start-up, and per chat."""
    return [BotCommand(name, t(lang, description)) for name, description in texts.COMMANDS]
