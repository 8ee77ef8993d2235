"""The one entry point in a checkout: ``python main.py COMMAND …`` (``--help`` lists the commands).

They live in ``bot/cli/main.py``, so an installed package runs the same ones as ``harassment-bot``."""

from bot.cli.main import main as main

if __name__ == "__main__":
    from bot.cli.main import entry

    entry()
