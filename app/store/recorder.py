"""The recorder: turns the events the web process already receives for a run (status,
metrics, checkpoint, done) into writes for the writer thread. Called on the event loop;
never blocks it (a full queue drops the write and reports the run "not saved").

Status events come a few times a second: only a change of state or reason is written.
Metric points are held per run and written every FLUSH_S seconds, and before anything
else of their run is written, so the order stays: a class of fast runs sends thousands of
points a second, and one write per event cost the web process most of a core."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.store import repository as repo
from app.store.writer import Writer

Warn = Callable[[str], None]  # tells the run's page it is not saved, in words
FLUSH_S = 3.0  # how long metric points wait to be written together


@dataclass(frozen=True)
class Bounds:
    per_owner: int  # runs kept per owner (oldest unpinned deleted first)
    total: int  # runs kept in all
    queue: int  # writes waiting at most


@dataclass
class Recording:
    record_id: str
    owner: str
    warn: Warn
    state: tuple[str, str | None] | None = None  # the last status written
    saved: bool = True
    points: list[dict[str, Any]] = field(default_factory=list)  # not yet written


class Recorder:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        root: Path,
        bounds: Bounds,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.sessions, self.root, self.bounds, self.loop = sessions, root, bounds, loop
        self.recordings: dict[str, Recording] = {}
        self.flush_timer: asyncio.TimerHandle | None = None
        self.writer = Writer(sessions, bounds.queue, self._trouble)

    def begin(
        self, record_id: str, owner: str, kind: str, spec: dict[str, Any], warn: Warn
    ) -> None:
        """Records a new run; older unpinned runs beyond the bounds go."""
        self.recordings[record_id] = Recording(record_id, owner, warn)
        bounds, root = self.bounds, self.root

        def create(db: Session) -> None:
            repo.create_run(db, record_id, owner, kind, spec)
            db.flush()
            repo.prune(db, root, owner, bounds.per_owner, bounds.total, keep=record_id)

        self.writer.submit("record", create, record_id)

    def follow(self, record_id: str, owner: str, warn: Warn, epoch: int) -> None:
        """Records the events of a run reopened at its checkpoint's `epoch` into its
        existing record, from that epoch on."""
        self.recordings[record_id] = Recording(record_id, owner, warn)
        self.writer.submit("rewind", lambda db: repo.rewind(db, record_id, epoch), record_id)

    def load(self, owner: str, record_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """A recorded run of `owner` to reopen: its spec and its last checkpoint's bytes
        ({"weights", "optimizer"}); None if it is not theirs or has no checkpoint. Reads
        the disk: call off the event loop."""
        with self.sessions() as db:
            row = repo.get_run(db, owner, record_id)
            found = None if row is None else repo.read_checkpoint(db, self.root, record_id)
            if row is None or found is None:
                return None
            checkpoint = {"weights": found[1], "optimizer": found[2], "epoch": found[0].epoch}
            return row.spec, checkpoint

    def event(self, record_id: str, event: dict[str, Any]) -> None:
        recording = self.recordings.get(record_id)
        if recording is None:
            return
        kind = event["type"]
        if kind == "status":
            self._status(recording, event)
        elif kind == "metrics" and event.get("points"):
            recording.points.extend(event["points"])
            if self.flush_timer is None:
                self.flush_timer = self.loop.call_later(FLUSH_S, self.flush)
        elif kind == "checkpoint":
            self._checkpoint(recording, event)

    def flush(self) -> None:
        """Queues every run's waiting metric points (on the loop, FLUSH_S after the first)."""
        if self.flush_timer is not None:
            self.flush_timer.cancel()
            self.flush_timer = None
        waiting = {r.record_id: r.points for r in self.recordings.values() if r.points}
        if not waiting:
            return
        for recording in self.recordings.values():
            recording.points = []

        def write(db: Session) -> None:
            repo.add_points_of_runs(db, waiting)

        self.writer.submit("metrics", write, *waiting)

    def _write_points(self, recording: Recording) -> None:
        if not recording.points:
            return
        rid, points, recording.points = recording.record_id, recording.points, []
        self.writer.submit("metrics", lambda db: repo.add_points(db, rid, points), rid)

    def _status(self, recording: Recording, event: dict[str, Any]) -> None:
        state = (event["state"], event.get("reason"))
        if state == recording.state:
            return
        recording.state = state
        self._write_points(recording)
        rid, step, epoch = recording.record_id, event.get("step"), event.get("epoch")
        detail = event.get("detail") or ""

        def write(db: Session) -> None:
            repo.record_status(db, rid, state[0], step, epoch, state[1], detail)

        self.writer.submit("status", write, rid)

    def _checkpoint(self, recording: Recording, event: dict[str, Any]) -> None:
        """The checkpoint, with its run's waiting points in the same write: the record
        then holds every epoch up to the one a reopened run continues from (a class's
        100 runs checkpoint 20 times a second: not one more write each)."""
        root, record_id = self.root, recording.record_id
        step, epoch, val_loss = event["step"], event["epoch"], event.get("val_loss")
        weights, optimizer = event["weights"], event["optimizer"]
        thumbnail = event.get("thumbnail")  # the run's picture for "My runs", if it has one
        points, recording.points = recording.points, []

        def write(db: Session) -> Callable[[], None]:
            repo.add_points(db, record_id, points)
            stale = repo.save_checkpoint(
                db, root, record_id, step, epoch, weights, optimizer, val_loss
            )
            if thumbnail:
                repo.save_thumbnail(db, record_id, thumbnail)
            return lambda: repo.remove_files(stale)

        self.writer.submit("checkpoint", write, record_id)

    def end(self, record_id: str) -> None:
        """The run is closed: nothing more of it is recorded (its rows stay)."""
        recording = self.recordings.pop(record_id, None)
        if recording is not None:
            self._write_points(recording)

    def close(self, timeout: float = 10.0) -> None:
        """Writes what waits, then stops the writer. Call `flush` on the loop first."""
        self.writer.stop(timeout)

    def _trouble(self, record_id: str, message: str) -> None:
        """From the writer thread (or the loop, for a full queue): warn once per run."""
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self._warn, record_id, message)

    def _warn(self, record_id: str, message: str) -> None:
        recording = self.recordings.get(record_id)
        if recording is None or not recording.saved:
            return
        recording.saved = False
        recording.warn(f"this run is not being saved: {message}; it trains on")
