"""A flood of resets is paced, on a real uvicorn server with one worker: of 40 resets sent at
once, only the burst (8) and what the rate (4 per second) refills are rebuilt; the rest are
answered with a `rate_limited` error in words, and the socket stays open. An innocent run
from another address on the same worker keeps training through the flood."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.client import Client, Event, connect
from app.settings import Settings
from tests.servers import running

SPIRAL = {"data": {"dataset": "spiral", "n_samples": 200}}
RESETS = 40


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp("data")
    with running(Settings(data_dir=data_dir, workers=1)) as url:
        yield url


async def latest_step(c: Client) -> int:
    event = await c.wait_for(lambda e: e["type"] == "metrics")
    return int(event["points"][-1]["step"])


async def flood(url: str) -> list[Event]:
    """Starts a run, sends RESETS resets at once, then a message answered with a known
    error; returns the rate_limited errors that came before it."""
    async with await connect(url, local_addr=("127.0.0.10", 0)) as c:
        await c.start(SPIRAL)
        await c.wait_for(lambda e: e["type"] == "status")
        for _ in range(RESETS):
            await c.reset()
        await c.send({"type": "step", "n": 0})  # invalid: its error marks the end
        limited = []
        while True:
            event = await c.wait_for(lambda e: e["type"] == "error", timeout=30)
            if event["code"] != "rate_limited":
                assert event["field"] == "n", event
                return limited
            limited.append(event)


def test_a_reset_flood_is_paced_and_the_innocent_keeps_training(one_worker: str) -> None:
    async def main() -> list[Event]:
        async with await connect(one_worker, local_addr=("127.0.0.11", 0)) as innocent:
            await innocent.start(SPIRAL)
            before = await latest_step(innocent)
            limited = await flood(one_worker)
            after = await latest_step(innocent)
            assert after > before, "the innocent run stopped training"
            return limited

    limited = asyncio.run(main())
    assert RESETS - 8 - 6 <= len(limited) <= RESETS + 1 - 8, len(limited)
    assert limited[0]["message"] == (
        "at most 4 starts or resets per second from one address (a burst of 8); "
        "this reset was not done"
    )
