"""The recorder (app/store/recorder.py) against a real SQLite database: a class of fast runs
sends thousands of metric points a second, so they are written together, every few
seconds per run, yet in order with the run's other writes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from app.store import recorder as recorder_module
from app.store import repository as repo
from app.store.database import open_database
from app.store.recorder import Bounds, Recorder
from app.store.writer import Writer

SPEC = {"seed": 1, "data": {"dataset": "xor"}, "model": {"layers": []}}


@pytest.fixture
def database(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    sessions = open_database(f"sqlite:///{tmp_path / 'runs.sqlite'}")
    yield sessions
    sessions.kw["bind"].dispose()


@pytest.fixture
def metric_writes(database: sessionmaker[Session]) -> list[int]:
    """One entry per statement that writes the metrics table (its number of rows)."""
    writes: list[int] = []

    def seen(_conn: Any, _cursor: Any, sql: str, params: Any, _ctx: Any, many: bool) -> None:
        if sql.lstrip().upper().startswith("INSERT INTO METRICS"):
            writes.append(len(params) if many else 1)

    event.listen(database.kw["bind"], "before_cursor_execute", seen)
    return writes


Body = Callable[[Recorder], Awaitable[None]]


def with_recorder(database: sessionmaker[Session], tmp_path: Path, body: Body) -> None:
    """Runs `body` on an event loop with a recorder on `database`, closed after it."""

    async def main() -> None:
        bounds = Bounds(per_owner=50, total=500, queue=1000)
        loop = asyncio.get_running_loop()
        recorder = Recorder(database, tmp_path / "checkpoints", bounds, loop)
        try:
            await body(recorder)
        finally:
            recorder.flush()
            await asyncio.to_thread(recorder.close)

    asyncio.run(main())


def metrics(epoch: int) -> dict[str, Any]:
    point = {"epoch": epoch, "step": epoch * 10, "train_loss": 1 / epoch, "val_loss": 1 / epoch}
    return {"type": "metrics", "points": [point]}


def status(state: str, epoch: int, reason: str | None = None) -> dict[str, Any]:
    return {"type": "status", "state": state, "step": epoch * 10, "epoch": epoch, "reason": reason}


def epochs(database: sessionmaker[Session], run_id: str) -> list[int]:
    with database() as db:
        return [p["epoch"] for p in repo.metric_points(db, run_id)]


async def written(recorder: Recorder) -> None:
    assert await asyncio.to_thread(recorder.writer.flush)


def test_many_runs_metric_events_become_one_write(
    database: sessionmaker[Session],
    tmp_path: Path,
    metric_writes: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(recorder_module, "FLUSH_S", 0.2)  # the same, sooner
    with_recorder(database, tmp_path, lambda recorder: two_fast_runs(recorder, database))
    assert metric_writes == [120]  # one statement: 60 points of each run


async def two_fast_runs(recorder: Recorder, database: sessionmaker[Session]) -> None:
    for run_id in ("a", "b"):
        recorder.begin(run_id, "browser:x", "playground", SPEC, lambda _: None)
    for epoch in range(1, 61):  # two runs at 60 epochs/s, one event per epoch
        recorder.event("a", metrics(epoch))
        recorder.event("b", metrics(epoch))
    await written(recorder)
    assert epochs(database, "a") == []  # still held: the flush comes FLUSH_S later
    await asyncio.sleep(recorder_module.FLUSH_S + 0.3)  # the timer's write is queued
    await written(recorder)
    assert epochs(database, "a") == epochs(database, "b") == list(range(1, 61))


def test_held_points_are_written_before_the_status_that_follows_them(
    database: sessionmaker[Session], tmp_path: Path
) -> None:
    with_recorder(database, tmp_path, lambda recorder: points_then_done(recorder, database))


async def points_then_done(recorder: Recorder, database: sessionmaker[Session]) -> None:
    recorder.begin("c", "browser:x", "playground", SPEC, lambda _: None)
    recorder.event("c", status("running", 0))
    for epoch in range(1, 6):
        recorder.event("c", metrics(epoch))
    recorder.event("c", status("done", 5, "max_epochs"))
    await written(recorder)  # no timer needed: the status wrote the points first
    assert epochs(database, "c") == [1, 2, 3, 4, 5]
    with database() as db:
        row = repo.get_run(db, "browser:x", "c")
        assert row is not None and (row.status, row.epochs) == ("done", 5)


def test_a_closed_run_keeps_its_last_points(
    database: sessionmaker[Session], tmp_path: Path
) -> None:
    with_recorder(database, tmp_path, lambda recorder: points_then_end(recorder, database))


async def points_then_end(recorder: Recorder, database: sessionmaker[Session]) -> None:
    recorder.begin("d", "browser:x", "playground", SPEC, lambda _: None)
    recorder.event("d", metrics(1))
    recorder.event("d", metrics(2))
    recorder.end("d")
    await written(recorder)
    assert epochs(database, "d") == [1, 2]


def test_a_failed_write_for_many_runs_warns_each_of_them(
    database: sessionmaker[Session],
) -> None:
    troubles: list[tuple[str, str]] = []
    writer = Writer(database, 10, lambda run_id, message: troubles.append((run_id, message)))

    def broken(db: Session) -> None:
        raise OSError("disk full")

    writer.submit("metrics", broken, "a", "b", "c")
    assert writer.flush()
    writer.stop()
    assert troubles == [(r, "saving its metrics failed") for r in ("a", "b", "c")]
