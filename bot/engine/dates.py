"""Parse the answer to "When did it start?" into an approximate date.

The person answering may be upset, may not remember the exact day, and may type English, Roman
Urdu or Urdu script. The agency only needs an approximate date, so we accept what people actually
write (day-first numeric dates as used in Pakistan, month names, "2 hafte pehle") and keep the
precision they gave rather than inventing a day they did not say. Input has already been through
``normalise()``, so digits are ASCII and Arabic letters are folded to their Urdu forms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from bot.engine.outcome import N_, Invalid, Outcome, Reason, Valid

EARLIEST_YEAR = 1990

UNRECOGNISED = N_(
    "Sorry, I could not understand that date. An approximate date is fine, "
    "for example 12/03/2025, March 2025 or 2 weeks ago."
)
IMPOSSIBLE = N_(
    "That date does not exist in the calendar. Please check the day and month, for example 12/03/2025 or March 2025."
)
FUTURE = N_(
    "That date is in the future. Please tell me when it started, for example 12/03/2025, March 2025 or 2 weeks ago."
)
TOO_EARLY = N_("Please give a date from {year} onwards, for example 12/03/2025, March 2025 or 2 weeks ago.")


@dataclass(frozen=True, slots=True)
class ApproxDate:
    iso: str  # "2025-03-12", "2025-03" or "2025"
    precision: str  # "day" | "month" | "year"


def _table(groups: Iterable[str]) -> dict[str, int]:
    """Map every spelling in group ``i`` (space-separated) to ``i + 1``."""
    return {word: i for i, group in enumerate(groups, start=1) for word in group.split()}


def _words(*groups: str) -> frozenset[str]:
    return frozenset(word for group in groups for word in group.split())


def _alt(words: Iterable[str]) -> str:
    # Longest first, so "march" is tried before "mar" and "sept" before "sep".
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _urdu_variants(table: dict[str, int]) -> dict[str, int]:
    # Final ی is often typed as ے, and the ی after hamza (مئی, جولائی) is often dropped.
    out = dict(table)
    for word, value in table.items():
        if word.endswith("ئی"):
            out.setdefault(word[:-1], value)
        if word.endswith("ی"):
            out.setdefault(word[:-1] + "ے", value)
    return out


_MONTHS = _urdu_variants(
    _table(
        (
            "january jan janwari janwary janvari جنوری",
            "february feb febuary feburary farwari farwary farvari فروری",
            "march mar مارچ",
            "april apr aprail aprel apral اپریل",
            "may mayi مئی",
            "june jun joon جون",
            "july jul julai julaai جولائی",
            "august aug agast agust اگست",
            "september sep sept sitambar satambar ستمبر",
            "october oct aktubar aktobar oktobar اکتوبر",
            "november nov nawambar novembar navambar نومبر",
            "december dec disambar dasambar decembar دسمبر",
        )
    )
)
_DAY, _WEEK, _MONTH, _YEAR = 1, 2, 3, 4
_UNITS = _table(
    (
        "day days din dino dinon دن دنوں",
        "week weeks wk wks hafta hafte haftay haftey hafton ہفتہ ہفتے ہفتوں",
        "month months mahina mahine mahinay maheena maheene maheenay mahinon ماہ مہینہ مہینے مہینوں",
        "year years yr yrs saal sal saalon baras سال سالوں برس",
    )
)
# "a few" / "kuch" / "چند" become 3: an approximate answer the agency can use beats a refusal.
_NUMBERS = _table(
    (
        "a an one ek aik ایک",
        "two couple do دو",
        "three few teen tin kuch تین چند کچھ",
        "four char chaar چار",
        "five panch paanch پانچ",
        "six chay chhe چھ",
    )
)
_AGO = _words("ago back before earlier pehle pehlay pehley pahle pahlay phle pehly qabl پہلے قبل")
_LAST = _words(
    "last past previous pichle pichlay pichley pichhle pichhlay pichla pichli guzishta guzashta",
    "پچھلے پچھلا پچھلی گزشتہ گذشتہ",
)
_THIS = _words("this is iss isi اس اسی")
_DAYS_BACK = _table(("today aaj aj آج", "yesterday kal کل", "parson parsun پرسوں"))
# Words around the date that add nothing we store ("since", "taqreeban", "سے", "mein"); "early"
# and "end" only refine within the precision already given, so dropping them loses nothing.
_FILLERS = _words(
    "around about almost approximately approx roughly nearly maybe probably since from for in on at",
    "of the it started start began taqreeban taqriban takreeban lagbhag se say sy ko mein main me mai",
    "shuru hua hui raat night early mid late end beginning ke ki",
    "تقریبا لگ بھگ سے میں کو شاید شروع ہوا ہوئی رات کے کی",
)

_ORD = r"(?:st|nd|rd|th)?"
_NUMERIC_DAY = re.compile(r"([0-9]{1,2})([/.\-])([0-9]{1,2})\2([0-9]{4}|[0-9]{2})")
_ISO_DAY = re.compile(r"([0-9]{4})([/.\-])([0-9]{1,2})\2([0-9]{1,2})")
_NUMERIC_MONTH = re.compile(r"([0-9]{1,2})[/.\-]([0-9]{4})")
_ISO_MONTH = re.compile(r"([0-9]{4})[/\-]([0-9]{1,2})")
_YEAR_ONLY = re.compile(r"[0-9]{4}")
_NAMED = re.compile(
    rf"(?:(?P<d1>[0-9]{{1,2}}){_ORD}\s*)?(?P<mon>{_alt(_MONTHS)})"
    rf"(?:\s*(?P<d2>[0-9]{{1,2}}){_ORD})?(?:\s*(?P<y>[0-9]{{4}}))?"
)
_RELATIVE = re.compile(
    rf"(?:(?P<last>{_alt(_LAST)})\s+)?(?:(?:an?\s+)?(?P<n>[0-9]{{1,6}}|{_alt(_NUMBERS)})\s*)?"
    rf"(?P<unit>{_alt(_UNITS)})(?:\s+(?P<ago>{_alt(_AGO)}))?"
)
_CURRENT = re.compile(rf"(?:{_alt(_THIS)})\s+(?P<unit>{_alt(_UNITS)})")

_HARAKAT = re.compile("[\u064b-\u065f\u0670]")  # short-vowel marks: تقریباً and تقریبا are one word
_PUNCT = re.compile(r"[,;:!?؟۔()\"'“”‘’]|(?<![0-9])[./\-]|[./\-](?![0-9])")
_SEPARATOR_SPACES = re.compile(r"(?<=[0-9])\s*([/.\-])\s*(?=[0-9])")


def _clean(text: str) -> str:
    text = text.casefold()[:200]  # nothing longer is a date; keeps the regexes cheap
    # ی followed by a separate hamza mark is how some keyboards type ئ (مئی, جولائی).
    text = text.replace("\u06cc\u0654", "\u0626").replace("\u06cc\u0674", "\u0626")
    text = _HARAKAT.sub("", text)
    text = re.sub(r"([0-9])\s*ء", r"\1", text)  # "2025ء": Urdu marks Common Era years with hamza
    text = text.replace("day before yesterday", "parson").replace("last night", "yesterday")
    text = _PUNCT.sub(" ", _SEPARATOR_SPACES.sub(r"\1", text))
    return " ".join(word for word in text.split() if word not in _FILLERS)


def _check(today: date, year: int, month: int | None = None, day: int | None = None) -> Outcome[ApproxDate]:
    if year < EARLIEST_YEAR:
        return Invalid(Reason(TOO_EARLY, {"year": EARLIEST_YEAR}))
    try:
        start = date(year, 1 if month is None else month, 1 if day is None else day)
    except ValueError:
        return Invalid(Reason(IMPOSSIBLE))
    # One day of slack: the person may be a time zone ahead of the server's "today".
    if start.toordinal() > today.toordinal() + 1:
        return Invalid(Reason(FUTURE))
    if day is not None:
        return Valid(ApproxDate(start.isoformat(), "day"))
    if month is not None:
        return Valid(ApproxDate(f"{year:04d}-{month:02d}", "month"))
    return Valid(ApproxDate(f"{year:04d}", "year"))


def _days_before(today: date, days: int) -> Outcome[ApproxDate]:
    # Compare ordinals before building a date, so "99999 days ago" cannot overflow.
    ordinal = today.toordinal() - days
    if ordinal < date(EARLIEST_YEAR, 1, 1).toordinal():
        return Invalid(Reason(TOO_EARLY, {"year": EARLIEST_YEAR}))
    found = date.fromordinal(ordinal)
    return _check(today, found.year, found.month, found.day)


def _ago(today: date, n: int, unit: int) -> Outcome[ApproxDate]:
    if unit in (_DAY, _WEEK):
        return _days_before(today, n * (7 if unit == _WEEK else 1))
    if unit == _MONTH:
        months = today.year * 12 + today.month - 1 - n
        return _check(today, months // 12, months % 12 + 1)
    return _check(today, today.year - n)


def _without_year(today: date, month: int, day: int | None) -> Outcome[ApproxDate]:
    """ "March" or "12 March" alone means the most recent one that is not in the future."""
    if day is None:
        return _check(today, today.year if month <= today.month else today.year - 1, month)
    try:
        date(2000, month, day)  # a leap year, so 29 February counts as possible
    except ValueError:
        return Invalid(Reason(IMPOSSIBLE))
    for year in range(today.year, max(today.year - 8, EARLIEST_YEAR - 1), -1):
        try:
            if date(year, month, day) <= today:
                return _check(today, year, month, day)
        except ValueError:  # 29 February in a common year: try the year before
            continue
    return Invalid(Reason(TOO_EARLY, {"year": EARLIEST_YEAR}))


def parse_approx_date(text: str, today: date) -> Outcome[ApproxDate]:
    """Read an approximate start date, refusing unreadable, impossible, future and pre-1990 dates."""
    cleaned = _clean(text)
    if m := _NUMERIC_DAY.fullmatch(cleaned):
        year = int(m[4]) + (2000 if len(m[4]) == 2 else 0)
        return _check(today, year, int(m[3]), int(m[1]))
    if m := _ISO_DAY.fullmatch(cleaned):
        return _check(today, int(m[1]), int(m[3]), int(m[4]))
    if m := _NUMERIC_MONTH.fullmatch(cleaned):
        return _check(today, int(m[2]), int(m[1]))
    if m := _ISO_MONTH.fullmatch(cleaned):
        return _check(today, int(m[1]), int(m[2]))
    if _YEAR_ONLY.fullmatch(cleaned):
        return _check(today, int(cleaned))
    if m := _NAMED.fullmatch(cleaned):
        if m["d1"] and m["d2"]:
            return Invalid(Reason(UNRECOGNISED))
        month = _MONTHS[m["mon"]]
        digits = m["d1"] or m["d2"]
        day = int(digits) if digits else None
        if m["y"]:
            return _check(today, int(m["y"]), month, day)
        return _without_year(today, month, day)
    if cleaned in _DAYS_BACK:
        return _days_before(today, _DAYS_BACK[cleaned] - 1)
    if m := _CURRENT.fullmatch(cleaned):
        unit = _UNITS[m["unit"]]
        if unit == _WEEK:  # the week began on Monday, the earliest it can have started
            return _days_before(today, today.weekday())
        return _ago(today, 0, unit)
    if (m := _RELATIVE.fullmatch(cleaned)) and (m["last"] or m["n"] or m["ago"]):
        # "since 2 weeks" and "pichle 2 hafte se" mean the same as "2 weeks ago" in Pakistani usage.
        n = 1 if m["n"] is None else _NUMBERS.get(m["n"]) or int(m["n"])
        return _ago(today, n, _UNITS[m["unit"]])
    return Invalid(Reason(UNRECOGNISED))


_MONTH_NAMES = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "ur": ["جنوری", "فروری", "مارچ", "اپریل", "مئی", "جون", "جولائی", "اگست", "ستمبر", "اکتوبر", "نومبر", "دسمبر"],
}


def describe(iso: str, lang: str) -> str:
    """A stored approximate date as people write it: ``2025-03`` -> ``March 2025`` / ``مارچ 2025``.

    Digits stay Latin in Urdu, as on Pakistani forms (see ``bot.i18n``); anything that is not one
    of our ISO shapes is returned unchanged.
    """
    names = _MONTH_NAMES.get(lang, _MONTH_NAMES["en"])
    parts = iso.split("-")
    if not all(p.isdigit() for p in parts) or not 1 <= len(parts) <= 3:
        return iso
    if len(parts) == 1:
        return parts[0]
    month = int(parts[1])
    if not 1 <= month <= 12:
        return iso
    if len(parts) == 2:
        return f"{names[month - 1]} {parts[0]}"
    return f"{int(parts[2])} {names[month - 1]} {parts[0]}"
