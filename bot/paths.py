"""Where the files beside the code live: the flows admins edit and the translation catalogues."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOWS_DIR = ROOT / "flows"
LOCALES_DIR = ROOT / "locales"
