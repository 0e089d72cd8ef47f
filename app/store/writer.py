"""The writer thread: every database write and checkpoint file of the server goes through
its bounded queue, in batches (one transaction for what waits), so neither the event loop
nor a worker's training waits on the disk. A write that fails, or finds the queue full
(the database is slow), is dropped and its run reported "not saved" through `on_trouble`;
the run itself goes on."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

# A write; what it returns, if anything, runs once its transaction is committed (deleting
# the files a new checkpoint replaced: never before the row names the new ones).
Write = Callable[[Session], "Callable[[], None] | None"]
Trouble = Callable[[str, str], None]  # (run id, what went wrong, in words)
BATCH = 64  # writes one transaction takes at most


@dataclass
class Job:
    what: str  # "metrics", "checkpoint"... for the warning
    write: Write
    run_ids: tuple[str, ...]  # the runs it writes for, each warned if it fails


class Writer:
    def __init__(
        self, sessions: sessionmaker[Session], max_queue: int, on_trouble: Trouble
    ) -> None:
        self.sessions, self.on_trouble = sessions, on_trouble
        self.jobs: queue.Queue[Job | None] = queue.Queue(max_queue)
        self.thread = threading.Thread(target=self._serve, name="runs-writer", daemon=True)
        self.thread.start()

    def submit(self, what: str, write: Write, *run_ids: str) -> bool:
        """Queues a write for one run or more; False, and the runs reported, when the
        queue is full."""
        job = Job(what, write, run_ids)
        try:
            self.jobs.put_nowait(job)
        except queue.Full:
            for each in job.run_ids:
                self.on_trouble(each, f"the database is too slow: {what} could not be queued")
            return False
        return True

    def flush(self, timeout: float = 10.0) -> bool:
        """Waits until every queued write is done; whether they were in time."""
        done = threading.Event()
        try:  # set once the batch before it is committed, not while it is written
            self.jobs.put(Job("flush", lambda _db: done.set, ()), timeout=timeout)
        except queue.Full:
            return False
        return done.wait(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Writes what waits (up to `timeout`), then ends the thread."""
        try:
            self.jobs.put(None, timeout=timeout)
        except queue.Full:
            return
        self.thread.join(timeout)

    def _serve(self) -> None:
        while True:
            first = self.jobs.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < BATCH:
                try:
                    job = self.jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    self._write(batch)
                    return
                batch.append(job)
            self._write(batch)

    def _write(self, batch: list[Job]) -> None:
        """One transaction for the batch; if it fails, one per job, so one bad write (or a
        run deleted meanwhile) costs only its own."""
        try:
            with self.sessions.begin() as db:
                after = [job.write(db) for job in batch]
            _run_after(after)
            return
        except Exception:
            if len(batch) == 1:
                self._failed(batch[0])
                return
        for job in batch:
            try:
                with self.sessions.begin() as db:
                    done = job.write(db)
                _run_after([done])
            except Exception:
                self._failed(job)

    def _failed(self, job: Job) -> None:
        log.warning("saving %s of runs %s failed", job.what, job.run_ids, exc_info=True)
        for run_id in job.run_ids:
            self.on_trouble(run_id, f"saving its {job.what} failed")


def _run_after(actions: list[Callable[[], None] | None]) -> None:
    for action in actions:
        if action is not None:
            try:
                action()
            except OSError:  # a file left behind costs disk, not the record
                log.warning("cleaning up after a write failed", exc_info=True)
