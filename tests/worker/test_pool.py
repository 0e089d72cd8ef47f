"""The worker pool with real spawned processes: placement, fair time-slicing, supervision
(kill -9 -> done: failed within 2 s, a replacement, the others unaffected), clean stop."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable
from typing import Any

import pytest

from app.settings import Settings
from app.spec import ExperimentSpec
from app.worker.api import PoolBusy
from app.worker.pool import WorkerPool

SMALL = ExperimentSpec().model_dump()  # TensorFlow Playground's default net
BIG = ExperimentSpec.model_validate(
    {
        "data": {"dataset": "digits"},
        "model": {"layers": [{"type": "conv2d", "filters": 32}, {"type": "dense", "units": 256}]},
        "train": {"batch_size": 256},
    }
).model_dump()


class Inbox:
    """Collects one run's events; `until` waits (no blind sleeps) for one that matches."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any]) -> None:
        self.events.append(event)

    async def until(
        self, match: Callable[[dict[str, Any]], bool], timeout: float = 20
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            for event in self.events[seen:]:
                if match(event):
                    return event
            seen = len(self.events)
            await asyncio.sleep(0.01)
        raise AssertionError(f"no matching event in {timeout} s; last: {self.events[-3:]}")

    def last_step(self) -> int:
        steps = [e["step"] for e in self.events if e["type"] == "status" and e["step"]]
        return steps[-1] if steps else 0


def with_pool(test: Callable[[WorkerPool], Any], **settings: Any) -> Any:
    async def main() -> Any:
        pool = WorkerPool(Settings(**{"workers": 2, **settings}))
        await pool.start()
        try:
            return await test(pool)
        finally:
            await pool.stop()

    return asyncio.run(main())


def test_runs_train_and_report() -> None:
    async def test(pool: WorkerPool) -> None:
        assert pool.device == "cpu"
        inbox = Inbox()
        run = pool.open_run(SMALL, inbox)
        await inbox.until(lambda e: e["type"] == "status" and e["state"] == "running")
        await inbox.until(lambda e: e["type"] == "metrics" and e["points"][-1]["epoch"] >= 5)
        pool.command(run, {"type": "pause"})
        paused = await inbox.until(lambda e: e["type"] == "status" and e["state"] == "paused")
        pool.command(run, {"type": "step", "n": 7})
        stepped = await inbox.until(
            lambda e: (
                e["type"] == "status" and e["state"] == "paused" and e["step"] != paused["step"]
            )
        )
        assert stepped["step"] == paused["step"] + 7
        pool.close_run(run)
        assert pool.run_count == 0

    with_pool(test)


def test_runs_go_to_the_least_loaded_worker() -> None:
    async def test(pool: WorkerPool) -> None:
        runs = [pool.open_run(SMALL, Inbox(), paused=True) for _ in range(4)]
        loads = sorted(len(w.runs) for w in pool._workers.values())
        assert loads == [2, 2]
        for run in runs:
            pool.close_run(run)

    with_pool(test)


def test_a_big_run_does_not_starve_small_ones() -> None:
    """One worker, one heavy CNN run and two small ones: round-robin by wall time gives the
    small ones most of their solo speed in steps."""

    async def test(pool: WorkerPool) -> None:
        solo = Inbox()
        run = pool.open_run(SMALL, solo)
        await solo.until(lambda e: e["type"] == "status" and e["step"] and e["step"] > 300)
        start = solo.last_step(), time.monotonic()
        await asyncio.sleep(1.0)
        solo_rate = (solo.last_step() - start[0]) / (time.monotonic() - start[1])
        pool.close_run(run)

        big, small = Inbox(), Inbox()
        runs = [pool.open_run(BIG, big), pool.open_run(SMALL, small)]
        await small.until(lambda e: e["type"] == "status" and e["step"] and e["step"] > 300)
        await big.until(lambda e: e["type"] == "status" and e["step"] and e["step"] > 3)
        start = small.last_step(), time.monotonic()
        await asyncio.sleep(1.5)
        shared_rate = (small.last_step() - start[0]) / (time.monotonic() - start[1])
        # Two runs share one core in turns of equal wall time: about half the solo rate.
        assert shared_rate > 0.3 * solo_rate, (shared_rate, solo_rate)
        assert big.last_step() > 3
        for r in runs:
            pool.close_run(r)

    with_pool(test, workers=1)


def test_killed_worker_fails_its_runs_fast_and_is_replaced() -> None:
    async def test(pool: WorkerPool) -> None:
        victim, bystander = Inbox(), Inbox()
        victim_run = pool.open_run(SMALL, victim)
        other_run = pool.open_run(SMALL, bystander)
        assert pool._runs[victim_run][0] != pool._runs[other_run][0]
        await victim.until(lambda e: e["type"] == "status" and e["state"] == "running")
        await bystander.until(lambda e: e["type"] == "status" and e["state"] == "running")
        slot = pool._runs[victim_run][0]
        old = pool._workers[slot].link.process
        killed_at = time.monotonic()
        os.kill(old.pid, signal.SIGKILL)
        done = await victim.until(lambda e: e["type"] == "done", timeout=2)
        assert time.monotonic() - killed_at < 2
        assert done["reason"] == "failed" and "worker" in done["detail"]
        assert done["closed"] is True  # the owner learns the run is gone
        assert old.exitcode == -signal.SIGKILL  # reaped: no zombie
        before = bystander.last_step()
        await bystander.until(lambda e: e["type"] == "status" and e["step"] > before + 100)
        await asyncio.wait_for(pool._workers[slot].ready.wait(), 30)
        assert pool._workers[slot].link.process.pid != old.pid
        fresh = Inbox()
        pool.open_run(SMALL, fresh)
        pool.open_run(SMALL, fresh)  # one lands on the new worker
        await fresh.until(lambda e: e["type"] == "metrics")

    with_pool(test)


def test_bad_spec_is_an_error_naming_the_field_and_the_run_is_forgotten() -> None:
    async def test(pool: WorkerPool) -> None:
        inbox = Inbox()
        spec = ExperimentSpec.model_validate(
            {"data": {"dataset": "digits"}, "model": {"layers": [{"type": "conv2d", "kernel": 9}]}}
        ).model_dump()
        pool.open_run(spec, inbox)
        error = await inbox.until(lambda e: e["type"] == "error")
        assert error["closed"] is True and error["field"] == "spec.model.layers.0"
        assert "kernel 9 is larger" in error["message"]
        deadline = time.monotonic() + 5
        while pool.run_count and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert pool.run_count == 0

    with_pool(test)


def test_server_busy_beyond_max_runs() -> None:
    async def test(pool: WorkerPool) -> None:
        pool.open_run(SMALL, Inbox(), paused=True)
        pool.open_run(SMALL, Inbox(), paused=True)
        with pytest.raises(PoolBusy, match="busy"):
            pool.open_run(SMALL, Inbox())

    with_pool(test, max_runs=2)


def test_stop_leaves_no_processes() -> None:
    async def main() -> None:
        pool = WorkerPool(Settings(workers=2))
        await pool.start()
        inboxes = [Inbox() for _ in range(5)]
        for inbox in inboxes:
            pool.open_run(SMALL, inbox)
        await inboxes[-1].until(lambda e: e["type"] == "status" and e["state"] == "running")
        processes = [w.link.process for w in pool._workers.values()]
        started = time.monotonic()
        await pool.stop()
        assert time.monotonic() - started < 10
        assert all(p.exitcode is not None for p in processes)
        assert all(
            any(e["type"] == "done" and e["reason"] == "stopped" for e in i.events) for i in inboxes
        )

    asyncio.run(main())


def test_a_view_the_model_cannot_show_is_an_error_and_the_run_goes_on() -> None:
    async def test(pool: WorkerPool) -> None:
        inbox = Inbox()
        run = pool.open_run(SMALL, inbox)
        pool.command(
            run,
            {
                "type": "view",
                "views": ["feature_maps"],
                "fps": 30,
                "grid": 10,
                "boundary_grid": 100,
                "sample": 0,
            },
        )
        error = await inbox.until(lambda e: e["type"] == "error")
        assert error["field"] == "views" and "no convolution" in error["message"]
        before = inbox.last_step()
        await inbox.until(lambda e: e["type"] == "status" and e["step"] > before + 200)
        assert not any(e["type"] == "done" for e in inbox.events)

    with_pool(test)


def test_a_slow_motion_run_does_not_hold_the_turns() -> None:
    """A run at 5 steps/s waits for its next step without taking turns from the others."""

    async def test(pool: WorkerPool) -> None:
        async def rate(inbox: Inbox) -> float:
            await inbox.until(lambda e: e["type"] == "status" and e["step"] and e["step"] > 300)
            start = inbox.last_step(), time.monotonic()
            await asyncio.sleep(2.0)  # status comes 4 times a second: a longer window, less noise
            return (inbox.last_step() - start[0]) / (time.monotonic() - start[1])

        solo = Inbox()
        run = pool.open_run(SMALL, solo)
        alone = await rate(solo)
        slow, fast = Inbox(), Inbox()
        slow_run = pool.open_run(SMALL, slow)
        pool.command(slow_run, {"type": "speed", "steps_per_second": 5.0})
        pool.close_run(run)
        pool.open_run(SMALL, fast)
        beside = await rate(fast)
        assert beside > 0.7 * alone, (beside, alone)
        assert 2 <= slow.last_step() <= 30  # about 5 steps/s over the few seconds

    with_pool(test, workers=1)
