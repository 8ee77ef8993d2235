"""Input normalisation applied before any check, so validators see one spelling of each text.

Urdu typed on Arabic or Persian keyboards uses different code points for the same letters, and
phones offer Arabic-Indic or Extended Arabic-Indic (Urdu) digits. A phone number typed as
``۰۳۰۰۱۲۳۴۵۶۷`` and a choice typed as ``ہاں`` with an Arabic ``ه`` must match what the flow expects.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Hard cap on any single input, applied after normalisation. Far above every flow limit, so a
# validator can still report "too long (N characters)"; it only protects memory and the store.
MAX_INPUT_CHARS = 20_000

_FOLD = str.maketrans(
    {
        "ي": "ی",  # ARABIC YEH -> FARSI YEH (Urdu choti ye)
        "ى": "ی",  # ALEF MAKSURA -> FARSI YEH
        "ك": "ک",  # ARABIC KAF -> KEHEH
        "ه": "ہ",  # ARABIC HEH -> HEH GOAL
        "ە": "ہ",  # AE -> HEH GOAL
        **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + d): str(d) for d in range(10)},  # Extended Arabic-Indic (Urdu) digits
        "٫": ".",  # ARABIC DECIMAL SEPARATOR
        "٬": ",",  # ARABIC THOUSANDS SEPARATOR
        "،": ",",  # ARABIC COMMA, so lists of handles split the same in both scripts
    }
)

# Invisible marks that change nothing a reader sees but defeat string comparison.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u061c\u200b\u200e\u200f\u2060\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"),
    None,
)


def normalise(text: str, *, cap: int = MAX_INPUT_CHARS) -> str:
    """NFKC, fold Arabic letters and digits to their Urdu/ASCII forms, drop bidi marks, trim, cap."""
    text = unicodedata.normalize("NFKC", text[: cap * 2])
    # ZWNJ (U+200C) is meaningful inside Urdu words; keep it but drop it at the edges.
    text = text.translate(_FOLD).translate(_INVISIBLE).strip().strip("\u200c").strip()
    return text[:cap]


def fold_for_match(text: str) -> str:
    """A looser key for matching typed button labels: normalised, case-folded, inner spaces collapsed."""
    return " ".join(normalise(text).casefold().split())


_WORD = re.compile(r"\w+")
_LATIN_RUN = re.compile(r"([a-z])\1+")


def contains_words(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    """True when ``needle``'s words occur in ``haystack`` one after another (both ``match_words`` keys)."""
    size = len(needle)
    return any(haystack[i : i + size] == needle for i in range(len(haystack) - size + 1))


def match_words(text: str) -> tuple[str, ...]:
    """The matching key of a text, for phrase tables (danger words, typed answers): folded words in order.

    Urdu vowel marks (zer, zabar, pesh…) are usually left out when typing and ZWNJ may or may not be
    typed, so both are dropped; a run of the same Latin letter counts once, so Roman spellings differ
    less (haan/han, maar/mar, jee/je). Apostrophes join their word ("don't" is "dont").
    """
    folded = fold_for_match(text).replace("\u2019", "").replace("'", "")
    if not folded.isascii():  # ASCII has no marks: most Roman and English phrases skip the walk
        folded = "".join(ch for ch in folded if unicodedata.category(ch) not in ("Mn", "Cf"))
    # A run of one letter never spans two words, so collapsing it in the whole text is the same as in
    # each word, in one pass (flows load ~4,500 phrases at start-up).
    return tuple(_WORD.findall(_LATIN_RUN.sub(r"\1", folded)))


@functools.lru_cache(maxsize=16_384)
def phrase_key(phrase: str) -> tuple[str, ...]:
    """``match_words`` of a flow's own phrase (a label, an alias, a place name), remembered: loading a flow
    keys the same ~2,000 phrases in the loader and again in its vocabulary tables. Only for what a flow
    says, never for what a citizen types, which would then stay in the process's memory."""
    return match_words(phrase)
