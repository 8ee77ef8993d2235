"""Compiling what a flow understands when typed: each choice's phrase table, the shared words, places.

The loader calls these once per flow; matching (``understand.py``) then only looks phrases up. A
phrase's key is ``match_words(phrase)``, so "Ji Haan!", "ji haan" and "jee haan" share one key.

What a choice understands, per option: its id ("not_sure" as "not sure"), its label in every
language, its ``aliases``, and the flow's shared ``words`` listed under the option's id (``yes``,
``no``, ``not_sure``), so every yes/no question understands "haan", "ji", "nahi", "نہیں" without
listing them again. A phrase that would mean two options of one question is a conflict, which
``flows check`` reports (``conflicts``): the bot must never pick one of them silently.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from .model import WORD_ROLES, ChoiceStep, Phrase, Vocabulary, Words
from .normalise import phrase_key


def compile_words(words: Words) -> Vocabulary:
    roles = {
        role: frozenset(key for phrases in by_lang.values() for p in phrases if (key := phrase_key(p)))
        for role, by_lang in words.lists.items()
    }
    numbers: dict[str, int] = {}
    for positions in words.numbers.values():
        for position, names in enumerate(positions, start=1):
            for name in names:
                key = phrase_key(name)
                if len(key) == 1:
                    numbers.setdefault(key[0], position)
    return Vocabulary(roles, numbers)


def _option_phrases(step: ChoiceStep, vocabulary: Vocabulary) -> Iterator[tuple[Phrase, str, str]]:
    """(key, option id, where it came from) for every way to type each option."""
    for option in step.options:
        yield phrase_key(option.id.replace("_", " ")), option.id, "its id"
        for lang, label in option.label.by_lang.items():
            yield phrase_key(label), option.id, f"its {lang} label"
        for lang, aliases in option.aliases.items():
            for alias in aliases:
                yield phrase_key(alias), option.id, f"{lang} alias {alias!r}"
        for key in vocabulary.phrases(option.id):
            yield key, option.id, f"the shared words of {option.id!r}"


def label_head(label: str) -> Phrase:
    """The words of a label before its first comma (Latin or Urdu), or () when it has none."""
    cut = min((i for i in (label.find(","), label.find("،")) if i >= 0), default=-1)
    return phrase_key(label[:cut]) if cut > 0 else ()


# Marks a phrase that names no option of this question but another shared answer ("not sure" at a
# yes/no question without that option): the message is unclear, never read as yes or no.
UNCLEAR = "?"


def option_table(step: ChoiceStep, vocabulary: Vocabulary) -> dict[Phrase, str]:
    """Phrase -> option id; a phrase claimed by two options is left out (and reported by ``conflicts``).

    A question that uses shared words (an option ``yes``, ``no``…) also knows the shared words of
    the answers it does not offer, as ``UNCLEAR``: "pata nahi" at "May we send it?" must not be "no".
    """
    table: dict[Phrase, str] = {}
    clashing: set[Phrase] = set()
    for key, option_id, _source in _option_phrases(step, vocabulary):
        if not key:
            continue
        if table.get(key, option_id) != option_id:
            clashing.add(key)
        table.setdefault(key, option_id)
    # Then each label's head, the words before its first comma ("بلیک میلنگ" of "بلیک میلنگ، تصویریں…"):
    # people type the first words of a long label. Only where no phrase above claims it, and never a
    # head two options share (implicit, so not reported by ``conflicts`` either).
    heads: dict[Phrase, set[str]] = {}
    for option in step.options:
        for label in option.label.by_lang.values():
            head = label_head(label)
            if head:
                heads.setdefault(head, set()).add(option.id)
    for head, owners in heads.items():
        if len(owners) == 1 and head not in table and head not in clashing:
            table[head] = next(iter(owners))
    ids = {o.id for o in step.options}
    if ids & set(vocabulary.roles):
        for role, phrases in vocabulary.roles.items():
            if role in ids or role in WORD_ROLES:
                continue
            for key in phrases:
                table.setdefault(key, UNCLEAR)
    return {key: option_id for key, option_id in table.items() if key not in clashing}


def conflicts(step: ChoiceStep, vocabulary: Vocabulary) -> list[str]:
    """Each phrase that means two options of ``step``, described for an admin."""
    first: dict[Phrase, tuple[str, str]] = {}
    found: list[str] = []
    for key, option_id, source in _option_phrases(step, vocabulary):
        if not key:
            continue
        seen = first.setdefault(key, (option_id, source))
        if seen[0] != option_id:
            found.append(
                f"{' '.join(key)!r} would mean both {seen[0]!r} ({seen[1]}) and {option_id!r} ({source}); "
                "typed alone it is asked again"
            )
    return found


def place_table(
    step: ChoiceStep, places: Mapping[str, tuple[str, ...]]
) -> tuple[dict[Phrase, tuple[str, str]], list[str]]:
    """Place key -> (option id, name as written), and the names listed under two options."""
    table: dict[Phrase, tuple[str, str]] = {}
    problems: list[str] = []
    for option_id, names in places.items():
        for name in names:
            key = phrase_key(name)
            if not key:
                continue
            if key in table and table[key][0] != option_id:
                problems.append(f"place {name!r} is listed under both {table[key][0]!r} and {option_id!r}")
                continue
            table.setdefault(key, (option_id, name))
    return table, problems
