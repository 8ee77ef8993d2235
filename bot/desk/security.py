"""The desk's cookie, its CSRF check and the headers every page is sent with.

The session cookie is HttpOnly (no script reads it), SameSite=Strict (no other site's page sends
it) and, behind TLS, Secure. Every form carries the session's CSRF token as well: SameSite is the
browser's promise, the token is ours. Pages are never cached and never framed; no page sends a
Referer, so a sign-in link's token cannot leak to a site a case links to.
"""

from __future__ import annotations

import hmac

from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "desk_session"

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def secure(response: Response) -> Response:
    response.headers.update(HEADERS)
    return response


def set_session_cookie(response: Response, token: str, max_age: int, tls: bool) -> None:
    response.set_cookie(COOKIE, token, max_age=max_age, path="/", secure=tls, httponly=True, samesite="strict")


def clear_session_cookie(response: Response, tls: bool) -> None:
    response.delete_cookie(COOKIE, path="/", secure=tls, httponly=True, samesite="strict")


def csrf_ok(expected: str, given: object) -> bool:
    return isinstance(given, str) and hmac.compare_digest(expected.encode(), given.encode())


class SecureHeaders:
    """ASGI middleware: every response carries HEADERS, those Starlette writes itself too (a 400 for a
    malformed form, the stylesheet); a header a page set already is left as it is."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, sending)
