from __future__ import annotations

import pytest

from bot.engine.normalise import MAX_INPUT_CHARS, fold_for_match, match_words, normalise


def test_arabic_letters_fold_to_urdu_forms() -> None:
    assert normalise("كيا هے") == "کیا ہے"


def test_urdu_and_arabic_digits_become_ascii() -> None:
    assert normalise("۰۳۰۰ ١٢٣٤٥٦٧") == "0300 1234567"


def test_nfkc_turns_fullwidth_and_presentation_forms_into_plain_letters() -> None:
    assert normalise("ＡＢＣ ﻻ") == "ABC لا"


def test_bidi_and_zero_width_marks_are_dropped_but_inner_zwnj_kept() -> None:
    assert normalise("\u200f\u202bسلام\u202c\u200b") == "سلام"
    assert normalise("می\u200cخواهم") == "می\u200cخواہم"


def test_input_is_trimmed_and_capped() -> None:
    assert normalise("  hello \n") == "hello"
    assert len(normalise("x" * (MAX_INPUT_CHARS * 3))) == MAX_INPUT_CHARS


def test_match_key_ignores_case_and_repeated_spaces() -> None:
    assert fold_for_match("  For   MYSELF ") == "for myself"


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Haan JEE", ("han", "je")),  # case folded, a run of one Latin letter counts once
        ("maar   diya", ("mar", "diya")),
        ("don't", ("dont",)),
        ("don\u2019t know", ("dont", "know")),
        ("aap ko  pata hai?", ("ap", "ko", "pata", "hai")),
        ("جی ہاں", ("جی", "ہاں")),
        ("جِی ہاں", ("جی", "ہاں")),  # a zer typed or not: the same key
        ("مجھے\u200cمعلوم نہیں", ("مجھےمعلوم", "نہیں")),  # ZWNJ dropped inside a word
        ("ہاں aa", ("ہاں", "a")),  # Urdu and Roman in one text: marks walk and letter runs both apply
        ("", ()),
    ],
)
def test_match_words_is_the_same_key_for_the_same_words(typed: str, key: tuple[str, ...]) -> None:
    assert match_words(typed) == key
