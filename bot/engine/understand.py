"""Reading a typed answer to a choice: which option(s) it names, or that it must be asked again.

People type instead of tapping, in English, Urdu script and Roman Urdu ("apne liye", "ji haan",
"facebook aur whatsapp", "lahore"). The rules, in order, all on ``match_words`` keys:

1. **Numbers**: a message of only numbers ("2", "۲", "pehla", "second", "1 aur 3") picks options by
   position. Number words count only alone: "ek fake profile" is not option 1.
2. **Phrases**: every option phrase (``vocabulary.option_table``) found as whole words in the text,
   the longest first, never overlapping: "nahi pata" is "not sure", not "no". A phrase inside a
   longer message counts ("wo meri fake id bana raha hai" names the fake-profile option).
3. **Unclear on its face**: a question back ("kya matlab?"), or a shared answer the question does not
   offer ("pata nahi" at a yes/no question without "not sure"), or at a yes/no question a lone
   "nahi" among other words ("exact umar nahi pta"): asked again.
   **Negation near a match** ("not for myself", "apne liye nahi", "mat bhejo" where only "bhejo" is
   known) makes the message unclear: asked again, never read backwards.
4. **One word off**: a typed word of five letters or more one edit from a one-word phrase
   ("facbook", "watsap") counts, when it is close to one option only. Not on questions with a "no"
   option, where a misread costs most.
5. **Ages**: where the question declares ``ages`` ("Is she under 18?"), a typed age picks the option
   whose range holds it ("she is 15", "10 saal ki").
6. **Places**: a place name from the flow's ``places`` table ("lahore" for Punjab) is a proposal the
   citizen confirms with one tap; it is never taken silently.

Two options on a single choice, or nothing understood, is asked again with the options numbered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .model import ChoiceStep, Flow, Phrase, Vocabulary
from .normalise import match_words
from .vocabulary import UNCLEAR

NEGATION_WINDOW = 2  # words either side of a match in which a "not" makes the answer unclear
FUZZY_MIN_LETTERS = 5
_ORDINAL = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\Z")


@dataclass(frozen=True, slots=True)
class Reading:
    """What a typed answer said. Empty: not understood (ask again, with the options numbered)."""

    chosen: tuple[str, ...] = ()  # option ids, in the flow's order
    candidates: tuple[str, ...] = ()  # more than one option on a single choice: which one?
    place: tuple[str, str] | None = None  # (option id, place name): confirm before taking it


def says(vocabulary: Vocabulary, role: str, text: str, *, strict: bool = False) -> bool:
    """True when the message is one of ``role``'s phrases ("done", "bas", "ہو گیا"), give or take two
    words around it that are neither negations nor numbers ("ok done", "ji bhej do please"); with
    ``strict``, only the phrase itself ("skip" is skip, "next year" is a date)."""
    typed = match_words(text)
    if not typed:
        return False
    phrases = vocabulary.phrases(role)
    if typed in phrases:
        return True
    if strict:
        return False
    spans = _spans(typed, {p: role for p in phrases})
    if len(spans) != 1:
        return False
    extra = [w for i, w in enumerate(typed) if not spans[0][0] <= i < spans[0][1]]
    negations = vocabulary.single("negations")
    return len(extra) <= 2 and not any(w in negations or w.isdecimal() for w in extra)


def read_consent(vocabulary: Vocabulary, text: str) -> str:
    """A typed answer to "May we send it?": "yes", "no", or "" when unclear.

    Yes and send words say yes; no and decline words say no; "not sure", both at once, a question
    back, or a negation near a yes ("haan mat") are unclear. As for any choice, never a guess.
    """
    typed = match_words(text)
    if not typed or "?" in text or "؟" in text:
        return ""
    table: dict[Phrase, str] = {}
    for role, value in (("not_sure", UNCLEAR), ("decline", "no"), ("no", "no"), ("send", "yes"), ("yes", "yes")):
        for key in vocabulary.phrases(role):
            table.setdefault(key, value)
    spans = _spans(typed, table)
    said = {value for _, _, value in spans}
    if said != {"yes"} and said != {"no"}:
        return ""
    if said == {"yes"} and _negated(vocabulary, typed, spans):
        return ""
    return said.pop()


def read_choice(flow: Flow, step: ChoiceStep, text: str) -> Reading:
    typed = match_words(text)
    if not typed:
        return Reading()
    by_number = _numbers(flow.vocabulary, step, typed)
    if by_number is not None:
        return _decide(step, by_number)
    spans = _spans(typed, step.vocabulary)
    # A question back ("kya matlab?", "will my family know?") is not an answer, unless it is only the answer.
    asking = ("?" in text or "؟" in text) and not (len(spans) == 1 and spans[0][1] - spans[0][0] == len(typed))
    if asking or any(option == UNCLEAR for _, _, option in spans):
        return Reading()
    if not spans and not _has_no_option(step):
        spans = _fuzzy(typed, step.vocabulary)
    if spans:
        if _negated(flow.vocabulary, typed, spans) or _lone_word_in_a_sentence(flow, step, typed, spans):
            return Reading()
        return _decide(step, [option for _, _, option in spans])
    if step.ages:
        by_age = _age(flow.vocabulary, step, typed)
        if by_age is not None:
            return _decide(step, [by_age]) if by_age else Reading()
    places = _spans(typed, {key: value[0] for key, value in step.places.items()})
    found = {option for _, _, option in places}
    if len(found) == 1 and not _negated(flow.vocabulary, typed, places):
        start, end, option = places[0]
        return Reading(place=(option, step.places[typed[start:end]][1]))
    if len(found) > 1:
        return Reading(candidates=tuple(o.id for o in step.options if o.id in found))
    return Reading()


def _decide(step: ChoiceStep, ids: list[str]) -> Reading:
    ordered = tuple(o.id for o in step.options if o.id in set(ids))
    if not ordered:
        return Reading()
    if len(ordered) > 1 and not step.multi:
        return Reading(candidates=ordered)
    return Reading(chosen=ordered)


def _numbers(vocabulary: Vocabulary, step: ChoiceStep, typed: Phrase) -> list[str] | None:
    """Options picked by position when every word is a number (or "and" between numbers)."""
    joiners = vocabulary.single("joiners")
    positions: list[int] = []
    for word in typed:
        digits = _ORDINAL.match(word)
        if digits:
            positions.append(int(digits.group(1)))
        elif word in vocabulary.numbers:
            positions.append(vocabulary.numbers[word])
        elif word not in joiners:
            return None
    if not positions:
        return None
    if any(not 1 <= p <= len(step.options) for p in positions):
        return []  # "9" of three options: not understood, asked again
    return [step.options[p - 1].id for p in positions]


def _spans(typed: Phrase, table: Mapping[Phrase, str]) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, value) of table phrases in ``typed``, longest first."""
    found: list[tuple[int, int, str]] = []
    lengths = sorted({len(key) for key in table}, reverse=True)
    taken: set[int] = set()
    for size in lengths:
        for start in range(len(typed) - size + 1):
            window = typed[start : start + size]
            if window in table and taken.isdisjoint(range(start, start + size)):
                found.append((start, start + size, table[window]))
                taken.update(range(start, start + size))
    return sorted(found)


def _age(vocabulary: Vocabulary, step: ChoiceStep, typed: Phrase) -> str | None:
    """The option whose age range holds the one age typed ("she is 15", "10 saal ki", "آٹھ سال"); "" when
    the ages typed point to no option or to two; None when no age was typed.

    An age is a number of one or two digits (a phone number is not an age), or a number word followed
    by a word for years ("aath saal"). Ordinals are grades, not ages ("9th class").
    """
    years = vocabulary.single("years")
    ages: set[int] = set()
    for i, word in enumerate(typed):
        following = typed[i + 1] if i + 1 < len(typed) else ""
        if word.isdecimal() and len(word) <= 2:  # isdigit() would take "➊", which int() refuses
            ages.add(int(word))
        elif word in vocabulary.numbers and following in years:
            ages.add(vocabulary.numbers[word])
    if not ages:
        return None
    picked = {option for age in ages for option, low, high in step.ages if low <= age <= high}
    return picked.pop() if len(picked) == 1 else ""


def _lone_word_in_a_sentence(flow: Flow, step: ChoiceStep, typed: Phrase, spans: list[tuple[int, int, str]]) -> bool:
    """At a yes/no question, a lone "nahi" among other words may negate them, not answer ("exact umar
    nahi pta", "یقین سے نہیں کہہ سکتی"): unclear, unless a typed age says the same ("nahi, 20 ki hai").
    A lone "haan" in a sentence is taken: nothing in it can turn it into "no" but a negation."""
    if not _has_no_option(step) or len(spans) != 1 or spans[0][1] - spans[0][0] != 1:
        return False
    if typed[spans[0][0]] not in flow.vocabulary.single("negations"):
        return False
    fillers = flow.vocabulary.single("fillers")
    start = spans[0][0]
    others = [w for i, w in enumerate(typed) if i != start and w not in fillers]
    if len(others) < 2:
        return False
    return not (step.ages and _age(flow.vocabulary, step, typed) == spans[0][2])


def _negated(vocabulary: Vocabulary, typed: Phrase, spans: list[tuple[int, int, str]]) -> bool:
    negations = vocabulary.single("negations")
    covered = {i for start, end, _ in spans for i in range(start, end)}
    near = {
        i
        for start, end, _ in spans
        for i in range(max(0, start - NEGATION_WINDOW), min(len(typed), end + NEGATION_WINDOW))
    }
    return any(typed[i] in negations for i in near - covered)


def _has_no_option(step: ChoiceStep) -> bool:
    return step.option("no") is not None


def _fuzzy(typed: Phrase, table: Mapping[Phrase, str]) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for i, word in enumerate(typed):
        if len(word) < FUZZY_MIN_LETTERS or not word.isascii():
            continue
        close = {
            option
            for key, option in table.items()
            if len(key) == 1 and len(key[0]) >= FUZZY_MIN_LETTERS and _one_edit(word, key[0])
        }
        if len(close) == 1:
            found.append((i, i + 1, close.pop()))
    return found


def _one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by one insertion, deletion, substitution or swap of neighbours."""
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]
