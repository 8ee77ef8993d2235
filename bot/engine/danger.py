"""Recognising typed words that say someone is in danger now, at any step of a flow.

The phrases live in the flow file (``danger: {phrases: {en: […], ur: […], roman: […]}, text: …}``)
so admins extend them without code. Matching is deliberately simple and predictable:

* the typed text and every phrase go through the same fold: ``fold_for_match`` (NFKC, Urdu letter
  folding, case), Urdu diacritics and ZWNJ dropped, then split into words (letters and digits);
* a run of the same Latin letter counts once, so Roman spellings differ less (maar/mar,
  baahar/bahar, door/dor) — cheap tolerance; other spellings are written out in the list;
* a phrase matches when its words appear one after another, as whole words, in the text:
  "he is outside my house" matches "Please help, he is outside my house!" but "kill" does not
  match "skills", and "i am in danger" does not match "I am not in danger anymore".

Every phrase list is used whatever the session's language: people mix scripts and languages.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from .model import Danger
from .normalise import match_words as words

# A phrase's words, and its place in the list (the first phrase listed wins when several match).
_Needles = dict[str, list[tuple[int, tuple[str, ...]]]]


def find_phrase(phrases: Iterable[str], text: str) -> str | None:
    """The first phrase whose words occur, in order and next to each other, in ``text``."""
    listed = tuple(phrases)
    typed = words(text)
    if not typed:
        return None
    by_first = _needles(listed)
    found = [
        place
        for i, word in enumerate(typed)
        for place, needle in by_first.get(word, ())
        if typed[i : i + len(needle)] == needle
    ]
    return listed[min(found)] if found else None


@functools.lru_cache(maxsize=32)
def _needles(phrases: tuple[str, ...]) -> _Needles:
    """The phrases' keys, once per list, indexed by their first word: checked on every typed message, a
    list of a few hundred phrases folded anew each time cost more than the rest of the step."""
    by_first: _Needles = {}
    for place, phrase in enumerate(phrases):
        needle = words(phrase)
        if needle:
            by_first.setdefault(needle[0], []).append((place, needle))
    return by_first


def mentions_danger(danger: Danger, text: str) -> bool:
    return find_phrase((p for group in danger.phrases.values() for p in group), text) is not None
