"""The officers' side of the bot: ``FocalBot`` (``bot.py``) and the parts it is made of; ``texts``, their wording."""
