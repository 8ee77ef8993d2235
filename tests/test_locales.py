"""Every string that is not flow text exists in Urdu; catalogues match the code."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import po_path, t, translations

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def code_msgids() -> set[str]:
    found = set()
    for sub in ("bot",):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            ROOT / sub, keywords={"N_": None, "t": (2,), "NP_": (1, 2)}, comment_tags=()
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def catalogue(lang: str) -> dict[str, str]:
    """msgid -> translation; a text with a count is listed by its singular, with its first form."""
    with po_path(lang).open("rb") as handle:
        found: dict[str, str] = {}
        for m in read_po(handle):
            if not m.id or m.fuzzy:
                continue
            if isinstance(m.id, tuple):
                found[m.id[0]] = m.string[0] if isinstance(m.string, tuple) else ""
            elif isinstance(m.id, str):  # babel reads an id as a str, or a tuple when it has a plural
                found[m.id] = m.string if isinstance(m.string, str) else ""
        return found


def test_code_has_strings_to_translate() -> None:
    assert len(code_msgids()) > 30


def test_every_code_string_has_an_urdu_translation() -> None:
    urdu = catalogue("ur")
    missing = sorted(m for m in code_msgids() if not urdu.get(m))
    assert missing == [], "untranslated (run pybabel extract/update, then translate):\n" + "\n".join(missing)


def test_english_catalogue_lists_every_code_string() -> None:
    assert sorted(code_msgids() - set(catalogue("en"))) == []


def test_urdu_translations_keep_the_placeholders_and_use_urdu_script() -> None:
    for msgid, text in catalogue("ur").items():
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(msgid)), msgid
        assert re.search("[\u0600-\u06ff]", text), f"not Urdu: {text!r}"


def test_translation_is_served_and_english_falls_back_to_the_msgid() -> None:
    assert t("ur", "Done") == "مکمل"
    assert t("en", "Done") == "Done"
    assert t("xx", "Done") == "Done"
    assert translations("ur") is translations("ur")


def test_every_code_string_has_a_roman_urdu_translation_in_latin_letters() -> None:
    roman = catalogue("roman")
    missing = sorted(m for m in code_msgids() if not roman.get(m))
    assert missing == [], "untranslated in locales/roman (see docs/roman-urdu.md):\n" + "\n".join(missing)
    for msgid, text in roman.items():
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(msgid)), msgid
        assert not re.search("[\u0600-\u06ff]", text), f"Roman Urdu is written in Latin letters: {text!r}"


def test_roman_urdu_is_served_as_its_own_language() -> None:
    assert t("roman", "Done") == "Mukammal"
    assert t("roman", "Yes, {option}", option="Punjab") == "Ji haan, Punjab"


def plural_entries(lang: str) -> dict[str, tuple[str, ...]]:
    with po_path(lang).open("rb") as handle:
        # babel reads a text with a plural as tuples: the id's forms and the translation's msgstr[n]
        return {
            m.id[0]: tuple(m.string)
            for m in read_po(handle)
            if isinstance(m.id, tuple) and isinstance(m.string, tuple) and not m.fuzzy
        }


def test_texts_with_a_count_have_every_plural_form_in_every_language() -> None:
    from bot.i18n import tn
    from bot.telegram.focal import texts as focal_texts

    for lang in ("ur", "roman"):
        forms = plural_entries(lang)
        assert forms and all(len(f) == 2 and all(f) for f in forms.values()), (lang, forms)
    assert tn("en", focal_texts.DIGEST_HEADER, 1).startswith("1 new case.") and tn(
        "en", focal_texts.DIGEST_HEADER, 2
    ).startswith("2 new cases.")
    assert tn("ur", focal_texts.DIGEST_HEADER, 1).startswith(
        "نئے کیس: 1"
    )  # a label and its number: right for any count
