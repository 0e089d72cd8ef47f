"""Workers while they start: a start-up timeout of their own (not the heartbeat timeout),
and no run placed on a worker that is not ready yet."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from app.settings import Settings
from app.worker.api import PoolBusy
from app.worker.pool import WorkerPool
from tests.worker.held_ready import HeldReady
from tests.worker.test_pool import SMALL, Inbox, with_pool


async def kill(pool: WorkerPool, slot: int) -> int:
    """Kills a worker with SIGKILL; returns once the pool has spawned its replacement."""
    old = pool._workers[slot].link.process
    os.kill(old.pid, signal.SIGKILL)
    for _ in range(500):
        if pool._workers[slot].link.process.pid != old.pid:
            return old.pid
        await asyncio.sleep(0.01)
    raise AssertionError("no replacement spawned in 5 s")


def test_a_replacement_is_not_killed_by_the_heartbeat_timeout_while_it_starts() -> None:
    """A heartbeat timeout shorter than a worker's start-up (spawn, import torch): the
    replacement used to be taken for silent and killed before it was ready, again and
    again; with the start-up timeout it starts and trains."""

    async def test(pool: WorkerPool) -> None:
        await kill(pool, 0)
        await asyncio.wait_for(pool._workers[0].ready.wait(), 60)
        inbox = Inbox()
        pool.open_run(SMALL, inbox)
        await inbox.until(lambda e: e["type"] == "metrics", timeout=30)

    with_pool(test, workers=1, heartbeat_timeout_s=0.3, startup_timeout_s=60)


def test_runs_go_only_to_ready_workers_and_none_ready_is_busy_in_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def test(pool: WorkerPool) -> None:
        held = HeldReady(monkeypatch, {0, 1})  # the replacements start but are not heard
        await kill(pool, 0)
        assert not pool._workers[0].ready.is_set()
        runs = [pool.open_run(SMALL, Inbox(), paused=True) for _ in range(3)]
        assert {pool._runs[r][0] for r in runs} == {1}  # none on the starting worker
        await kill(pool, 1)
        with pytest.raises(PoolBusy, match="no worker is ready right now"):
            pool.open_run(SMALL, Inbox())
        held.release(0)
        await asyncio.wait_for(pool._workers[0].ready.wait(), 60)
        inbox = Inbox()
        pool.open_run(SMALL, inbox)
        await inbox.until(lambda e: e["type"] == "metrics", timeout=30)

    with_pool(test, workers=2)


def test_start_without_waiting_returns_at_once_and_wait_ready_waits_for_a_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the server does: serve at once, and let the first `start` wait."""

    async def main() -> None:
        held = HeldReady(monkeypatch, {0})
        pool = WorkerPool(Settings(workers=1))
        await pool.start(wait=False)
        try:
            assert not pool._workers[0].ready.is_set()
            with pytest.raises(PoolBusy):
                pool.open_run(SMALL, Inbox())
            waiting = asyncio.create_task(pool.wait_ready(60))
            await asyncio.sleep(0.3)
            assert not waiting.done(), "wait_ready returned before a worker was ready"
            held.release(0)
            assert await waiting
            inbox = Inbox()
            pool.open_run(SMALL, inbox)
            await inbox.until(lambda e: e["type"] == "metrics", timeout=30)
        finally:
            await pool.stop()

    asyncio.run(main())


def test_a_class_arriving_at_a_new_server_is_spread_over_its_workers() -> None:
    """Starts right after the server started wait for the workers starting together, so
    the runs spread over them (runs never move): they all landed on the first ready one."""

    async def main() -> None:
        pool = WorkerPool(Settings(workers=2))
        await pool.start(wait=False)
        try:
            assert await pool.wait_ready(60)
            runs = [pool.open_run(SMALL, Inbox(), paused=True) for _ in range(10)]
            slots = [pool._runs[r][0] for r in runs]
            assert sorted(slots.count(slot) for slot in (0, 1)) == [5, 5], slots
        finally:
            await pool.stop()

    asyncio.run(main())
