"""The admins' side of the bot: ``AdminBot`` (``bot.py``) and the parts it is made of; ``texts``, their wording."""
