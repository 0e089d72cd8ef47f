"""Many sessions at once on the real server: 20 all progress; a stalled reader among 10
streaming clients is dropped without costing the others their speed or the server memory."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus

from app.client import Client, connect
from app.settings import Settings
from app.spec import ExperimentSpec
from tests.web.conftest import running

DEFAULT = ExperimentSpec().model_dump()
TFP_VIEW = {"views": ["neurons", "boundary", "weights"], "grid": 10, "boundary_grid": 100}


async def open_clients(url: str, n: int, first_ip: int) -> list[Client]:
    """n clients, four per loopback address (each address may hold 8 sockets)."""
    return [await connect(url, local_addr=(f"127.0.2.{first_ip + i // 4}", 0)) for i in range(n)]


async def latest_steps(clients: list[Client], seconds: float) -> list[int]:
    """Reads every client's events for `seconds` (frames undecoded); their last step counts."""
    steps = [0] * len(clients)

    async def read(i: int, c: Client) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = await asyncio.wait_for(c.connection.recv(), left)
            except TimeoutError:
                return
            if isinstance(message, str):
                event = json.loads(message)
                if event["type"] == "status" and event["step"] is not None:
                    steps[i] = event["step"]

    await asyncio.gather(*(read(i, c) for i, c in enumerate(clients)))
    return steps


def rss_mb() -> float:
    """This process's resident memory: the server runs in a thread of it."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def load_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Its own server, so other tests' runs (kept for a reconnect) do not share the cores:
    1 s of grace after a disconnect, a 2 s send timeout."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("load"),
        workers=2,
        ws_send_timeout_s=2.0,
        ws_resume_grace_s=1.0,
        ws_runs_per_ip=1000,
    )
    with running(settings) as url:
        yield url


def test_twenty_concurrent_sessions_all_progress(load_server: str) -> None:
    ws_server = load_server

    async def main() -> None:
        clients = await open_clients(ws_server, 20, first_ip=1)
        try:
            for c in clients:
                await c.start(DEFAULT)
            first = await latest_steps(clients, 2.0)
            second = await latest_steps(clients, 3.0)
            assert all(b > a > 0 for a, b in zip(first, second, strict=True)), (first, second)
        finally:
            for c in clients:
                await c.close()
        async with httpx.AsyncClient() as http:
            assert (await http.get(ws_server + "/healthz")).status_code == 200

    asyncio.run(main())


def test_a_stalled_reader_costs_the_others_nothing(load_server: str) -> None:
    """Ten clients stream the TF-Playground view; an eleventh streams big frames in slow
    motion. Its reader then stops: the ten keep their pace (compared with the same eleven
    sessions while it still read), it is dropped, and the server's memory stays flat."""
    url = load_server

    async def main() -> None:
        # Runs of earlier tests (on this server and the shared one) end after their grace.
        await asyncio.sleep(3.5)
        host, port = url.removeprefix("http://").split(":")
        ip = "127.0.2.30"  # the staller's own address, shared with 7 idle sockets
        clients = await open_clients(url, 10, first_ip=10)
        idle = [await connect(url, local_addr=(ip, 0)) for _ in range(7)]
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fills in a moment
        sock.bind((ip, 0))
        sock.connect((host, int(port)))
        staller = await connect(url, sock=sock, max_queue=1)
        try:
            for c in clients:
                await c.start(DEFAULT)
                await c.view(fps=20, **TFP_VIEW)
            await staller.start(DEFAULT)
            await staller.speed(20)  # slow motion: big frames, hardly any training
            await staller.view(["neurons", "boundary"], fps=60, grid=50, boundary_grid=200)
            everyone = [*clients, staller]
            await latest_steps(everyone, 1.5)  # all running
            start = (await latest_steps(everyone, 0.5))[:10]
            before = (await latest_steps(everyone, 4.0))[:10]
            memory = rss_mb()
            # From here the staller's frames are not read any more.
            mid = await latest_steps(clients, 0.5)
            after = await latest_steps(clients, 4.0)
            # A sender blocked on the staller would stop the others (a ratio near 0); the
            # margin only absorbs this shared machine's load changing between the windows.
            assert sum(after) - sum(mid) >= 0.75 * (sum(before) - sum(start)), (before, after)
            # Dropped: its address's eighth place comes free (its client never reads the
            # close frame, so the sign is the server's count).
            deadline, dropped = time.monotonic() + 20, False
            while not dropped and time.monotonic() < deadline:
                await latest_steps(clients, 0.5)
                try:
                    idle.append(await connect(url, local_addr=(ip, 0)))
                    dropped = True
                except InvalidStatus:
                    pass
            assert dropped, "the stalled socket was not dropped"
            assert rss_mb() - memory < 100  # latest frame wins: nothing piles up
        finally:
            staller.connection.transport.abort()
            for c in clients + idle:
                await c.close()

    asyncio.run(main())
