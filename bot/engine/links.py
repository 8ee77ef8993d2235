"""Evidence links: find them in a citizen's free-text message and store each in one canonical form.

Victims paste links the way their apps share them: inside Urdu or English sentences, without a scheme,
wrapped in brackets, followed by a full stop, and loaded with tracking parameters that can identify
the person who shared them. The agency needs each link once, in a form an officer can open safely, so
we keep only public http(s) addresses, strip the tracking, and tell the citizen kindly about any link
we could not keep. Pure: no I/O, so the flow engine can call it anywhere.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, unquote_plus, urlsplit

import idna

from bot.engine.normalise import normalise
from bot.engine.outcome import N_, Invalid, Outcome, Reason, Valid

MAX_LINK_CHARS = 2048
MAX_LINKS_PER_REPORT = 25

PLATFORMS: tuple[str, ...] = (
    "facebook",
    "instagram",
    "tiktok",
    "whatsapp",
    "youtube",
    "x",
    "snapchat",
    "telegram",
    "other",
)


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    platform: str


@dataclass(frozen=True, slots=True)
class Extraction:
    links: tuple[Link, ...]
    refused: tuple[Reason, ...]


REFUSED_SCHEME = N_(
    "Only web links that start with http:// or https:// can be saved, "
    "so the link starting with {scheme}: was not saved."
)
TOO_LONG = N_(
    "A link was too long to save (the limit is {max} characters). "
    "If you can, please send a shorter link to the same page."
)
NOT_PUBLIC = N_(
    "A link does not lead to a public website, so it was not saved. "
    "Please send the link exactly as it appears in the app or website."
)
INCOMPLETE = N_(
    "A link looks incomplete, so it was not saved. "
    "Please copy the whole link from the app or website and send it again."
)
UNREADABLE_HOST = N_(
    "The website name in a link could not be read, so the link was not saved. "
    "Please copy the whole link from the app or website and send it again."
)

_PLATFORM_DOMAINS: dict[str, tuple[str, ...]] = {
    "facebook": ("facebook.com", "fb.com", "fb.watch", "fb.me", "messenger.com", "m.me"),
    "instagram": ("instagram.com", "instagr.am"),
    "tiktok": ("tiktok.com",),
    "whatsapp": ("whatsapp.com", "wa.me"),
    "youtube": ("youtube.com", "youtu.be"),
    "x": ("x.com", "twitter.com", "t.co"),
    "snapchat": ("snapchat.com",),
    "telegram": ("t.me", "telegram.me", "telegram.org", "telegram.dog"),
}
_X_QUERY_HOSTS = ("x.com", "twitter.com")

# Schemes named so that "javascript:alert(1)" is reported rather than silently ignored; any other
# "name://" is caught by the generic pattern.
_NAMED_SCHEMES = "javascript|vbscript|data|file|ftp|blob|about|intent|content|chrome"
# Parameters that only identify the sharer or the share, never the content (lower-cased keys).
_TRACKING = re.compile(
    r"utm_.*|__.*|fbclid|[gd]clid|msclkid|igshid|igsh|mibextid|si|_[tr]|rdid|is_from_webapp|sender_(device|web_id)"
    r"|share_(app_id|link_id|url)|ref_(src|url)"
)
_NOT_PUBLIC_SUFFIXES = ("localhost", "local", "internal", "home.arpa")

_HOSTS = "|".join(re.escape(d) for ds in _PLATFORM_DOMAINS.values() for d in ds)
_BARE_HOST = rf"(?<![A-Za-z0-9.@/-])(?:[A-Za-z0-9-]+\.)*(?:{_HOSTS})(?![A-Za-z0-9-]|\.[A-Za-z0-9])"
_BODY_CHAR = r"[^\s<>\"`\x00-\x1f\x7f،۔,]"
# A scheme is at most 32 characters: a longer "scheme" is a word glued to a link, and quoting it back in
# the refusal could exceed a Telegram message (the fuzzer found 5,000 letters before "://").
_WITH_SCHEME = rf"(?<![A-Za-z0-9+.-])(?:[A-Za-z][A-Za-z0-9+.-]{{0,31}}://|(?:{_NAMED_SCHEMES}):(?={_BODY_CHAR}))"
_START = rf"{_WITH_SCHEME}|(?<![A-Za-z0-9.@/-])www\."
# A comma ends a link only when another link follows it at once ("a.pk/x,b.pk/y"); elsewhere
# commas are legal URL characters. Urdu sentence marks and quotes never appear unencoded in links.
_BODY = rf"(?:{_BODY_CHAR}|,(?!{_START}|{_BARE_HOST}))"
_CANDIDATE = re.compile(rf"(?:{_START}){_BODY}*|{_BARE_HOST}(?:[/?#:]{_BODY}*)?", re.IGNORECASE)
_SCHEME = re.compile(rf"([A-Za-z][A-Za-z0-9+.-]{{0,31}})(?:://|:(?!\d))|({_NAMED_SCHEMES}):", re.IGNORECASE)
_GLUED = re.compile(r"[a-z]+?(https?)")
_LABEL = re.compile(r"[a-z0-9_-]{1,63}")
_IPV4_PART = re.compile(r"0x[0-9a-f]*|[0-9]+")

_TRAILING = ".,;:!?'\"…۔،"
_CLOSERS = {")": "(", "]": "[", "}": "{", "»": "«", "”": "“", "’": "‘"}


def _trim(candidate: str) -> str:
    """Drop sentence punctuation after a link, and closing brackets the link did not open."""
    # Counted once: re-counting for each stripped character is quadratic on a long run of ")".
    unopened = {closer: candidate.count(closer) - candidate.count(opener) for closer, opener in _CLOSERS.items()}
    end = len(candidate)
    while end:
        last = candidate[end - 1]
        if unopened.get(last, 0) > 0:
            unopened[last] -= 1
        elif last not in _TRAILING:
            break
        end -= 1
    return candidate[:end]


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a browser would read in ``host``, or None for a name. Raises ValueError if invalid.

    Browsers read "0x7f.1" and "2130706433" as 127.0.0.1, so numeric hosts are parsed as they do
    (WHATWG URL standard); otherwise a private address could slip past as a "name".
    """
    if ":" in host:
        return ipaddress.IPv6Address(host)
    parts = host.split(".")
    if not _IPV4_PART.fullmatch(parts[-1]):
        return None
    if len(parts) > 4 or not all(_IPV4_PART.fullmatch(part) for part in parts):
        raise ValueError(host)
    numbers: list[int] = []
    for part in parts:
        base = 16 if part.startswith("0x") else 8 if len(part) > 1 and part.startswith("0") else 10
        digits = part[2:] if base == 16 else part
        numbers.append(int(digits, base) if digits else 0)
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise ValueError(host)
    value = numbers[-1] + sum(n << (8 * (3 - i)) for i, n in enumerate(numbers[:-1]))
    return ipaddress.IPv4Address(value)


def _host(parts: SplitResult) -> str | Reason:
    """The canonical ASCII host, or why the link cannot be kept."""
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return Reason(INCOMPLETE)
    try:
        address = _ip(host)
    except ValueError:
        return Reason(NOT_PUBLIC)
    if address is not None:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            return Reason(NOT_PUBLIC)
        return f"[{address}]" if address.version == 6 else str(address)
    if not host.isascii():
        # Only non-ASCII labels go through IDNA: IDNA 2008 refuses real ASCII hosts such as
        # "r3---sn-abc.googlevideo.com" or "my_site.example" that browsers open happily.
        try:
            mapped = idna.uts46_remap(host, std3_rules=False, transitional=False)
            labels = [lb if lb.isascii() else idna.alabel(lb).decode("ascii") for lb in mapped.split(".")]
            host = ".".join(labels)
        except (idna.IDNAError, UnicodeError, ValueError):
            return Reason(UNREADABLE_HOST)
    labels = host.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels) or len(host) > 253:
        return Reason(UNREADABLE_HOST)
    if len(labels) < 2 or _on(host, _NOT_PUBLIC_SUFFIXES):
        return Reason(NOT_PUBLIC)
    return host


def _on(host: str, domains: Sequence[str]) -> bool:
    # Suffix match on the whole host covers "www.", "m.", "vm." and the like, and keeps "m.me" intact.
    return any(host == d or host.endswith("." + d) for d in domains)


def _platform(host: str) -> str:
    return next((name for name, domains in _PLATFORM_DOMAINS.items() if _on(host, domains)), "other")


def _is_tracking(param: str, host: str) -> bool:
    key, _, value = param.partition("=")
    key = unquote_plus(key).lower()
    return (
        _TRACKING.fullmatch(key) is not None
        or (key == "feature" and unquote_plus(value) == "share")
        or (key in ("s", "t") and _on(host, _X_QUERY_HOSTS))
    )


def normalise_link(raw: str) -> Outcome[Link]:
    """One candidate link in canonical form, or the reason it cannot be kept."""
    text = normalise(raw)
    scheme_match = _SCHEME.match(text)
    scheme = (scheme_match.group(1) or scheme_match.group(2)).lower() if scheme_match else "https"
    glued = _GLUED.fullmatch(scheme) if scheme not in ("http", "https") else None
    if glued is not None:
        # "linkhttps://…": a word typed against the link, not a scheme; the link starts at "http".
        text, scheme = text[glued.start(1) :], glued.group(1)
    if scheme not in ("http", "https"):
        return Invalid(Reason(REFUSED_SCHEME, {"scheme": scheme}))
    if len(text) > MAX_LINK_CHARS:
        return Invalid(Reason(TOO_LONG, {"max": MAX_LINK_CHARS}))
    if scheme_match is None:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return Invalid(Reason(INCOMPLETE))
    host = _host(parts)
    if isinstance(host, Reason):
        return Invalid(host)
    netloc = host if port in (None, {"http": 80, "https": 443}[scheme]) else f"{host}:{port}"
    query = "&".join(p for p in parts.query.split("&") if p and not _is_tracking(p, host))
    url = f"{scheme}://{netloc}{parts.path or '/'}"
    url += f"?{query}" if query else ""
    url += f"#{parts.fragment}" if parts.fragment else ""
    if len(url) > MAX_LINK_CHARS:
        return Invalid(Reason(TOO_LONG, {"max": MAX_LINK_CHARS}))
    return Valid(Link(url=url, platform=_platform(host)))


def extract_links(text: str) -> Extraction:
    """Every link in ``text``, in order of appearance, de-duplicated; one reason per refused link."""
    links: dict[str, Link] = {}
    refused: list[Reason] = []
    for match in _CANDIDATE.finditer(normalise(text)):
        candidate = _trim(match.group())
        if not candidate:
            continue
        outcome = normalise_link(candidate)
        if isinstance(outcome, Valid):
            links.setdefault(outcome.value.url, outcome.value)
        else:
            refused.append(outcome.reason)
    return Extraction(links=tuple(links.values()), refused=tuple(refused))


def merge_links(
    existing: Sequence[Link], new: Sequence[Link], cap: int = MAX_LINKS_PER_REPORT
) -> tuple[tuple[Link, ...], int, int]:
    """Returns (merged, added_count, dropped_over_cap_count); duplicates of existing links are collapsed
    (not counted as added)."""
    merged = list(existing)
    seen = {link.url for link in existing}
    added = dropped = 0
    for link in new:
        if link.url in seen:
            continue
        seen.add(link.url)
        if len(merged) >= cap:
            dropped += 1
        else:
            merged.append(link)
            added += 1
    return tuple(merged), added, dropped
