"""Pure ASGI middleware that refuses request bodies over a size limit with 413.

Checked twice: the declared Content-Length before anything is read, and the bytes actually
received (a chunked body declares no length), so no handler ever buffers more than the limit.
Every route gets the same small limit except the paths given their own (a CSV upload is
megabytes, a spec a few kilobytes), each with the words that refuse it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    pass


@dataclass(frozen=True)
class BodyLimit:
    """The largest body a path takes, and the error that refuses a larger one: the field
    at fault and a sentence for the user."""

    max_bytes: int
    field: str
    message: str


class BodyLimitMiddleware:
    def __init__(
        self, app: ASGIApp, max_bytes: int, paths: Mapping[str, BodyLimit] | None = None
    ) -> None:
        self.app = app
        self.default = BodyLimit(
            max_bytes, "body", f"request body too large: the limit is {max_bytes:,} bytes"
        )
        self.paths = dict(paths or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.paths.get(scope["path"], self.default)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit.max_bytes):
            await refuse(limit, scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await refuse(limit, scope, receive, send)


async def refuse(limit: BodyLimit, scope: Scope, receive: Receive, send: Send) -> None:
    """413 in the API's error shape (as `invalid` in routes/api.py), naming the limit."""
    error = {"field": limit.field, "message": limit.message}
    body = {"valid": False, "detail": f"{limit.field}: {limit.message}", "errors": [error]}
    await JSONResponse(body, status_code=413)(scope, receive, send)
