"""The citizens' side of the bot: ``CitizenBot`` (``bot.py``) and the parts it is made of; ``texts``, their wording."""
