"""How officers keep each platform's posts from disappearing (``flows/preservation.yaml``), one line a platform.

Admin-edited data, not code: platforms change their law-enforcement portals, and which path NCCIA uses is
for the agency to say. The card shows the line of each platform its links are on. The file is read again
when it changes, so a correction reaches the next card without a restart; a broken edit is logged and the
last good version stays in use. An operator's FLOWS_DIR without the file uses the shipped one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.engine.errors import FlowLoadError, LoadProblem
from bot.engine.links import PLATFORMS
from bot.engine.yamltree import parse
from bot.paths import FLOWS_DIR

log = logging.getLogger(__name__)

PRESERVATION_FILE = "preservation.yaml"
LANGUAGES = ("en", "ur")
MAX_LINE = 200  # a card holds one line per platform under Telegram's 4096 characters


@dataclass(frozen=True, slots=True)
class Preservation:
    lines: Mapping[str, Mapping[str, str]]  # platform -> language -> line

    def line(self, platform: str, lang: str) -> str | None:
        by_lang = self.lines.get(platform) or self.lines.get("other") or {}
        return by_lang.get("ur" if lang == "ur" else "en")

    def lines_for(self, platforms: Iterable[str], lang: str, limit: int | None = None) -> list[str]:
        """The line of each platform, once each, in the order given (the first ``limit`` platforms)."""
        distinct = list(dict.fromkeys(platforms))[:limit]
        return [line for line in (self.line(p, lang) for p in distinct) if line]


def load_preservation(source: str) -> Preservation:
    data, lines, problems = parse(source)
    if problems or not isinstance(data, dict):
        raise FlowLoadError(problems or [LoadProblem("", "the preservation file must be a mapping", 1)])
    found: list[LoadProblem] = []

    def fail(path: str, message: str) -> None:
        found.append(LoadProblem(path, message, lines.get(path) or lines.get(path.split(".")[0])))

    if data.get("spec_version") != 1:
        fail("spec_version", "this release reads spec_version 1")
    for key in sorted(set(data) - {"spec_version", "platforms"}):
        fail(key, "unknown top-level key")
    raw = data.get("platforms")
    if not isinstance(raw, dict):
        fail("platforms", "expected a mapping of platform: {en: …, ur: …}")
        raw = {}
    table: dict[str, dict[str, str]] = {}
    for platform, texts in raw.items():
        path = f"platforms.{platform}"
        if platform not in PLATFORMS:
            fail(path, f"unknown platform (one of {', '.join(PLATFORMS)})")
            continue
        if not isinstance(texts, dict):
            fail(path, "expected {en: …, ur: …}")
            continue
        for lang in LANGUAGES:
            text = texts.get(lang)
            if not isinstance(text, str) or not text.strip():
                fail(f"{path}.{lang}", f"missing {'Urdu' if lang == 'ur' else 'English'} text")
            elif len(text) > MAX_LINE:
                fail(f"{path}.{lang}", f"{len(text)} characters; keep it to {MAX_LINE}, one line")
        for lang in sorted(set(texts) - set(LANGUAGES)):
            fail(f"{path}.{lang}", "unknown language (en or ur)")
        table[str(platform)] = {lang: str(texts.get(lang, "")).strip() for lang in LANGUAGES}
    if "other" not in table and not found:
        fail("platforms", "needs a line for 'other' (links on any site not listed)")
    if found:
        raise FlowLoadError(found)
    return Preservation(table)


class PreservationFile:
    """The preservation lines of a flows folder, read again when the file changes."""

    def __init__(self, folder: Path) -> None:
        own = folder / PRESERVATION_FILE
        self.path = own if own.is_file() else FLOWS_DIR / PRESERVATION_FILE
        self._seen: tuple[float, int] | None = None
        self._current: Preservation | None = None

    def current(self) -> Preservation:
        """The lines in force. The first read raises ``FlowLoadError`` (start-up refuses a broken file); a
        later broken edit is logged at WARNING and the last good lines stay."""
        stat = self.path.stat()
        seen = (stat.st_mtime, stat.st_size)
        if seen != self._seen:
            try:
                fresh = load_preservation(self.path.read_text(encoding="utf-8"))
            except FlowLoadError as exc:
                if self._current is None:
                    raise
                log.warning("%s: not used, the last good version stays: %s", self.path, exc)
            else:
                if self._current is not None:
                    log.info("%s: read again after a change", self.path)
                self._current = fresh
            self._seen = seen
        assert self._current is not None
        return self._current
