"""Class mode's admission, as pure ASGI middleware in front of every route, mount and the
websocket, so a route added later cannot forget it (docs/classroom.md has the contract):

- `/healthz` and the join page (`/join`) are open to everyone;
- `/?code=CODE` admits a student and `/teacher?key=KEY` the teacher: a signed, HttpOnly,
  SameSite=Strict cookie, and a redirect to the same address without the secret;
- without a valid cookie a page answers the join page with 401, anything else 401 in words
  (a websocket handshake is refused with 401 too);
- a student asking for a teacher's route gets 403;
- wrong codes and keys are counted per client address: beyond the limit, 429.

The member a request comes from is left in `scope["state"]["member"]` for the routes and
the websocket. Installed only in class mode: open mode is untouched.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi.templating import Jinja2Templates
from starlette.datastructures import URL
from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.web.classroom import COOKIE, Classroom, Member, NameRefused

OPEN_PATHS = frozenset({"/healthz", "/join"})
TEACHER_PATHS = frozenset({"/teacher", "/api/class"})
NOT_ADMITTED = "not admitted: join the class first, with its code, at /join"
TEACHER_ONLY = "only the teacher may open this: students cannot"


class ClassGateMiddleware:
    def __init__(self, app: ASGIApp, classroom: Classroom, templates: Jinja2Templates) -> None:
        self.app, self.classroom, self.templates = app, classroom, templates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        member = self.classroom.member_from(connection.cookies.get(COOKIE))
        path = scope["path"]
        response: Response | None = None
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            response = self.secret_in_address(connection, member)
        if response is None and path not in OPEN_PATHS:
            if member is None:
                response = self.not_admitted(connection)
            elif is_teachers(path) and not member.is_teacher:
                response = refusal(connection, 403, TEACHER_ONLY)
        if response is not None:
            await self.respond(response, scope, receive, send)
            return
        scope.setdefault("state", {})["member"] = member
        await self.app(scope, receive, send)

    def secret_in_address(
        self, connection: HTTPConnection, member: Member | None
    ) -> Response | None:
        """`/?code=` and `/teacher?key=`: admits and redirects without the secret, or refuses;
        None for any other request."""
        path, query = connection.url.path, connection.query_params
        if path == "/" and "code" in query:
            return self.admit_student(connection, member, query["code"])
        if path == "/teacher" and "key" in query:
            return self.admit_teacher(connection, query["key"])
        return None

    def admit_student(
        self, connection: HTTPConnection, member: Member | None, code: str
    ) -> Response:
        ip = client_ip(connection)
        if (wait := self.classroom.retry_after(ip)) is not None:
            return too_many(connection, wait, self.templates)
        if not self.classroom.code_matches(code):
            self.classroom.record_failure(ip)
            return join_page(self.templates, connection, 401, "That class code is not right.")
        if self.classroom.student_of(member) is None:  # already in: keep the same name
            try:
                member = Member("student", self.classroom.admit().id)
            except NameRefused as full:
                return join_page(self.templates, connection, 403, str(full))
        assert member is not None
        return admitted(self.classroom, member, without(connection.url, "code"))

    def admit_teacher(self, connection: HTTPConnection, key: str) -> Response:
        ip = client_ip(connection)
        if (wait := self.classroom.retry_after(ip)) is not None:
            return too_many(connection, wait, self.templates)
        if not self.classroom.key_matches(key):
            self.classroom.record_failure(ip)
            return refusal(connection, 401, "that teacher key is not right")
        return admitted(
            self.classroom, Member("teacher", "teacher"), without(connection.url, "key")
        )

    def not_admitted(self, connection: HTTPConnection) -> Response:
        if is_page(connection):
            return join_page(self.templates, connection, 401, "")
        return refusal(connection, 401, NOT_ADMITTED)

    async def respond(self, response: Response, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await response(scope, receive, send)
            return
        # A websocket handshake: answer it with the HTTP response where the server can
        # (the ASGI denial-response extension), else close it, which answers 403.
        await receive()  # websocket.connect
        if "websocket.http.response" in scope.get("extensions", {}):
            await response(scope, receive, send)
        else:
            await send({"type": "websocket.close", "code": 1008, "reason": "not admitted"})


def is_teachers(path: str) -> bool:
    """The teacher's page and API: `/api/class/...` is the teacher's control of the class."""
    return path in TEACHER_PATHS or path.startswith("/api/class/")


def client_ip(connection: HTTPConnection) -> str:
    return connection.client.host if connection.client else "unknown"


def client_key(connection: HTTPConnection) -> str:
    """Whom the per-client limits (sockets, runs, rebuilds, lesson checks) count against: an
    admitted class member by who they are, since a whole class behind one school NAT shares
    one address; anyone else by their address."""
    member = connection.scope.get("state", {}).get("member")
    if isinstance(member, Member):
        return f"{member.role} {member.id}"
    return client_ip(connection)


def is_page(connection: HTTPConnection) -> bool:
    """A browser's navigation to a page (not the API, a file or the websocket)."""
    if connection.scope["type"] != "http" or connection.scope["method"] not in ("GET", "HEAD"):
        return False
    path = connection.url.path
    return not path.startswith(("/api/", "/static/", "/vendor/", "/ws"))


def refusal(connection: HTTPConnection, status: int, message: str) -> Response:
    """The API's error shape (`detail` in words); a page gets the same words as text."""
    if is_page(connection):
        return HTMLResponse(f"<!doctype html><title>NN Playground</title><p>{message}</p>", status)
    return JSONResponse({"detail": message}, status_code=status)


def too_many(connection: HTTPConnection, wait: float, templates: Jinja2Templates) -> Response:
    seconds = math.ceil(wait)
    message = f"too many wrong codes or keys from this address: try again in {seconds} s"
    headers = {"Retry-After": str(seconds)}
    if is_page(connection):
        response = join_page(templates, connection, 429, message[0].upper() + message[1:] + ".")
        response.headers.update(headers)
        return response
    return JSONResponse({"detail": message}, status_code=429, headers=headers)


def join_page(
    templates: Jinja2Templates,
    connection: HTTPConnection,
    status: int,
    error: str,
    name: str = "",
    admitted_as: str | None = None,
) -> HTMLResponse:
    context: dict[str, Any] = {"error": error, "name": name, "admitted_as": admitted_as}
    html = templates.get_template("join.html").render(context)  # autoescaped: names are
    return HTMLResponse(html, status_code=status)  # untrusted


def admitted(classroom: Classroom, member: Member, to: str) -> Response:
    """Sets the member's cookie and sends the browser on to `to` (the secret removed)."""
    response = RedirectResponse(to, status_code=303)
    set_member_cookie(response, classroom, member)
    return response


def set_member_cookie(response: Response, classroom: Classroom, member: Member) -> None:
    # No max_age: the cookie lasts the browser session (and the server: a restart makes a
    # new secret). Not Secure: a class server is usually plain HTTP on the LAN.
    response.set_cookie(
        COOKIE, classroom.cookie_for(member), httponly=True, samesite="strict", path="/"
    )


def without(url: URL, secret: str) -> str:
    """The path and query of `url` with the `secret` parameter removed."""
    kept = [(k, v) for k, v in parse_qsl(url.query, keep_blank_values=True) if k != secret]
    return url.path + (f"?{urlencode(kept)}" if kept else "")
