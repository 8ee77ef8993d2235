"""Where the files beside the code live: the flows admins edit and the translation catalogues.

In a checkout they are ``flows/`` and ``locales/`` at the top; an installed package carries copies in
``bot/_data/`` (setup.py puts them there when the wheel is built). FLOWS_DIR points the bot at an
operator's own folder (routing.yaml and the first flow), which an installed package needs to edit them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent


def _shipped(name: str) -> Path:
    packaged = PACKAGE / "_data" / name
    return packaged if packaged.is_dir() else ROOT / name


FLOWS_DIR = _shipped("flows")
LOCALES_DIR = _shipped("locales")


def flows_dir(env: Mapping[str, str]) -> Path:
    """The folder of routing.yaml and the flow files: FLOWS_DIR when set, else the shipped one."""
    configured = env.get("FLOWS_DIR", "").strip()
    return Path(configured) if configured else FLOWS_DIR
