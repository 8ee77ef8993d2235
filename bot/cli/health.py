"""``main.py health``: ask the running bot's /healthz (STATUS_LISTEN:STATUS_PORT), for a container's
HEALTHCHECK or a monitoring script. Exit 0 when healthy, 1 otherwise, with the answer printed."""

from __future__ import annotations

import argparse
import json
import urllib.error
import urllib.request

from bot.config import DEFAULT_STATUS_PORT, ConfigError, environment

TIMEOUT = 8.0


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sub.add_parser(
        "health",
        help="ask the running bot whether it is healthy (its /healthz); exit 0 when it is",
        description="Reads STATUS_PORT and STATUS_LISTEN as the bot does and asks its /healthz.",
    )


def url() -> str:
    env = environment()
    raw = env.get("STATUS_PORT", "").strip() or str(DEFAULT_STATUS_PORT)
    if not raw.isdigit() or int(raw) == 0:
        raise ConfigError("STATUS_PORT is 0 or not a port: the bot serves no /healthz to ask")
    host = env.get("STATUS_LISTEN", "").strip() or "127.0.0.1"
    if host in ("0.0.0.0", "::"):  # listening everywhere: ask it here
        host = "127.0.0.1"
    return f"http://{f'[{host}]' if ':' in host else host}:{raw}/healthz"


def main(args: argparse.Namespace) -> int:
    try:
        address = url()
    except ConfigError as exc:
        print(exc)
        return 1
    try:
        # No proxy: HTTP_PROXY, set for the Bot API's sake, must not carry a question to this machine.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(address, timeout=TIMEOUT) as response:
            body = response.read().decode()
            healthy = response.status == 200
    except urllib.error.HTTPError as exc:  # 503: it answered, and says what fails
        body, healthy = exc.read().decode(errors="replace"), False
    except (urllib.error.URLError, OSError) as exc:
        print(f"{address}: no answer ({getattr(exc, 'reason', exc)}); is the bot running?")
        return 1
    try:
        print(json.dumps(json.loads(body)))
    except ValueError:
        print(body.strip()[:200])
    return 0 if healthy else 1
