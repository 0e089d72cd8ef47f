"""Sessions end: a closed socket's run is closed after the grace period (not before), and an
idle session is closed with its run. The server here allows one run per client address, so
"a new session may start a run" is the sign that the old run is gone."""

from __future__ import annotations

import asyncio

import pytest
from websockets.exceptions import ConnectionClosed

from app.client import Client, connect

SPIRAL = {"data": {"dataset": "spiral", "n_samples": 200}}


async def start_answer(c: Client) -> str:
    """'busy' or 'started': the server's answer to a start."""
    await c.start(SPIRAL, paused=True)
    event = await c.wait_for(lambda e: e["type"] in ("error", "status"))
    return event["code"] if event["type"] == "error" else "started"


async def grace(url: str) -> None:
    ip = "127.0.0.31"
    first = await connect(url, local_addr=(ip, 0))
    assert await start_answer(first) == "started"
    await first.close()
    loop = asyncio.get_running_loop()
    closed_at = loop.time()
    async with await connect(url, local_addr=(ip, 0)) as second:
        assert await start_answer(second) == "busy"  # the first run is kept for a reload
        # Until the grace period (1 s) ends; starts this frequent are also paced (4 a
        # second per address), and a paced one says nothing about the grace period.
        while await start_answer(second) in ("busy", "rate_limited"):
            assert loop.time() < closed_at + 10, "the closed session's run was never closed"
            await asyncio.sleep(0.05)
        assert loop.time() - closed_at > 0.9


def test_a_closed_sockets_run_ends_after_the_grace_period(brief_server: str) -> None:
    asyncio.run(grace(brief_server))


async def idle(url: str) -> None:
    ip = "127.0.0.32"
    async with await connect(url, local_addr=(ip, 0)) as quiet:
        assert await start_answer(quiet) == "started"  # a paused run: not training
        with pytest.raises(ConnectionClosed):
            await quiet.wait_for(lambda e: False, timeout=10)
        assert quiet.close_code == 4001
    async with await connect(url, local_addr=(ip, 0)) as next_one:
        assert await start_answer(next_one) == "started"  # no grace for an idle session


def test_an_idle_session_is_closed_with_its_run(brief_server: str) -> None:
    asyncio.run(idle(brief_server))
