"""Lesson checks against a hostile client, on a real uvicorn server: each trains in a child
process the server kills when its client leaves, at most one per client address and two in
all (429 beyond, in words), and while checks run the cheap routes answer at once.

Clients come from several loopback addresses (127.0.0.x all reach a server bound to
127.0.0.1) so that "per client" and "in total" can be told apart. The long check is the
`gan` lesson (tens of seconds on this machine)."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from app.lessons.isolated import PROCESS_NAME
from app.settings import Settings
from tests.servers import SERVED_APPS, running

LONG = "gan"
SPEC = {"data": {"dataset": "spiral", "n_samples": 200}}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp("data")
    settings = Settings(data_dir=data_dir, workers=1, lesson_checks_per_ip=1, lesson_checks_total=2)
    with running(settings) as url:
        yield url


def check_processes() -> list[multiprocessing.process.BaseProcess]:
    """The server runs in this process: its lesson checks are our children."""
    return [p for p in multiprocessing.active_children() if p.name.startswith(PROCESS_NAME)]


def wait_until(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


@contextmanager
def check_from(url: str, address: str, lesson: str = LONG) -> Iterator[socket.socket]:
    """POSTs a check over a raw socket from `address` and leaves it waiting; closing the
    socket when the block ends is the client leaving."""
    parts = urlsplit(url)
    assert parts.hostname and parts.port
    body = json.dumps({"seed": 0}).encode()
    request = (
        f"POST /api/lessons/{lesson}/check HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    sock = socket.create_connection((parts.hostname, parts.port), source_address=(address, 0))
    try:
        sock.sendall(request)
        yield sock
    finally:
        sock.close()


@pytest.fixture(autouse=True)
def no_checks_left(server: str) -> Iterator[None]:
    """Each test leaves its checks behind when it closes their sockets: wait for them, and
    for the server to give their places back (it does so just after reaping the process,
    so a test that went on at once could find the total still taken)."""
    yield
    slots = SERVED_APPS[server].state.check_slots
    wait_until(lambda: not check_processes() and not slots.by_ip, 10, "every check ended and left")


def test_a_check_whose_client_leaves_is_killed(server: str) -> None:
    before = len(check_processes())
    with check_from(server, "127.0.0.2"):
        wait_until(lambda: len(check_processes()) > before, 30, "the check's process started")
    wait_until(lambda: len(check_processes()) == before, 10, "the check's process ended")


def test_a_second_check_from_one_client_hears_429(server: str) -> None:
    with check_from(server, "127.0.0.3"):
        wait_until(lambda: check_processes(), 30, "the first check's process started")
        with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.3")) as c:
            r = c.post(f"{server}/api/lessons/symmetry/check", json={"seed": 0}, timeout=10)
    assert r.status_code == 429
    assert r.json() == {
        "detail": "at most one check at a time from one address: wait for yours to finish"
    }


def test_checks_beyond_the_total_hear_429(server: str) -> None:
    with check_from(server, "127.0.0.4"), check_from(server, "127.0.0.5"):
        wait_until(lambda: len(check_processes()) == 2, 30, "two checks started")
        r = httpx.post(f"{server}/api/lessons/symmetry/check", json={"seed": 0}, timeout=10)
    assert r.status_code == 429
    assert "the server is running 2 lesson checks, its limit" in r.json()["detail"]


def test_cheap_routes_answer_while_checks_flood(server: str) -> None:
    """45 checks at once (the hostile test's count): two run, the rest are refused at once,
    and validate and the lesson menu still answer within a second or two."""

    async def flood() -> tuple[list[int], float, float]:
        async with httpx.AsyncClient(base_url=server, timeout=120) as c:
            checks = [
                asyncio.create_task(c.post(f"/api/lessons/{LONG}/check", json={"seed": 0}))
                for _ in range(43)
            ]
            refused = [(await t).status_code for t in checks]
            started = time.monotonic()
            assert (await c.post("/api/validate", json=SPEC)).status_code == 200
            validate_s = time.monotonic() - started
            started = time.monotonic()
            assert (await c.get("/api/lessons")).status_code == 200
            return refused, validate_s, time.monotonic() - started

    with check_from(server, "127.0.0.6"), check_from(server, "127.0.0.7"):
        wait_until(lambda: len(check_processes()) == 2, 30, "two checks started")
        refused, validate_s, menu_s = asyncio.run(flood())
    assert refused == [429] * 43
    assert validate_s < 2.0 and menu_s < 2.0, (validate_s, menu_s)
