"""Checks on who may reach the server: Host (DNS rebinding) on every request, Origin
(cross-site pages) on websocket handshakes and on every request that changes state, and how
many sockets one client IP and the whole server hold.

Each check returns a `Refusal` or None. They read headers only, so they cost nothing to an
unwanted client. The websocket applies them before `accept()` (app/web/ws.py); every HTTP
route gets them from `RequestGuardMiddleware` (app/web/request_guard.py).
"""

from __future__ import annotations

import ipaddress
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from app.settings import Settings

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


@dataclass(frozen=True)
class Refusal:
    code: str  # "host", "origin", "too_many_sockets", "server_full"
    message: str


def split_host(host: str) -> tuple[str, int | None]:
    """'Example.org:8000' -> ('example.org', 8000); '[::1]:80' -> ('::1', 80). A port that is
    not a number gives port -1, which matches nothing."""
    host = host.strip().lower()
    if host.startswith("["):  # an IPv6 literal
        name, _, rest = host[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    else:
        name, _, port = host.partition(":")
    if not port:
        return name, None
    return name, int(port) if port.isdigit() else -1


def is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def check_host(host: str | None, settings: Settings) -> Refusal | None:
    """A page on an attacker's domain that re-points its DNS at this server (DNS rebinding)
    still sends its own name as Host: accept only IP literals, localhost and the names the
    settings allow."""
    name, port = split_host(host or "")
    allowed = {h.lower() for h in settings.allowed_hosts} | {settings.host.lower()}
    if port != -1 and name and (is_ip_literal(name) or name == "localhost" or name in allowed):
        return None
    if "*" in allowed and name:
        return None
    return Refusal("host", "this server does not answer to that host name")


def check_origin(
    origin: str | None, host: str | None, settings: Settings, what: str = "open this socket"
) -> Refusal | None:
    """Same origin as the Host header (scheme aside: a TLS proxy may sit in front), or one
    of `settings.allowed_origins`. No Origin at all is allowed: browsers always send one on
    websockets, so its absence means a non-browser client, which Origin cannot restrain."""
    if origin is None:
        return None
    if is_same_origin(origin, host, settings):
        return None
    return Refusal("origin", f"pages from other sites may not {what}")


def is_same_origin(origin: str, host: str | None, settings: Settings) -> bool:
    if origin.rstrip("/") in {o.rstrip("/") for o in settings.allowed_origins}:
        return True
    try:
        parts = urlsplit(origin)
        origin_port = parts.port
    except ValueError:  # a port that is not a number
        return False
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return False  # "null" (a sandboxed frame, a file) and anything else
    name, port = split_host(host or "")
    default = DEFAULT_PORTS[parts.scheme]
    return (parts.hostname, origin_port or default) == (name, port or default)


STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CHANGE = "send this server requests that change anything"


def check_request_origin(
    method: str, headers: Mapping[str, str], settings: Settings
) -> Refusal | None:
    """Cross-site request forgery: a request that changes state (POST, PUT, PATCH, DELETE)
    must come from this server's own pages. Browsers send Origin on every such request, so
    Origin decides when present; a browser that omits it still sends Sec-Fetch-Site (or at
    least a Referer), which must then say the same origin. A request with none of the three
    is not from a browser, and no header can restrain a client that forges them."""
    if method.upper() not in STATE_CHANGING:
        return None
    host = headers.get("host")
    origin = headers.get("origin")
    if origin is not None:
        return check_origin(origin, host, settings, CHANGE)
    site = headers.get("sec-fetch-site")
    if site is not None:
        return None if site.lower() in ("same-origin", "none") else Refusal("origin", CHANGE_WORDS)
    referer = headers.get("referer")
    if referer is not None and not is_same_origin(origin_of(referer), host, settings):
        return Refusal("origin", CHANGE_WORDS)
    return None


CHANGE_WORDS = f"pages from other sites may not {CHANGE}"


def origin_of(url: str) -> str:
    """'http://a.example:8000/x?y' -> 'http://a.example:8000'."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class RateLimit:
    """A token bucket: `rate` per second with a burst of `burst` (default: as many)."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate, self.burst = rate, max(burst if burst is not None else rate, 1.0)
        self.tokens, self.at = self.burst, time.monotonic()

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    @property
    def full(self) -> bool:
        """Whether it has refilled to its burst: forgetting it would change nothing."""
        return self.tokens + (time.monotonic() - self.at) * self.rate >= self.burst


class Reclaimable(Protocol):
    """An open socket as the counter sees it, to pick one to close when the server is full."""

    def idle_since(self) -> float | None:
        """When (time.monotonic) it last heard from its client, if it holds no run; None if
        it holds one (it is never closed to make room)."""

    def close_to_make_room(self) -> None:
        """Close this socket and end its session: a newcomer needs its place."""


@dataclass(eq=False)
class Slot:
    """One admitted socket's place in the counts; `SocketCounter.release` frees it once."""

    ip: str
    socket: Reclaimable | None = None  # set once the socket is accepted
    released: bool = False


class SocketCounter:
    """Open websockets per client IP and in total. `admit` reserves a place (or refuses);
    the caller must `release` it when the socket ends. When the server is full, the socket
    idle longest without a run is closed to make room rather than refusing the newcomer:
    idle sockets are cheap to open, and they must not lock out everyone else."""

    def __init__(self, per_ip: int, total: int) -> None:
        self.per_ip, self.total = per_ip, total
        self.by_ip: Counter[str] = Counter()
        self.slots: set[Slot] = set()

    @property
    def count(self) -> int:
        return len(self.slots)

    def admit(self, ip: str) -> Slot | Refusal:
        if self.by_ip[ip] >= self.per_ip:
            return Refusal(
                "too_many_sockets", f"at most {self.per_ip} connections from one address"
            )
        if self.count >= self.total and not self.reclaim():
            return Refusal("server_full", "the server has as many connections as it allows")
        slot = Slot(ip)
        self.slots.add(slot)
        self.by_ip[ip] += 1
        return slot

    def reclaim(self) -> bool:
        """Closes the socket idle longest with no run, freeing its place now; False if
        every socket holds a run."""
        idle = [(s.socket.idle_since(), s) for s in self.slots if s.socket is not None]
        candidates = [(since, slot) for since, slot in idle if since is not None]
        if not candidates:
            return False
        _, victim = min(candidates, key=lambda c: c[0])
        assert victim.socket is not None
        victim.socket.close_to_make_room()
        self.release(victim)
        return True

    def release(self, slot: Slot) -> None:
        if slot.released:
            return
        slot.released = True
        self.slots.discard(slot)
        self.by_ip[slot.ip] -= 1
        if self.by_ip[slot.ip] <= 0:
            del self.by_ip[slot.ip]
