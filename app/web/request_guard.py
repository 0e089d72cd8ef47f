"""Pure ASGI middleware that checks every HTTP request's Host header (DNS rebinding: 400)
and every state-changing request's Origin (cross-site forgery: 403) before any route, mount
or page sees it (app/web/guards.py has the rules). Being middleware, a route added later
cannot forget them. Websocket handshakes are checked by the /ws endpoint itself, where a
refusal can be counted and logged with the socket limits.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from app.settings import Settings
from app.web.guards import Refusal, check_host, check_request_origin


class RequestGuardMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = Headers(scope=scope)
            refusal = check_host(headers.get("host"), self.settings)
            status = 400
            if refusal is None:
                refusal = check_request_origin(scope["method"], headers, self.settings)
                status = 403
            if refusal is not None:
                await refuse(refusal, status, scope, receive, send)
                return
        await self.app(scope, receive, send)


async def refuse(refusal: Refusal, status: int, scope: Scope, receive: Receive, send: Send) -> None:
    """The API's error shape, naming the header at fault."""
    field = f"headers.{refusal.code}"
    body = {
        "valid": False,
        "detail": f"{field}: {refusal.message}",
        "errors": [{"field": field, "message": refusal.message}],
    }
    await JSONResponse(body, status_code=status)(scope, receive, send)
