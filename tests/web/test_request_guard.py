"""Every route of the app, as `app.routes` lists it (so a new route cannot forget them),
against a real uvicorn server: a foreign Host header is refused with 400 (DNS rebinding),
and a state-changing request from another site with 403 (cross-site request forgery),
both in words naming the header. The server's own pages, and non-browser clients that send
no Origin, Referer or Sec-Fetch-Site, still get through."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute

from app.settings import Settings
from app.web.app import create_app
from app.web.guards import STATE_CHANGING

EVIL = "http://evil.example"
SPEC = {"data": {"dataset": "spiral", "n_samples": 200}}


def requests_of(route: BaseRoute, prefix: str = "") -> list[tuple[str, str]]:
    """(method, path) for each way into `route`, path parameters filled with "x"."""
    included = getattr(route, "original_router", None)  # FastAPI's include_router
    if included is not None:
        prefix += getattr(getattr(route, "include_context", None), "prefix", "") or ""
        return [r for inner in included.routes for r in requests_of(inner, prefix)]
    if isinstance(route, Mount):
        return [("GET", prefix + route.path + "/x"), ("POST", prefix + route.path + "/x")]
    assert isinstance(route, Route | WebSocketRoute), route
    path = prefix + re.sub(r"\{[^}]*\}", "x", route.path)
    if isinstance(route, WebSocketRoute):
        return [("GET", path)]
    return [(method, path) for method in sorted(route.methods or ())]


ROUTES = [r for route in create_app(Settings()).routes for r in requests_of(route)]
CHANGING = [(m, p) for m, p in ROUTES if m in STATE_CHANGING]


def test_the_table_covers_the_app() -> None:
    paths = {p for _, p in ROUTES}
    assert {"/healthz", "/api/validate", "/api/uploads", "/ws", "/static/x"} <= paths
    assert {("POST", "/api/uploads"), ("POST", "/api/lessons/x/check")} <= set(CHANGING)


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_a_foreign_host_is_refused_with_400(client: httpx.Client, method: str, path: str) -> None:
    port = urlsplit(str(client.base_url)).port
    r = client.request(method, path, headers={"host": f"evil.example:{port}"})
    assert r.status_code == 400, r.text
    if method != "HEAD":  # HEAD answers carry no body
        assert r.json()["errors"] == [
            {"field": "headers.host", "message": "this server does not answer to that host name"}
        ]


CROSS_SITE = [
    {"origin": EVIL},
    {"origin": "null"},
    {"sec-fetch-site": "cross-site", "referer": f"{EVIL}/page"},
    {"referer": f"{EVIL}/page"},
]


@pytest.mark.parametrize(("method", "path"), CHANGING, ids=[f"{m} {p}" for m, p in CHANGING])
def test_a_cross_site_change_is_refused_with_403(
    client: httpx.Client, method: str, path: str
) -> None:
    for headers in CROSS_SITE:
        r = client.request(method, path, headers=headers, content=b"{}")
        assert r.status_code == 403, (headers, r.text)
        message = "pages from other sites may not send this server requests that change anything"
        assert r.json()["errors"] == [{"field": "headers.origin", "message": message}]


def test_the_servers_own_pages_and_plain_clients_get_through(client: httpx.Client) -> None:
    own = str(client.base_url).rstrip("/")
    port = urlsplit(own).port
    for headers in (
        {"origin": own},  # what a browser's fetch sends
        {"sec-fetch-site": "same-origin"},
        {"referer": f"{own}/"},
        {},  # not a browser
        {"host": f"localhost:{port}", "origin": f"http://localhost:{port}"},
    ):
        r = client.post("/api/validate", json=SPEC, headers=headers)
        assert r.status_code == 200, (headers, r.text)
    assert client.get("/healthz", headers={"origin": EVIL}).status_code == 200  # reads pass
