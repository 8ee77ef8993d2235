"""Connected cases: what a report says about the abuser, as keys that match across reports.

Several victims often report the same account, each in her own spelling: ``@Bad.Guy99`` typed in the
suspects answer, ``instagram.com/bad.guy99/`` pasted as evidence, the app's share link with its
tracking. Each identifier is brought to one form (a handle in lower case whichever profile link or
``@`` it came from; other links in their canonical form; phone numbers in E.164) and then kept only
as a keyed hash (HMAC-SHA256 under the match key, ``bot/store/match_key.py``): the store can tell two
reports name the same account, never which account, and the key is not the data key, so rotating
that one leaves every match in place.

Only what the citizen says about the abuser is read: the suspects answer (handles, links and phone
numbers), the evidence links, and in her account only explicit ``@handles`` and links. Never her own
phone number or name. Pure: no Telegram, no SQL.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qs, urlsplit

from bot.engine.links import Link, extract_links, normalise_link
from bot.engine.model import Flow
from bot.engine.normalise import normalise
from bot.engine.outcome import Valid
from bot.engine.session import Answer

DEFAULT_REGION = "PK"
MAX_KEYS = 64  # a report naming more than this is not naming one abuser; the first ones are kept
_DOMAIN = b"nccia-report-bot connected cases v1\x00"  # bumped if the identifiers' forms ever change

# "@name" not glued to a word, a dot, a slash or another "@" (so not an e-mail, nor a link's "/@name").
_HANDLE = re.compile(r"(?<![\w@./])@([A-Za-z0-9._]{2,64})")
_HANDLE_CHARS = re.compile(r"[a-z0-9._]{2,64}")
# Tokens of free text that are links or e-mail addresses: their digits are not phone numbers.
_NOT_PHONE = re.compile(r"\S*(?:/|@|\.[A-Za-z]{2,})\S*")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# First path segments that are pages of the platform, not somebody's profile.
_RESERVED: dict[str, frozenset[str]] = {
    "instagram": _words("p reel reels tv explore accounts direct about legal developer s web"),
    "facebook": _words(
        "pages groups watch watch.php photo photo.php photos story.php permalink.php events marketplace share "
        "sharer sharer.php reel videos hashtag messages login help home.php search notifications friends gaming "
        "media l.php dialog profile.php people stories settings privacy policies"
    ),
    "x": _words(
        "i home search explore hashtag intent share settings messages notifications compose login signup tos privacy"
    ),
    "telegram": _words("joinchat c s share addstickers addemoji addtheme proxy socks iv login"),
}
_MESSENGER_HOSTS = ("m.me", "messenger.com", "fb.watch", "fb.me")  # facebook's, but not profile pages
_SHORT_HOSTS = ("t.co", "youtu.be")  # a shortener, video ids: kept as links
_PREFIXES = ("www.", "m.", "mobile.", "web.")


def _on(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def _handle(raw: str) -> str | None:
    """A handle in its one form: lower case, without "@" or the full stop of a sentence around it."""
    name = raw.strip().lstrip("@").rstrip(".").lower()
    return name if _HANDLE_CHARS.fullmatch(name) else None


def _profile(link: Link) -> str | None:
    """The identifier of a profile link (``handle:…`` or ``facebook-id:…``), or None for any other link."""
    parts = urlsplit(link.url)
    host = (parts.hostname or "").lower()
    segments = [s for s in parts.path.split("/") if s]
    first = segments[0] if segments else ""
    platform = link.platform
    if any(_on(host, h) for h in _SHORT_HOSTS) or not first:
        return None
    if platform == "whatsapp" and _on(host, "wa.me") and first.isdigit():
        return _phone_key("+" + first)
    if platform in ("tiktok", "youtube"):
        # Only "/@name…" is a profile; /watch, /shorts, /channel/UC… and /video/… are not names.
        return _key("handle", _handle(first)) if first.startswith("@") else None
    if platform == "snapchat":
        if first == "add" and len(segments) > 1:
            return _key("handle", _handle(segments[1]))
        return _key("handle", _handle(first)) if first.startswith("@") else None
    if platform == "facebook":
        if any(_on(host, h) for h in _MESSENGER_HOSTS):
            return None
        if first == "profile.php":
            found = parse_qs(parts.query).get("id", [""])[0]
            return f"facebook-id:{found}" if found.isdigit() else None
        if first == "people" and len(segments) > 2 and segments[2].isdigit():
            return f"facebook-id:{segments[2]}"
    if platform in _RESERVED:
        if first.lower() in _RESERVED[platform] or first.startswith("+"):
            return None
        if platform == "instagram" and first == "stories" and len(segments) > 1:
            return _key("handle", _handle(segments[1]))
        return _key("handle", _handle(first))
    return None


def _plain_link(link: Link) -> str | None:
    """Any other link, in a form that ignores scheme, "www."/"m.", a trailing slash and the fragment."""
    parts = urlsplit(link.url)
    host = (parts.hostname or "").lower()
    for prefix in _PREFIXES:
        if host.startswith(prefix) and host.count(".") > 1:
            host = host[len(prefix) :]
            break
    path = parts.path.rstrip("/")
    if not path and not parts.query:
        return None  # a site's front page names nobody
    return f"link:{host}{path}" + (f"?{parts.query}" if parts.query else "")


def _key(kind: str, value: str | None) -> str | None:
    return f"{kind}:{value}" if value else None


def _phone_key(text: str, region: str = DEFAULT_REGION) -> str | None:
    import phonenumbers  # at the first report's matching, not at start (see engine/validators._phone)

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return "phone:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _link_identifiers(links: Iterable[Link]) -> list[str]:
    found = []
    for link in links:
        key = _profile(link) or _plain_link(link)
        if key:
            found.append(key)
    return found


def _handles(text: str) -> list[str]:
    return [key for key in (_key("handle", _handle(m.group(1))) for m in _HANDLE.finditer(text)) if key]


def _phones(text: str) -> list[str]:
    import phonenumbers

    without_links = _NOT_PHONE.sub(" ", text)
    found = []
    for match in phonenumbers.PhoneNumberMatcher(without_links, DEFAULT_REGION):
        key = "phone:" + phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        found.append(key)
    return found


def _field(flow: Flow, answers: Mapping[str, Answer], name: str) -> Answer:
    # As reports.field (which imports this module): the flow's ``report:`` block names the step.
    step_id = flow.report.get(name)
    return answers.get(step_id) if step_id else None


def _text(answer: Answer) -> str:
    return normalise(answer) if isinstance(answer, str) else ""


def identifiers(flow: Flow, answers: Mapping[str, Answer]) -> list[str]:
    """What the report names about the abuser, each in its one form (``handle:…``, ``facebook-id:…``,
    ``phone:+92…``, ``link:…``), in order of appearance, without repeats."""
    suspects = _text(_field(flow, answers, "suspects"))
    account = _text(_field(flow, answers, "account"))
    evidence: list[Link] = []
    raw_evidence = _field(flow, answers, "evidence")
    for item in raw_evidence if isinstance(raw_evidence, list) else []:
        if isinstance(item, dict) and isinstance(item.get("url"), str):
            outcome = normalise_link(str(item["url"]))
            if isinstance(outcome, Valid):
                evidence.append(outcome.value)
    found = [
        *_handles(suspects),
        *_link_identifiers(extract_links(suspects).links),
        *_phones(suspects),
        *_link_identifiers(evidence),
        *_handles(account),
        *_link_identifiers(extract_links(account).links),
    ]
    # The citizen's own number, typed among the abuser's ("he calls my 0300… from 0321…"), is hers.
    own = _field(flow, answers, "phone")
    own_key = _phone_key(own) if isinstance(own, str) and own else None
    return [key for key in dict.fromkeys(found) if key != own_key]


def keyed(identifier: str, match_key: bytes) -> str:
    """The identifier as the store keeps it: HMAC-SHA256 under the match key, in hex."""
    return hmac.new(match_key, _DOMAIN + identifier.encode(), hashlib.sha256).hexdigest()


def match_keys(flow: Flow, answers: Mapping[str, Answer], match_key: bytes) -> tuple[str, ...]:
    """The report's match keys, for ``NewReport.match_keys``; nothing in clear leaves this function."""
    return tuple(keyed(identifier, match_key) for identifier in identifiers(flow, answers)[:MAX_KEYS])
