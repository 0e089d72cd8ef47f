"""The steps/s in status is the wall-clock rate: what the step counter advances per second,
in slow motion and with runs sharing a worker (it was the rate within a turn: 661 at slow
motion 1, about 3x the truth in turbo)."""

from __future__ import annotations

import statistics
import time
from typing import Any

from app.worker.pool import WorkerPool
from tests.worker.test_pool import SMALL, Inbox, with_pool


class TimedInbox(Inbox):
    """An Inbox that also notes when each status arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.statuses: list[tuple[float, dict[str, Any]]] = []

    def __call__(self, event: dict[str, Any]) -> None:
        super().__call__(event)
        if event["type"] == "status" and event["state"] == "running":
            self.statuses.append((time.monotonic(), event))

    def since(self, at: float) -> list[tuple[float, dict[str, Any]]]:
        return [(t, e) for t, e in self.statuses if t >= at]


def measured(statuses: list[tuple[float, dict[str, Any]]]) -> float:
    """Steps per second the counter really advanced between the first and last status."""
    (t0, first), (t1, last) = statuses[0], statuses[-1]
    return (last["step"] - first["step"]) / (t1 - t0)


def reported(statuses: list[tuple[float, dict[str, Any]]]) -> float:
    return statistics.median(e["steps_per_s"] for _, e in statuses)


def test_slow_motion_at_one_step_per_second_reads_about_one() -> None:
    async def test(pool: WorkerPool) -> None:
        inbox = TimedInbox()
        run = pool.open_run(SMALL, inbox, paused=True)
        pool.command(run, {"type": "speed", "steps_per_second": 1.0})
        pool.command(run, {"type": "resume"})
        await inbox.until(lambda e: e["type"] == "status" and (e["step"] or 0) >= 2)
        settled = time.monotonic()
        await inbox.until(lambda e: e["type"] == "status" and (e["step"] or 0) >= 5)
        statuses = inbox.since(settled)
        assert 0.7 <= reported(statuses) <= 1.3, [e["steps_per_s"] for _, e in statuses]
        assert max(e["steps_per_s"] for _, e in statuses) < 2

    with_pool(test, workers=1)


def test_two_runs_sharing_a_worker_each_read_what_their_counter_advances() -> None:
    async def test(pool: WorkerPool) -> None:
        inboxes = [TimedInbox(), TimedInbox()]
        for inbox in inboxes:
            pool.open_run(SMALL, inbox)
        for inbox in inboxes:
            await inbox.until(lambda e: e["type"] == "status" and (e["step"] or 0) > 300)
        settled = time.monotonic()
        for inbox in inboxes:  # about 2.5 s more of statuses, at 4 a second
            await inbox.until(lambda _e, i=inbox: len(i.since(settled)) >= 10)
        for inbox in inboxes:
            statuses = inbox.since(settled)
            truth, said = measured(statuses), reported(statuses[2:])
            assert 0.7 * truth <= said <= 1.3 * truth, (said, truth)

    with_pool(test, workers=1)
