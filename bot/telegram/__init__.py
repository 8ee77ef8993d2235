"""The Telegram adapter: python-telegram-bot handlers that drive the same engine and store as the console."""
