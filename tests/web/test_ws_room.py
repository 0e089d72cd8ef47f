"""Idle sockets must not lock others out, with real sockets on a real uvicorn server: a
socket that says nothing and holds no run is closed after `ws_idle_no_run_s` (not the
half-hour idle timeout), while a quiet socket that holds a run stays; and when the server
holds `ws_sockets_total` sockets, a newcomer is let in by closing the one idle longest with
no run, never one with a run."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from websockets.exceptions import ConnectionClosed

from app.client import connect
from app.settings import Settings
from tests.servers import running

SPIRAL = {"data": {"dataset": "spiral", "n_samples": 200}}


@pytest.fixture(scope="module")
def quick_idle_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp("data")
    with running(Settings(data_dir=data_dir, workers=1, ws_idle_no_run_s=1.0)) as url:
        yield url


@pytest.fixture(scope="module")
def small_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp("data")
    with running(Settings(data_dir=data_dir, workers=1, ws_sockets_total=3)) as url:
        yield url


def raw_websocket(url: str) -> socket.socket:
    """A websocket handshake by hand, then nothing: the client never sends a frame."""
    parts = urlsplit(url)
    assert parts.hostname and parts.port
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET /ws HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 101"), answer
    return sock


def wait_for_eof(sock: socket.socket, timeout: float) -> float:
    """Reads until the server closes the connection; returns how long that took."""
    started = time.monotonic()
    sock.settimeout(0.5)
    while time.monotonic() - started < timeout:
        try:
            if sock.recv(4096) == b"":
                return time.monotonic() - started
        except TimeoutError:
            continue
    raise AssertionError(f"the server kept the silent socket open for {timeout} s")


def test_a_silent_socket_with_no_run_is_closed_soon(quick_idle_server: str) -> None:
    async def main() -> None:
        async with await connect(quick_idle_server) as keeper:
            await keeper.start(SPIRAL, paused=True)  # a run, then silence
            await keeper.wait_for(lambda e: e["type"] == "status")
            silent = raw_websocket(quick_idle_server)
            try:
                took = await asyncio.to_thread(wait_for_eof, silent, 15)
            finally:
                silent.close()
            assert took >= 0.5, took
            # The quiet socket with a run was left alone: it still trains when asked.
            await keeper.resume()
            await keeper.wait_for(lambda e: e["type"] == "metrics")

    asyncio.run(main())


def test_a_newcomer_on_a_full_server_takes_the_longest_idle_place(small_server: str) -> None:
    async def main() -> None:
        oldest = await connect(small_server)
        newer = await connect(small_server)
        async with await connect(small_server) as runner:
            await runner.start(SPIRAL)
            await runner.wait_for(lambda e: e["type"] == "metrics")
            await newer.pause()  # heard from more recently than `oldest`
            await newer.wait_for(lambda e: e["type"] == "error")
            async with await connect(small_server) as newcomer:  # the server is full
                with pytest.raises(ConnectionClosed):
                    await oldest.wait_for(lambda e: False)
                assert oldest.close_code == 4001
                await newcomer.start(SPIRAL)
                await newcomer.wait_for(lambda e: e["type"] == "metrics")
                await runner.wait_for(lambda e: e["type"] == "metrics")  # still training
                await newer.pause()  # and the newer idle socket is still open
                await newer.wait_for(lambda e: e["type"] == "error")
        await newer.close()

    asyncio.run(main())
