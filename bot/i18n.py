"""Strings that are not flow text, from the gettext catalogues in ``locales/`` (babel workflow).

Catalogues are compiled in memory from the ``.po`` files when first used, so a compiled catalogue can
never be stale and no ``.mo`` file is kept in the repository. Extraction keywords: ``N_`` (engine
msgids, translated later), ``t:2`` (``t(lang, "msgid", **params)`` in adapters) and ``NP_:1,2``
(texts with a count, translated with ``tn``).

Digits: Babel formats ``ur`` numbers with Latin digits, and so do we, on purpose: references, PINs,
phone numbers and helplines must be typed or dialled exactly as shown, and Pakistani phones and
forms use Latin digits for them. Input in Urdu digits is accepted everywhere (``normalise``).
"""

from __future__ import annotations

import functools
import gettext
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.engine.outcome import ParamValue, Reason
from bot.paths import LOCALES_DIR

DOMAIN = "messages"
LANGUAGES = ("en", "ur", "roman")
# Babel knows no locale for Roman Urdu (Urdu in Latin letters); its catalogue is read without one.
_BABEL_LOCALE = {"en": "en", "ur": "ur", "roman": None}


def po_path(lang: str) -> Path:
    return LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    path = po_path(lang)
    if lang not in LANGUAGES or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=_BABEL_LOCALE[lang])
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


Plural = tuple[str, str]


def NP_(singular: str, plural: str) -> Plural:
    """Marks a text that depends on a count (extraction keyword ``NP_:1,2``); translate it with ``tn``."""
    return singular, plural


def tn(lang: str, forms: Plural, count: int, **params: ParamValue) -> str:
    """The form of ``forms`` for ``count`` in ``lang``'s plural rule (gettext), with ``{count}`` filled.

    English has "1 new case" and "2 new cases"; Urdu's catalogue may write both as "نئے کیس: 1",
    which agrees whatever the number.
    """
    text = translations(lang).ngettext(forms[0], forms[1], count)
    values = {"count": count, **params}
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        return (forms[0] if count == 1 else forms[1]).format(**values)


def t(lang: str, msgid: str, **params: ParamValue) -> str:
    """Translate ``msgid`` into ``lang`` and fill its ``{name}`` parameters."""
    text = translations(lang).gettext(msgid)
    if not params:
        return text
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        # A translator's typo in a placeholder must not silence the message: use the English one.
        return msgid.format(**params)


def reason(lang: str, value: Reason) -> str:
    return t(lang, value.msgid, **value.params)
