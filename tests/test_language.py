"""Language of a first message: accuracy on realistic phrases, the prior, stripping, determinism."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cases import language
from bot.cases.language import Detection, detect_language
from testing.language_phrases import (
    CATEGORIES,
    ENGLISH_LONG,
    ENGLISH_SHORT,
    ROMAN_URDU_LONG,
    ROMAN_URDU_SHORT,
    URDU_SCRIPT_LONG,
    URDU_SCRIPT_SHORT,
)
from tests.conftest import ROOT

REASONS = {"urdu_script", "roman_urdu", "langdetect", "english_words", "greeting", "prior", "default"}


@pytest.mark.parametrize("name", list(CATEGORIES))
def test_every_category_has_at_least_twenty_phrases(name: str) -> None:
    assert len(CATEGORIES[name][1]) >= 20


@pytest.mark.parametrize("phrase", URDU_SCRIPT_SHORT + URDU_SCRIPT_LONG)
def test_urdu_script_is_urdu_by_script(phrase: str) -> None:
    detected = detect_language(phrase)
    assert (detected.lang, detected.reason) == ("ur", "urdu_script")


@pytest.mark.parametrize("phrase", ROMAN_URDU_SHORT + ROMAN_URDU_LONG)
def test_roman_urdu_is_roman_urdu(phrase: str) -> None:
    assert detect_language(phrase).lang == "roman"


@pytest.mark.parametrize("phrase", ENGLISH_SHORT + ENGLISH_LONG)
def test_english_is_english(phrase: str) -> None:
    assert detect_language(phrase).lang == "en"


CLEAR_SHORT = ("mujhe madad chahiye", "help chahiye", "theek hai", "kia karoon", "I need help", "my account hacked")


@pytest.mark.parametrize("phrase", ROMAN_URDU_LONG + ENGLISH_LONG + CLEAR_SHORT)
def test_a_contrary_prior_does_not_override_clear_text(phrase: str) -> None:
    detected = detect_language(phrase)
    other = "en" if detected.lang != "en" else "ur"
    assert detect_language(phrase, other).lang == detected.lang


@pytest.mark.parametrize(("text", "code"), [("help", "ur"), ("hello", "ur"), ("no", "ur")])
def test_one_weak_word_yields_to_the_prior(text: str, code: str) -> None:
    # "help", "hello" and "no" are everyday words in Roman Urdu too; one word is too little to overrule.
    assert detect_language(text, code) == Detection(code, "prior", 0.6)


@pytest.mark.parametrize(
    ("text", "code", "expected"),
    [
        ("/start", "ur", Detection("ur", "prior", 0.6)),
        ("/start", "ur-PK", Detection("ur", "prior", 0.6)),
        ("/start", "UR_pk", Detection("ur", "prior", 0.6)),
        ("/start", "en-GB", Detection("en", "prior", 0.6)),
        ("/start", "fr", Detection("en", "default", 0.5)),
        ("/start", None, Detection("en", "default", 0.5)),
        ("/start", "", Detection("en", "default", 0.5)),
        ("", "ur", Detection("ur", "prior", 0.6)),
        ("", None, Detection("en", "default", 0.5)),
        ("   \n ", "ur", Detection("ur", "prior", 0.6)),
        ("ok", "ur", Detection("ur", "prior", 0.6)),
        ("ok", "en", Detection("en", "prior", 0.6)),
        ("hi", "ur", Detection("ur", "prior", 0.6)),
        ("hi", None, Detection("en", "default", 0.5)),
        ("👍", "ur", Detection("ur", "prior", 0.6)),
        ("03001234567", "ur", Detection("ur", "prior", 0.6)),
    ],
)
def test_prior_decides_when_the_text_says_nothing(text: str, code: str | None, expected: Detection) -> None:
    assert detect_language(text, code) == expected


@pytest.mark.parametrize(
    "greeting", ["salam", "Salaam!", "AoA", "A.O.A", "a o a", "assalam o alaikum", "slam", "Assalamualaikum"]
)
@pytest.mark.parametrize("code", [None, "en", "ur"])
def test_a_bare_latin_greeting_is_likely_roman_urdu_but_not_sure(greeting: str, code: str | None) -> None:
    # Most Pakistani phones say "en" whatever their owner types, so the prior does not decide; but
    # English writers greet this way too, so the bot asks, with Roman Urdu offered first.
    detected = detect_language(greeting, code)
    assert detected == Detection("roman", "greeting", 0.55)
    assert not language.confident(detected)


def test_a_greeting_does_not_outweigh_english_sentences() -> None:
    assert detect_language("Salam, my cousin is being harassed on instagram", "ur").lang == "en"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/start punjab", Detection("en", "default", 0.5)),
        ("/start@NcciaReportBot mujhe_madad", Detection("en", "default", 0.5)),
        ("/help", Detection("en", "default", 0.5)),
        ("https://www.facebook.com/meri.beti.ko.tang.kar.raha.hai", Detection("en", "default", 0.5)),
        ("facebook.com/mujhe_madad_chahiye", Detection("en", "default", 0.5)),
        ("@meri_madad_karo", Detection("en", "default", 0.5)),
        ("someone@hotmail.com", Detection("en", "default", 0.5)),
        ("0300-1234567 😭😭 🙏", Detection("en", "default", 0.5)),
    ],
)
def test_commands_links_handles_numbers_and_emoji_carry_no_evidence(text: str, expected: Detection) -> None:
    assert detect_language(text) == expected


def test_text_after_a_command_other_than_start_is_the_users_own() -> None:
    assert detect_language("/help mujhe madad chahiye", "en").lang == "roman"
    assert detect_language("/start abc123 meri beti ko koi tang kar raha hai", "en").lang == "roman"
    assert detect_language("/start punjab someone is threatening my sister", "ur").lang == "en"


def test_a_link_in_english_cannot_make_it_urdu() -> None:
    text = "he posted it here https://example.com/meri-beti-ko-koi-tang-kar-raha-hai-aur-mujhe-madad-chahiye"
    assert detect_language(text).lang == "en"


def test_arabic_keyboard_letters_and_presentation_forms_count_as_urdu() -> None:
    assert detect_language("كيا هے").lang == "ur"  # Arabic kaf/yeh/heh, folded by normalise()
    assert detect_language("ﻣﺪﺩ").lang == "ur"  # presentation forms
    assert detect_language("ہ").reason == "urdu_script"  # one Urdu-only letter is enough


def test_mixed_scripts_are_decided_by_the_majority() -> None:
    assert detect_language("please help مجھے کوئی تنگ کر رہا ہے").reason == "urdu_script"
    assert detect_language("my sister is being harassed, she says مدد کریں").lang == "en"
    # A minority of Urdu-script words still counts as Urdu evidence among Latin words.
    assert detect_language("help chahiye مجھے").lang == "ur"


def test_long_latin_text_without_listed_words_goes_to_langdetect() -> None:
    found = detect_language(
        "Respected officer, kindly investigate fraudulent activity regarding unauthorised transfers"
    )
    assert (found.lang, found.reason) == ("en", "langdetect")


def test_langdetect_languages_other_than_english_and_urdu_fall_back_to_the_prior() -> None:
    french = "Bonjour, je voudrais signaler un harcèlement en ligne contre ma fille"
    assert detect_language(french, "ur") == Detection("ur", "prior", 0.6)
    assert detect_language(french) == Detection("en", "default", 0.5)


def test_langdetect_failure_is_handled(monkeypatch: pytest.MonkeyPatch) -> None:
    from langdetect.lang_detect_exception import LangDetectException

    class Failing:
        def create(self) -> Failing:
            return self

        def append(self, text: str) -> None:
            raise LangDetectException(0, "No features in text.")

    monkeypatch.setattr(language, "_factory", Failing())
    assert detect_language("qwrtp zxcvb plmkn bvcxz lkjhg mnbvc", "ur") == Detection("ur", "prior", 0.6)


@pytest.mark.parametrize(
    "phrase", ROMAN_URDU_LONG[:5] + ENGLISH_LONG[:5] + URDU_SCRIPT_SHORT[:3] + ("qwrtp zxcvb plmkn bvcxz lkjhg",)
)
def test_detection_is_deterministic(phrase: str) -> None:
    first = detect_language(phrase)
    assert all(detect_language(phrase) == first for _ in range(20))


def test_langdetect_result_is_deterministic() -> None:
    text = "Respected officer, kindly investigate fraudulent activity regarding unauthorised transfers"
    assert len({detect_language(text) for _ in range(20)}) == 1


@pytest.mark.parametrize("phrase", URDU_SCRIPT_LONG + ROMAN_URDU_LONG + ENGLISH_LONG)
def test_confidence_is_a_fraction(phrase: str) -> None:
    assert 0.0 <= detect_language(phrase).confidence <= 1.0


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(max_size=400), code=st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["ur", "en-GB", "hi"]))
)
def test_arbitrary_text_never_raises_and_is_a_reply_language(text: str, code: str | None) -> None:
    detected = detect_language(text, code)
    assert detected.lang in {"ur", "roman", "en"}
    assert detected.reason in REASONS
    assert 0.0 <= detected.confidence <= 1.0


@settings(max_examples=100, deadline=None)
@given(
    words=st.lists(st.sampled_from(["mujhe", "madad", "the", "is", "koi", "hai", "help", "xyz", "مدد"]), max_size=30)
)
def test_mixtures_of_listed_words_never_raise(words: list[str]) -> None:
    assert detect_language(" ".join(words)).lang in {"ur", "roman", "en"}


@pytest.mark.parametrize(
    ("text", "expected"), [("plzzz helppp meee", "en"), ("salaaam", "roman"), ("mujheee madaddd", "roman")]
)
def test_stretched_chat_spellings_are_recognised(text: str, expected: str) -> None:
    assert detect_language(text).lang == expected


def test_importing_the_module_does_not_load_langdetect() -> None:
    code = "import sys, bot.cases.language; sys.exit('langdetect' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False).returncode == 0


def test_a_huge_message_is_decided_from_its_opening() -> None:
    text = "meri beti ko koi tang kar raha hai. " + "someone is threatening my daughter. " * 2000
    assert detect_language(text).lang == "en"
    assert detect_language("meri beti ko koi tang kar raha hai " * 1000 + "the end is here").lang == "roman"


@pytest.mark.parametrize(
    "text", ["hogya hack mera account", "mdd krdo jldi", "btao kia krun", "krdi usne pics share", "hello g"]
)
def test_vowel_less_texting_forms_are_roman_urdu(text: str) -> None:
    assert detect_language(text, "en").lang == "roman"


def test_urdu_script_words_among_a_few_roman_ones_mean_an_urdu_reader() -> None:
    assert detect_language("help chahiye مجھے مدد").lang == "ur"
