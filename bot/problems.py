"""The error an operator fixes: a setting, a key or a file that is missing or malformed.

Its own module, below both the settings (config.py) and the keyring, so neither imports the other.
"""

from __future__ import annotations


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it."""
