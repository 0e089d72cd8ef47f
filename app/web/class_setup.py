"""A class server's credentials and what `nnplayground serve` prints for them: the class
code students type (short, no look-alike characters), the teacher's key (long and random),
the join address with this machine's LAN addresses, and a QR code of the join link.

`with_class_credentials` fills in a missing code or key when class mode is on
(`Settings.class_mode`); in open mode it changes nothing. docs/classroom.md tells teachers.
"""

from __future__ import annotations

import io
import ipaddress
import secrets
import socket

from app.settings import Settings

# No 0/O, 1/I/L: a code read off a projector or a phone screen cannot be mistyped that way.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
KEY_BYTES = 16  # 22 URL-safe characters


def new_class_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_teacher_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def with_class_credentials(settings: Settings) -> Settings:
    """`settings` with a class code and teacher key when class mode is on (generated where
    missing); unchanged in open mode or when both are set."""
    if not settings.class_mode:
        return settings
    update = {}
    if settings.class_code is None:
        update["class_code"] = new_class_code()
    if settings.teacher_key is None:
        update["teacher_key"] = new_teacher_key()
    return settings.model_copy(update=update) if update else settings


def lan_addresses() -> list[str]:
    """This machine's non-loopback IPv4 addresses, found without sending anything: the
    addresses its own name resolves to, and the one the routing table would use for a
    private-network destination (connecting a UDP socket sends no packet)."""
    found: list[str] = []
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
        found += [str(info[4][0]) for info in infos]
    except OSError:
        pass
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.254.254.254", 9))
            found.append(str(probe.getsockname()[0]))
    except OSError:
        pass
    usable = [a for a in found if not ipaddress.ip_address(a).is_loopback and a != "0.0.0.0"]
    return list(dict.fromkeys(usable))  # in order, without repeats


def join_hosts(host: str) -> list[str]:
    """The host names students can reach this server by: the LAN addresses when it binds
    every address (none if none are found), else the bound host itself."""
    if host in ("0.0.0.0", "::", ""):
        return lan_addresses()
    return [f"[{host}]" if ":" in host else host]


def qr_text(link: str) -> str:
    """A QR code of `link` drawn with block characters for a terminal (two rows a line)."""
    import segno

    out = io.StringIO()
    segno.make(link, error="l").terminal(out=out, compact=True)
    return out.getvalue()


def class_banner(settings: Settings) -> str:
    """What `serve` prints in class mode: where to join, the code, the teacher's link and a
    QR code of the first join link."""
    assert settings.class_code is not None and settings.teacher_key is not None
    hosts = join_hosts(settings.host)
    lines = ["", "Class mode: students need the class code to join."]
    if hosts:
        links = [f"http://{h}:{settings.port}/?code={settings.class_code}" for h in hosts]
        lines += ["Students open:", *(f"  {link}" for link in links)]
    else:
        links = []
        lines.append(
            f"Students open http://<this machine's address>:{settings.port}/ "
            "(no network address was found: use the one your network gave this machine)"
        )
    teacher_host = hosts[0] if hosts else "<this machine's address>"
    lines += [
        f"Class code: {settings.class_code}",
        f"Teacher's page (keep this link private): "
        f"http://{teacher_host}:{settings.port}/teacher?key={settings.teacher_key}",
    ]
    if links:
        lines += ["Scan to join:", qr_text(links[0])]
    return "\n".join(lines)
