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

from collections.abc import Iterable

from .model import Danger
from .normalise import contains_words
from .normalise import match_words as words


def find_phrase(phrases: Iterable[str], text: str) -> str | None:
    """The first phrase whose words occur, in order and next to each other, in ``text``."""
    typed = words(text)
    if not typed:
        return None
    for phrase in phrases:
        needle = words(phrase)
        if needle and contains_words(typed, needle):
            return phrase
    return None


def mentions_danger(danger: Danger, text: str) -> bool:
    return find_phrase((p for group in danger.phrases.values() for p in group), text) is not None
