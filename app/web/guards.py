"""Checks a websocket handshake passes before `accept()`: Host (DNS rebinding), Origin
(cross-site pages), and how many sockets one client IP and the whole server hold.

Each check returns a `Refusal` (sent as an HTTP 403 with a JSON body) or None. They read
headers only, so they cost nothing to an unwanted client.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from dataclasses import dataclass
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
    allowed = {h.lower() for h in settings.allowed_hosts}
    if port != -1 and (is_ip_literal(name) or name == "localhost" or name in allowed):
        return None
    if "*" in allowed and name:
        return None
    return Refusal("host", "this server does not answer to that host name")


def check_origin(origin: str | None, host: str | None, settings: Settings) -> Refusal | None:
    """Same origin as the Host header (scheme aside: a TLS proxy may sit in front), or one
    of `settings.allowed_origins`. No Origin at all is allowed: browsers always send one on
    websockets, so its absence means a non-browser client, which Origin cannot restrain."""
    if origin is None:
        return None
    if origin.rstrip("/") in {o.rstrip("/") for o in settings.allowed_origins}:
        return None
    parts = urlsplit(origin)
    if parts.scheme in DEFAULT_PORTS and parts.hostname:
        origin_host = (parts.hostname, parts.port or DEFAULT_PORTS[parts.scheme])
        name, port = split_host(host or "")
        if port is None:
            port = DEFAULT_PORTS[parts.scheme]
        if origin_host == (name, port):
            return None
    return Refusal("origin", "pages from other sites may not open this socket")


class SocketCounter:
    """Open websockets per client IP and in total. `admit` reserves a place (or refuses);
    the caller must `release` it when the socket ends."""

    def __init__(self, per_ip: int, total: int) -> None:
        self.per_ip, self.total = per_ip, total
        self.by_ip: Counter[str] = Counter()
        self.count = 0

    def admit(self, ip: str) -> Refusal | None:
        if self.by_ip[ip] >= self.per_ip:
            return Refusal(
                "too_many_sockets", f"at most {self.per_ip} connections from one address"
            )
        if self.count >= self.total:
            return Refusal("server_full", "the server has as many connections as it allows")
        self.by_ip[ip] += 1
        self.count += 1
        return None

    def release(self, ip: str) -> None:
        self.count -= 1
        self.by_ip[ip] -= 1
        if self.by_ip[ip] <= 0:
            del self.by_ip[ip]
