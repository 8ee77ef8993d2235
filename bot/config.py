"""Settings from the environment and an optional ``.env`` file, checked before anything starts.

A missing or malformed setting is one clear line naming it (``ConfigError``), never a traceback.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv.parser import parse_stream

from bot.paths import FLOWS_DIR, flows_dir
from bot.problems import ConfigError as ConfigError  # re-exported: where settings errors are looked for
from bot.store.keyring import KeyProblem, parse_keys

PROVINCES = ("punjab", "sindh", "kp", "balochistan", "islamabad", "gb", "ajk", "undisclosed")
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE_PATH = "data/bot.sqlite3"
DEFAULT_STATUS_PORT = 8081
_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]{5,}$")
# Telegram allows 1-256 of these characters; fewer than 32 could be guessed by someone who can reach the port.
_SECRET = re.compile(r"[A-Za-z0-9_-]{32,256}")
MAKE_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


@dataclass(frozen=True, slots=True)
class Settings:
    bot_token: str
    database_path: Path = Path(DEFAULT_DATABASE_PATH)
    flows_dir: Path = FLOWS_DIR  # routing.yaml and the flow seeded into an empty database
    # postgresql://user@host:port/database: PostgreSQL instead of the SQLite file, for two or more instances.
    database_url: str | None = field(default=None, repr=False)  # it may carry a password
    bot_api_base_url: str = DEFAULT_BASE_URL
    # An HTTP(S) proxy for Bot API traffic; unset, the standard HTTPS_PROXY / NO_PROXY variables apply.
    bot_proxy: str | None = field(default=None, repr=False)  # it may carry a password
    admin_ids: frozenset[int] = frozenset()
    focal_queues: Mapping[str, int] = field(default_factory=dict)
    queue_languages: Mapping[str, str] = field(default_factory=dict)  # card language per queue: ur | en
    sla_minutes: int = 120  # an unclaimed case is raised again in its queue after this long
    sla_child_minutes: int = 30  # ... or this long for a child case or ongoing harm
    escalate_minutes: int = 480  # ... and raised to the admins after this long
    escalate_child_minutes: int = 120
    sla_check_seconds: int = 60
    # Telegram allows about 30 messages a second overall; a self-hosted Bot API server (or a benchmark
    # against the offline one) may allow more.
    overall_messages_per_second: int = 30
    session_expiry_hours: int = 72  # an unfinished report on a retired flow revision is dropped after this long
    log_level: str = "INFO"
    log_format: str = "json"  # one JSON object per line (bot/logs.py), or "text" for a terminal
    daily_report_cap: int = 5
    # Evidence files of adults' reports (telegram/evidence_keeper.py): the largest kept, and how many a
    # chat may send a day. Telegram's Bot API gives a bot files up to 20 MB.
    file_max_mb: int = 20
    files_per_day: int = 20
    flood_messages_per_minute: int = 30
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    # The webhook belongs behind a reverse proxy doing TLS on the same host; 0.0.0.0 serves every interface.
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_body_seconds: int = 10  # a webhook call still sending its body after this long is cut off
    # /healthz and /metrics (status.py); 0 turns them off. Behind the reverse proxy only if it restricts them.
    # STATUS_PORT defaults to DEFAULT_STATUS_PORT; Settings built in code (tests, embedding) serve none.
    status_listen: str = "127.0.0.1"
    status_port: int = 0
    health_api_seconds: int = 300  # /healthz fails when no Bot API call succeeded for this long
    # The officers' desk (bot/desk/): off while DESK_PORT is 0. DESK_URL is the address officers open
    # (the reverse proxy's https:// address in production); sign-in links the bot sends start with it.
    desk_listen: str = "127.0.0.1"
    desk_port: int = 0
    desk_url: str = ""
    # The data key(s) sealing reports at rest (keyring.py); repr=False keeps them out of any printed settings.
    data_key: str = field(default="", repr=False)
    data_key_file: str = ""
    # The match key of connected cases (match_key.py): its own, so rotating the data key keeps every match.
    match_key: str = field(default="", repr=False)
    match_key_file: str = ""
    # Scheduled SQLite backups (telegram/backups.py): off while BACKUP_DIR is unset.
    backup_dir: Path | None = None
    backup_every_hours: int = 24
    backup_keep: int = 7
    draft_expiry_hours: int = 72  # an unfinished report untouched this long is deleted
    anonymise_after_days: int = 365  # a closed case loses its account, links, contact and chat after this long
    spam_block_threshold: int = 3  # a sender whose cases were marked spam this many times is blocked


def read_dotenv(path: Path) -> dict[str, str]:
    """The ``.env`` file as python-dotenv reads it (``export``, quotes, escapes and comments as a shell
    would take them), without interpolation: a secret with a ``$`` in it stays as typed. A line it cannot
    read is one clear error naming the line, not a warning the operator never sees."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    with path.open(encoding="utf-8") as stream:
        # parse_stream is what dotenv_values uses inside; it reports a bad line instead of logging it.
        for binding in parse_stream(stream):
            if binding.error or (binding.key is not None and binding.value is None):
                text = binding.original.string  # it starts with any blank lines before the bad one
                blank = text[: len(text) - len(text.lstrip())].count("\n")
                raise ConfigError(f"{path}:{binding.original.line + blank}: expected KEY=VALUE")
            if binding.key is not None and binding.value is not None:
                values[binding.key] = binding.value
    return values


def environment(environ: Mapping[str, str] | None = None, dotenv: Path = Path(".env")) -> dict[str, str]:
    """Every setting as every command sees it: the ``.env`` file, then the process environment, which wins."""
    return {**read_dotenv(dotenv), **(os.environ if environ is None else environ)}


def database_path(env: Mapping[str, str]) -> Path:
    """The SQLite file: DATABASE_PATH, else ``data/bot.sqlite3`` (relative to the working directory)."""
    return Path(env.get("DATABASE_PATH", "").strip() or DEFAULT_DATABASE_PATH)


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise ConfigError(f"{name} must be a whole number of at least {minimum}, not {raw!r}")
    return int(raw)


def _ids(raw: str, name: str) -> frozenset[int]:
    ids = set()
    for part in filter(None, (p.strip() for p in raw.split(","))):
        if not re.fullmatch(r"-?\d+", part):
            raise ConfigError(f"{name} must be comma-separated Telegram user ids, not {part!r}")
        ids.add(int(part))
    return frozenset(ids)


def _queues(raw: str) -> tuple[dict[str, int], dict[str, str]]:
    """``punjab=-1001234,sindh=-1005678:ur``: queue key = group chat id, optionally :ur or :en for its cards."""
    queues: dict[str, int] = {}
    languages: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        key, sep, chat = part.partition("=")
        key = key.strip().lower()
        chat, _, lang = chat.strip().partition(":")
        if not sep or not re.fullmatch(r"[a-z][a-z0-9_]*", key) or not re.fullmatch(r"-\d+", chat.strip()):
            raise ConfigError(
                f"FOCAL_QUEUES entry {part!r} must be queue=-100… (a queue key from flows/routing.yaml, "
                "such as punjab, then the group's chat id, optionally :ur or :en)"
            )
        if lang and lang not in ("ur", "en"):
            raise ConfigError(f"FOCAL_QUEUES entry {part!r}: the card language must be ur or en, not {lang!r}")
        queues[key] = int(chat)
        languages[key] = lang or "en"
    return queues, languages


def _data_key(raw: str) -> str:
    if raw.strip():
        try:
            parse_keys(raw, "DATA_KEY")
        except KeyProblem as exc:
            raise ConfigError(str(exc)) from None
    return raw.strip()


def _match_key(raw: str) -> str:
    if raw.strip():
        try:
            keys = parse_keys(raw, "MATCH_KEY")
        except KeyProblem as exc:
            raise ConfigError(str(exc)) from None
        if len(keys) != 1:
            raise ConfigError("MATCH_KEY: one key, not a list (a match key is never rotated)")
    return raw.strip()


def match_environment(settings: Settings) -> dict[str, str]:
    """MATCH_KEY and MATCH_KEY_FILE as match_key.py reads them."""
    return {"MATCH_KEY": settings.match_key, "MATCH_KEY_FILE": settings.match_key_file}


def require_webhook(settings: Settings) -> None:
    """Webhook mode needs the public URL and a secret: without one, anyone who can reach the port
    can send updates "from" an admin."""
    if not settings.webhook_url:
        raise ConfigError("WEBHOOK_URL is not set; it is needed with --webhook")
    if not settings.webhook_secret:
        raise ConfigError(
            f"WEBHOOK_SECRET is not set; it is needed with --webhook (32 or more letters, digits, _ or -; "
            f"make one with: {MAKE_SECRET})"
        )


def _listen(raw: str, name: str) -> str:
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        raise ConfigError(
            f"{name} must be an IP address such as 127.0.0.1 (or 0.0.0.0 for every interface), not {raw!r}"
        ) from None


def _port(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    port = _int(env, name, default, minimum=minimum)
    if port > 65535:
        raise ConfigError(f"{name} must be a port number ({minimum} to 65535), not {port}")
    return port


def _database_url(raw: str) -> str | None:
    url = raw.strip()
    if not url:
        return None
    if not url.startswith(("postgresql://", "postgres://")):
        raise ConfigError(
            "DATABASE_URL must be a PostgreSQL URL (postgresql://user@host:5432/database), or unset for SQLite"
        )
    return url


def _flows_dir(env: Mapping[str, str]) -> Path:
    folder = flows_dir(env)
    if not (folder / "routing.yaml").is_file():
        raise ConfigError(f"FLOWS_DIR {folder} has no routing.yaml (copy the shipped flows folder and edit that)")
    return folder


def key_environment(environ: Mapping[str, str] | None = None, dotenv: Path = Path(".env")) -> dict[str, str]:
    """DATA_KEY and DATA_KEY_FILE as the bot sees them (.env, then the environment), for the CLI commands."""
    env = environment(environ, dotenv)
    return {name: env[name] for name in ("DATA_KEY", "DATA_KEY_FILE") if env.get(name)}


def match_key_environment(environ: Mapping[str, str] | None = None, dotenv: Path = Path(".env")) -> dict[str, str]:
    """MATCH_KEY and MATCH_KEY_FILE as the bot sees them (.env, then the environment), for the CLI commands."""
    env = environment(environ, dotenv)
    return {name: env[name] for name in ("MATCH_KEY", "MATCH_KEY_FILE") if env.get(name)}


def load_settings(environ: Mapping[str, str] | None = None, dotenv: Path = Path(".env")) -> Settings:
    env = environment(environ, dotenv)
    token = env.get("BOT_TOKEN", "").strip()
    if not token:
        raise ConfigError("BOT_TOKEN is not set (ask @BotFather). To try the flow without Telegram: main.py console")
    if not _TOKEN.match(token):
        raise ConfigError("BOT_TOKEN does not look like a Telegram token (digits, a colon, then letters)")
    base_url = env.get("BOT_API_BASE_URL", "").strip() or DEFAULT_BASE_URL
    if not re.match(r"^https?://[^\s/]+", base_url):
        raise ConfigError(f"BOT_API_BASE_URL must be an http(s) URL, not {base_url!r}")
    level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {level!r}")
    log_format = env.get("LOG_FORMAT", "json").strip().lower() or "json"
    if log_format not in ("json", "text"):
        raise ConfigError(f"LOG_FORMAT must be json or text, not {log_format!r}")
    webhook_url = env.get("WEBHOOK_URL", "").strip() or None
    if webhook_url is not None and not webhook_url.startswith("https://"):
        raise ConfigError("WEBHOOK_URL must start with https:// (Telegram only calls HTTPS webhooks)")
    secret = env.get("WEBHOOK_SECRET", "").strip() or None
    if secret is not None and not _SECRET.fullmatch(secret):
        raise ConfigError(f"WEBHOOK_SECRET must be 32 to 256 letters, digits, _ or - (make one with: {MAKE_SECRET})")
    port = _port(env, "WEBHOOK_PORT", 8443, minimum=1)
    status_port = _port(env, "STATUS_PORT", DEFAULT_STATUS_PORT, minimum=0)
    queues, queue_languages = _queues(env.get("FOCAL_QUEUES", ""))
    proxy = env.get("BOT_PROXY", "").strip() or None
    if proxy is not None and not re.match(r"^https?://[^\s/]+", proxy):
        raise ConfigError(
            "BOT_PROXY must be an http:// or https:// proxy URL (SOCKS is not supported: put an HTTP proxy such "
            "as privoxy in front of it)"
        )
    database_url = _database_url(env.get("DATABASE_URL", ""))
    desk_listen = _listen(env.get("DESK_LISTEN", "").strip() or "127.0.0.1", "DESK_LISTEN")
    desk_port = _port(env, "DESK_PORT", 0, minimum=0)
    desk_url = env.get("DESK_URL", "").strip().rstrip("/")
    if desk_url and not re.match(r"^https?://[^\s/]+", desk_url):
        raise ConfigError(
            f"DESK_URL must be the desk's http(s) address, e.g. https://desk.example.org, not {desk_url!r}"
        )
    if desk_port and not desk_url:
        desk_url = f"http://{desk_listen}:{desk_port}"  # on this machine only: a reverse proxy gives the real one
    return Settings(
        bot_token=token,
        database_path=database_path(env),
        flows_dir=_flows_dir(env),
        database_url=database_url,
        bot_api_base_url=base_url.rstrip("/") if not base_url.endswith("/bot") else base_url,
        bot_proxy=proxy,
        admin_ids=_ids(env.get("ADMIN_IDS", ""), "ADMIN_IDS"),
        focal_queues=queues,
        queue_languages=queue_languages,
        sla_minutes=_int(env, "SLA_MINUTES", 120, minimum=1),
        sla_child_minutes=_int(env, "SLA_CHILD_MINUTES", 30, minimum=1),
        escalate_minutes=_int(env, "ESCALATE_MINUTES", 480, minimum=1),
        escalate_child_minutes=_int(env, "ESCALATE_CHILD_MINUTES", 120, minimum=1),
        sla_check_seconds=_int(env, "SLA_CHECK_SECONDS", 60, minimum=1),
        session_expiry_hours=_int(env, "SESSION_EXPIRY_HOURS", 72, minimum=1),
        overall_messages_per_second=_int(env, "OVERALL_MESSAGES_PER_SECOND", 30, minimum=1),
        log_level=level,
        log_format=log_format,
        daily_report_cap=_int(env, "DAILY_REPORT_CAP", 5, minimum=1),
        file_max_mb=_int(env, "FILE_MAX_MB", 20, minimum=1),
        files_per_day=_int(env, "FILES_PER_DAY", 20, minimum=0),
        flood_messages_per_minute=_int(env, "FLOOD_MESSAGES_PER_MINUTE", 30, minimum=1),
        webhook_url=webhook_url,
        webhook_secret=secret,
        webhook_listen=_listen(env.get("WEBHOOK_LISTEN", "").strip() or "127.0.0.1", "WEBHOOK_LISTEN"),
        webhook_port=port,
        webhook_body_seconds=_int(env, "WEBHOOK_BODY_SECONDS", 10, minimum=1),
        status_listen=_listen(env.get("STATUS_LISTEN", "").strip() or "127.0.0.1", "STATUS_LISTEN"),
        status_port=status_port,
        health_api_seconds=_int(env, "HEALTH_API_SECONDS", 300, minimum=30),
        desk_listen=desk_listen,
        desk_port=desk_port,
        desk_url=desk_url,
        data_key=_data_key(env.get("DATA_KEY", "")),
        data_key_file=env.get("DATA_KEY_FILE", "").strip(),
        match_key=_match_key(env.get("MATCH_KEY", "")),
        match_key_file=env.get("MATCH_KEY_FILE", "").strip(),
        backup_dir=Path(env["BACKUP_DIR"].strip()) if env.get("BACKUP_DIR", "").strip() else None,
        backup_every_hours=_int(env, "BACKUP_EVERY_HOURS", 24, minimum=1),
        backup_keep=_int(env, "BACKUP_KEEP", 7, minimum=1),
        draft_expiry_hours=_int(env, "DRAFT_EXPIRY_HOURS", 72, minimum=1),
        anonymise_after_days=_int(env, "ANONYMISE_AFTER_DAYS", 365, minimum=1),
        spam_block_threshold=_int(env, "SPAM_BLOCK_THRESHOLD", 3, minimum=1),
    )
