"""Whose runs are whose in the runs database (app/store): in class mode the student (or the
teacher) the class cookie names; in open mode the browser, by a long-lived random cookie
that `OwnerCookieMiddleware` gives every browser that has none. A websocket client without
either (not a browser) owns its runs by its session token."""

from __future__ import annotations

import re
import secrets

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.classroom import Member

COOKIE = "nnp_owner"
TOKEN = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
MAX_AGE_S = 400 * 24 * 3600  # browsers cap cookies at 400 days


def owner_of(connection: HTTPConnection) -> str | None:
    """The owner a request or socket speaks for, or None (no valid cookie)."""
    member = connection.scope.get("state", {}).get("member")
    if isinstance(member, Member):
        return "teacher" if member.is_teacher else f"student:{member.id}"
    token = connection.cookies.get(COOKIE)
    return f"browser:{token}" if token and TOKEN.match(token) else None


class OwnerCookieMiddleware:
    """Gives a browser that has no valid owner cookie one, on any HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = HTTPConnection(scope).cookies.get(COOKIE)
        if token and TOKEN.match(token):
            await self.app(scope, receive, send)
            return
        new = secrets.token_urlsafe(24)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.append(
                    "set-cookie",
                    f"{COOKIE}={new}; Max-Age={MAX_AGE_S}; Path=/; HttpOnly; SameSite=Lax",
                )
            await send(message)

        await self.app(scope, receive, send_with_cookie)
