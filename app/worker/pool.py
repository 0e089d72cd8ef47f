"""The pool of worker processes, as the web process sees it (implements `api.Pool`).

Workers are reached through `transport` (spawned processes on this machine). One reader
thread takes every worker's events and hands them to the event loop. A worker that dies is
noticed at once from its closed channel (and by a supervisor checking liveness and
heartbeats, or a start-up timeout while it starts); its runs end with `done: failed` and a
new worker takes its place. Runs go to the ready worker hosting the fewest.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from app.protocol import DoneEvent, EndReason, StateRequest, StatusEvent
from app.settings import Settings
from app.worker import transport
from app.worker.api import Deliver, Event, PoolBusy, Recalled

log = logging.getLogger(__name__)
# How long the first `start` after the server starts waits for the other workers starting
# with the first ready one (importing torch took 18.6 s under load; most of it is shared).
STARTING_TOGETHER_S = 15.0


@dataclass
class Worker:
    slot: int
    link: transport.WorkerLink
    last_heartbeat: float = field(default_factory=time.monotonic)
    spawned_at: float = field(default_factory=time.monotonic)
    runs: set[str] = field(default_factory=set)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    dead: bool = False  # its pipe closed: the reader thread stops watching it
    replaced: bool = False
    first: bool = False  # spawned when the pool started (not a replacement)


class WorkerPool:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.device = "cpu"
        self._workers: dict[int, Worker] = {}
        self._runs: dict[str, tuple[int, Deliver]] = {}
        self._lock = threading.Lock()  # guards _workers for the reader thread
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reader: threading.Thread | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._stopping = False
        # Exports waiting for a run's weights (fetch_state), by run id.
        self._state_waiters: dict[str, list[asyncio.Future[Event]]] = {}

    @property
    def run_count(self) -> int:
        return len(self._runs)

    # --- life cycle ---

    async def start(self, wait: bool = True) -> None:
        """Spawns the workers; with `wait`, returns once every one is ready. The server
        starts with `wait=False` and serves the page at once (two workers importing torch
        on two busy cores took 18 s here), and a `start` waits in `wait_ready`."""
        self._loop = asyncio.get_running_loop()
        # If the interpreter exits before stop() (a server thread cut short), multiprocessing
        # ends the workers; they must not be taken for crashed and respawned then.
        atexit.register(self._stop_replacing)
        for slot in range(self.settings.worker_count):
            self._spawn(slot)
            self._workers[slot].first = True
        self._reader = threading.Thread(target=self._read_events, name="pool-events", daemon=True)
        self._reader.start()
        self._supervisor = asyncio.create_task(self._supervise())
        if wait:
            await asyncio.wait_for(
                asyncio.gather(*(w.ready.wait() for w in self._workers.values())),
                timeout=self.settings.startup_timeout_s,
            )

    async def wait_ready(self, timeout: float) -> bool:
        """Waits up to `timeout` s until some worker can take a run; whether one can.

        Just after the server starts, it also waits (up to STARTING_TOGETHER_S more) for
        the other workers of the first spawn: runs never move, and a class arriving at a
        new server otherwise all landed on whichever worker imported torch first (100
        students on one of two workers: the other idled at 9% CPU)."""
        deadline = time.monotonic() + timeout
        while not any(w.ready.is_set() and not w.dead for w in self._workers.values()):
            if self._stopping or time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.05)  # a replacement worker may appear in the meantime
        together = min(deadline, time.monotonic() + STARTING_TOGETHER_S)
        while any(
            not w.ready.is_set() and not w.dead and not w.replaced and w.first
            for w in self._workers.values()
        ):
            if self._stopping or time.monotonic() >= together:
                break
            await asyncio.sleep(0.05)
        return True

    def _spawn(self, slot: int) -> None:
        link = transport.spawn(slot, self.settings)
        with self._lock:
            self._workers[slot] = Worker(slot, link)

    def _stop_replacing(self) -> None:
        self._stopping = True

    async def stop(self) -> None:
        """Ends every run and worker: asks each to stop, then kills the late ones."""
        self._stopping = True
        atexit.unregister(self._stop_replacing)
        if self._supervisor:  # wait for it: its frame holds a worker until it ends
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        for run_id in list(self._runs):
            self._finish(run_id, "stopped", "the server is shutting down")
        await self._end_workers()
        if self._reader is not None:  # it may hold the last links: let them be collected
            await asyncio.to_thread(self._reader.join, 1)

    async def _end_workers(self) -> None:
        """Asks each worker to stop, kills the late ones, and forgets them. No reference to
        a worker may outlive `stop` (not even a loop variable in a task): uvicorn ends the
        process by re-raising SIGTERM, so nothing runs at exit, and a command queue still
        alive then leaves its semaphores to the resource tracker, which warns."""
        with self._lock:
            workers = list(self._workers.values())
            self._workers.clear()
        for worker in workers:
            worker.link.send(("shutdown", None, None))
        deadline = time.monotonic() + 5
        for worker in workers:
            await asyncio.to_thread(worker.link.end, max(0.0, deadline - time.monotonic()))

    # --- runs ---

    def open_run(
        self,
        spec: dict[str, Any],
        deliver: Deliver,
        paused: bool = False,
        checkpoint: dict[str, Any] | None = None,
        run_id: str = "",
    ) -> str:
        """`checkpoint`: a recorded run's, to continue from (app/store); `run_id`: the id a
        worker host (app/cluster/host.py) was given by the cluster; by default a new one."""
        if len(self._runs) >= self.settings.max_runs:
            raise PoolBusy(
                f"the server is busy: it runs {self.settings.max_runs} experiments "
                "at most; try again in a while"
            )
        # Only a ready worker takes a run: one still starting would hold it for seconds
        # before its first step (7.3 s to the first metrics after a kill, measured).
        live = [w for w in self._workers.values() if not w.dead and w.ready.is_set()]
        if not live:
            raise PoolBusy(
                "no worker is ready right now (one is starting); try again in a few seconds"
            )
        worker = min(live, key=lambda w: len(w.runs))
        run_id = run_id or uuid.uuid4().hex[:12]
        self._runs[run_id] = (worker.slot, deliver)
        worker.runs.add(run_id)
        payload = {"spec": spec, "paused": paused, "checkpoint": checkpoint}
        worker.link.send(("open", run_id, payload))
        return run_id

    def command(self, run_id: str, message: dict[str, Any]) -> None:
        entry = self._runs.get(run_id)
        if entry is not None:
            self._workers[entry[0]].link.send(("message", run_id, message))

    async def fetch_state(self, run_id: str, timeout: float) -> Event | None:
        """The run's weights as its worker sends them (a StateEvent dict, app/protocol.py);
        None when the run is unknown or its worker did not answer within `timeout` s."""
        entry = self._runs.get(run_id)
        if entry is None:
            return None
        future: asyncio.Future[Event] = asyncio.get_running_loop().create_future()
        waiters = self._state_waiters.setdefault(run_id, [])
        waiters.append(future)
        self._workers[entry[0]].link.send(("message", run_id, StateRequest().model_dump()))
        try:
            return await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            return None
        finally:
            if future in waiters:
                waiters.remove(future)
            if not waiters:
                self._state_waiters.pop(run_id, None)

    def close_run(self, run_id: str) -> None:
        worker = self._forget(run_id)[0]
        if worker is not None:
            worker.link.send(("close", run_id, None))

    def remember(
        self, token: str, run_id: str, resume: bool, carry: dict[str, Any] | None = None
    ) -> None:
        pass  # one process: its sessions hold their runs themselves

    async def recall(self, token: str) -> Recalled | None:
        return None  # a token this process does not know names no run

    async def adopt(self, run_id: str, deliver: Deliver) -> None:
        raise KeyError(run_id)  # never asked: recall names no run

    def _forget(self, run_id: str) -> tuple[Worker | None, Deliver | None]:
        """Drops a run from the books; its worker (if still there) and its owner."""
        entry = self._runs.pop(run_id, None)
        if entry is None:
            return None, None
        worker = self._workers.get(entry[0])
        if worker is not None:
            worker.runs.discard(run_id)
        return worker, entry[1]

    def _finish(self, run_id: str, reason: EndReason, detail: str) -> None:
        """Ends a run from the pool's side (its worker is gone): tells its owner, forgets it."""
        deliver = self._forget(run_id)[1]
        if deliver is None:
            return
        status = StatusEvent(
            run=run_id,
            state="done",
            step=None,  # its worker, which knew them, is gone
            epoch=None,
            steps_per_s=0.0,
            reason=reason,
            detail=detail,
        )
        deliver(status.wire())
        deliver(DoneEvent(run=run_id, reason=reason, detail=detail).wire() | {"closed": True})

    # --- events (reader thread -> event loop) ---

    def _read_events(self) -> None:
        while not self._stopping:
            with self._lock:
                links = {w.slot: w.link for w in self._workers.values() if not w.dead}
            for slot, event in transport.receive(links, timeout=0.1):
                if event is None:  # its channel closed: the worker is gone
                    with self._lock:
                        gone = self._workers.get(slot)  # None: `stop` ended it, as asked
                        if gone is not None:
                            gone.dead = True
                    if gone is not None:
                        self._call(self._on_death, slot, "its process ended")
                else:
                    self._call(self._dispatch, slot, event)

    def _call(self, fn: Any, *args: Any) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(fn, *args)

    def _dispatch(self, slot: int, event: Event) -> None:
        worker = self._workers.get(slot)
        if worker is None:
            return
        kind = event["type"]
        if kind == "heartbeat":
            worker.last_heartbeat = time.monotonic()
        elif kind == "ready":
            self.device = event["device"]
            worker.last_heartbeat = time.monotonic()
            worker.ready.set()
        elif kind == "state":  # an export's answer, for fetch_state, not the run's owner
            for future in self._state_waiters.get(event["run"], []):
                if not future.done():
                    future.set_result(event)
        elif (entry := self._runs.get(event["run"])) is not None and entry[0] == slot:
            if event.get("closed"):  # the worker could not build it; the event says why
                self._forget(event["run"])
            entry[1](event)  # a done run stays open (reset or set may revive it) until closed

    # --- supervision ---

    async def _supervise(self) -> None:
        while not self._stopping:
            await asyncio.sleep(0.2)
            now = time.monotonic()
            for worker in list(self._workers.values()):
                if not worker.link.alive():
                    self._on_death(worker.slot, f"its process ended ({worker.link.exit_reason()})")
                elif not worker.ready.is_set():  # starting: its own, longer timeout
                    if now - worker.spawned_at > self.settings.startup_timeout_s:
                        limit = self.settings.startup_timeout_s
                        self._on_death(worker.slot, f"it did not start within {limit:.0f} s")
                elif now - worker.last_heartbeat > self.settings.heartbeat_timeout_s:
                    self._on_death(worker.slot, "it stopped responding")

    def _on_death(self, slot: int, why: str) -> None:
        worker = self._workers.get(slot)
        if worker is None or worker.replaced or self._stopping:
            return
        worker.replaced = True
        log.warning("worker %d stopped: %s; replacing it", slot, why)
        worker.dead = True
        for run_id in list(worker.runs):
            self._finish(
                run_id,
                "failed",
                f"the worker training this run stopped ({why}); start the run again",
            )
        worker.link.end(0)  # kill if need be and reap: no zombies
        if worker.ready.is_set():
            self._spawn(slot)
        else:  # it died while starting: retry later rather than spin in a crash loop
            log.error("worker %d died before it was ready; retrying in 5 s", slot)
            assert self._loop is not None
            self._loop.call_later(5, lambda: None if self._stopping else self._spawn(slot))
