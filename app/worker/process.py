"""The worker process: hosts many runs and gives each a turn of about `slice_ms` in
round-robin, so one big run cannot starve small ones. Commands arrive on a queue; events
leave on a pipe that only this process writes (so a worker killed mid-write breaks nothing
but its own pipe). Heartbeats come from a thread of their own, so a training step or an
evaluation that takes a minute does not make the pool take the worker for dead; the pipe
then has two writers, so every send holds a lock."""

from __future__ import annotations

import logging
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.queues import Queue
from typing import Any

import torch

from app.protocol import ErrorEvent
from app.settings import Settings
from app.train import resolve_device
from app.worker.api import Command
from app.worker.grouping import Groups
from app.worker.hosted import HostedRun

log = logging.getLogger(__name__)


def worker_main(
    worker_id: int, commands: Queue[Command], events: Connection, settings_json: str
) -> None:
    """Entry point of a spawned worker process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server decides when workers stop
    settings = Settings.model_validate_json(settings_json)
    torch.set_num_threads(settings.torch_threads)
    device = resolve_device(settings.device)
    settings = settings.model_copy(update={"device": str(device)})
    if device.type == "cpu" and settings.worker_memory_bytes:
        cap_memory(settings.worker_memory_bytes)
    # The first optimizer torch builds imports its compiler stack (about a second): pay it
    # now, before saying ready, not when the first student presses play.
    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    events.send({"type": "ready", "worker": worker_id, "device": device.type, "pid": os.getpid()})
    WorkerLoop(worker_id, commands, events, settings).run()
    exit_now(events)


def exit_now(events: Connection) -> None:
    """Ends the process without the interpreter's teardown: torch's native teardown took
    2-3 s (2 busy cores), which every server shutdown and worker restart waited for. The
    worker holds nothing that needs it: its runs live in memory only, and what it logged
    or sent is flushed here."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    events.close()
    os._exit(0)


def cap_memory(limit: int) -> None:
    """Caps this process's address space: an allocation beyond fails in the run that asked
    (torch raises RuntimeError, numpy MemoryError, both caught per run) instead of the
    kernel's OOM killer ending the worker and every run on it. Not on CUDA, whose driver
    maps far more address space than it uses."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))


class WorkerLoop:
    def __init__(
        self, worker_id: int, commands: Queue[Command], events: Connection, settings: Settings
    ) -> None:
        self.worker_id, self.commands, self.events, self.settings = (
            worker_id,
            commands,
            events,
            settings,
        )
        self.runs: dict[str, HostedRun] = {}
        self.groups = Groups(settings)
        self.parent = os.getppid()
        self.stopping = False
        self._send_lock = threading.Lock()  # the loop and the heartbeat thread both send
        self._stopped = threading.Event()

    def emit(self, event: dict[str, Any]) -> None:
        try:
            with self._send_lock:
                self.events.send(event)
        except OSError:  # the pool closed our pipe (it is stopping or gone): stop too
            self.stopping = True

    def _beat(self) -> None:
        """The heartbeat thread: every `heartbeat_s`, whatever the loop is doing (torch
        releases the GIL while it computes). A worker whose server is gone stops."""
        while not self._stopped.wait(self.settings.heartbeat_s):
            if os.getppid() != self.parent:  # the server is gone: no orphans
                self.stopping = True
                return
            self.emit({"type": "heartbeat", "worker": self.worker_id, "runs": len(self.runs)})

    def run(self) -> None:
        beat = threading.Thread(target=self._beat, name="heartbeat", daemon=True)
        beat.start()
        try:
            self._loop()
        finally:
            self._stopped.set()
            beat.join(1)

    def _loop(self) -> None:
        while not self.stopping:
            self._receive(timeout=self._idle_timeout(time.monotonic()))
            self.tick()

    def tick(self) -> None:
        """One turn (a run's, or a group's: app/worker/grouping.py), then what is due to
        every viewer."""
        turn = self._next_turn()
        if turn is not None and not (
            turn.groupable and self.groups.turn(turn, self.runs, time.monotonic())
        ):
            self._guarded(turn, lambda h: h.train_turn(time.monotonic()))
        self.groups.prepare_frames(time.monotonic())
        for hosted in list(self.runs.values()):
            self._guarded(hosted, lambda h: h.report(time.monotonic()))

    def _next_turn(self) -> HostedRun | None:
        """Of the runs ready to train, the one that has trained the least wall time: fair
        turns even when one run's single step outlasts the slice (a big CNN beside small
        MLPs). A slow-motion run waiting for its next step is not ready, so it never holds
        a turn it cannot use."""
        now = time.monotonic()
        ready = [h for h in self.runs.values() if h.ready(now)]
        return min(ready, key=lambda h: h.used_s) if ready else None

    def _guarded(self, hosted: HostedRun, action: Callable[[HostedRun], None]) -> None:
        try:
            action(hosted)
        except Exception as error:  # a bug must cost one run, not the worker
            log.exception("run %s failed", hosted.id)
            hosted.run.fail(f"internal error: {type(error).__name__}: {error}")
            try:  # a view that raised once may raise again on the same weights
                hosted.report(time.monotonic())
            except Exception:
                log.exception("reporting failed run %s failed too; ending it bare", hosted.id)
                hosted.send_done()

    def _open(
        self, run_id: str, spec: dict[str, Any], checkpoint: dict[str, Any] | None = None
    ) -> HostedRun | None:
        """Builds a run; a failure beyond a bad spec (out of memory while building) closes
        that run with the reason in words, never the worker."""
        try:
            return HostedRun.open(run_id, spec, self.settings, self.emit, checkpoint)
        except Exception as error:
            log.exception("building run %s failed", run_id)
            error_event = ErrorEvent(
                run=run_id,
                code="internal",
                field="spec",
                message=f"the run could not be built: {type(error).__name__}: {error}",
            )
            self.emit(error_event.wire() | {"closed": True})
            return None

    def _idle_timeout(self, now: float) -> float:
        waits = [h.wake_in(now) for h in self.runs.values()]
        waits.append(0.05)  # frames and statuses are due at most this late
        return min(waits)

    def _receive(self, timeout: float) -> None:
        """Handles every waiting command; blocks up to `timeout` for the first one."""
        block = timeout > 0
        while True:
            try:
                command = self.commands.get(block, timeout) if block else self.commands.get_nowait()
            except queue.Empty:
                return
            block = False
            self._handle(*command)

    def _handle(self, kind: str, run_id: str | None, payload: Any) -> None:
        if kind == "shutdown":
            self.stopping = True
        elif kind == "open" and run_id is not None:
            hosted = self._open(run_id, payload["spec"], payload.get("checkpoint"))
            if hosted is None:  # its error said why, and closed it
                return
            # A newcomer starts level with the least-served run, not ahead of everyone.
            hosted.used_s = min((h.used_s for h in self.runs.values()), default=0.0)
            self.runs[run_id] = hosted
            hosted.playing = not payload.get("paused", False)
            hosted.send_status()
        elif kind == "close" and run_id is not None:
            self.groups.release(run_id)
            self.runs.pop(run_id, None)
        elif kind == "message" and run_id in self.runs:
            hosted = self.runs[run_id]
            # reset and set change its network or optimizer; speed may take it out of groups
            if payload.get("type") in ("reset", "set", "speed"):
                self.groups.release(run_id)
            try:
                hosted.handle(payload)
            except Exception as error:
                log.exception("command %s on run %s failed", payload.get("type"), run_id)
                message = f"{payload.get('type')} failed: {error}"
                self.emit(ErrorEvent(run=run_id, code="internal", field="", message=message).wire())
