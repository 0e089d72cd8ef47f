"""`nnplayground worker --redis URL`: a worker host. It hosts runs with the existing worker
machinery (app/worker/pool.py: spawned processes, time slices, a dead worker replaced) and
reaches the cluster through Redis only: it registers with a lease, takes new runs from
dispatch while it has a free slot, owns each through a lease, reads each run's control
stream and publishes its events, frames and checkpoints (up to `cluster_checkpoint_bytes`:
the replica recording the run saves them, so a run lost with its host can be reopened).

Self-fencing: a run whose lease another host or the reaper took is stopped at the next
renewal; if Redis cannot be reached for longer than a lease, every run stops (the reaper
may have told their students already). A Redis restart shorter than that loses nothing:
the host registers again and takes its leases back (app/cluster/ownership.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.cluster import codec, dispatch, hosts, names, ownership, reaper, streams
from app.protocol import ErrorEvent, SavingEvent
from app.settings import Settings
from app.worker.api import Event, PoolBusy
from app.worker.pool import WorkerPool

log = logging.getLogger(__name__)
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
RETRY_S = 0.2  # after Redis did not answer


class WorkerHost:
    def __init__(self, redis: Redis, settings: Settings, device: str, slots: int) -> None:
        self.redis, self.settings, self.device, self.slots = redis, settings, device, slots
        self.id = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:4]}"
        self.pool = WorkerPool(settings.model_copy(update={"device": device}))
        self.runs: set[str] = set()
        self.fence = ownership.Fence()
        # Events waiting to be published: all of them in order; frames and checkpoints only
        # the latest per run (latest wins here too, so a slow Redis costs bounded memory).
        self.pending: list[tuple[str, Event]] = []
        self.frames: dict[str, Event] = {}
        self.checkpoints: dict[str, Event] = {}
        self.unsaved: set[str] = set()  # runs whose page heard their weights are not saved
        self.wake = asyncio.Event()
        self.stopping = False

    @property
    def free(self) -> int:
        return max(0, self.slots - len(self.runs))

    async def serve(self) -> None:
        """Starts the workers, then hosts runs until cancelled."""
        await self.pool.start(wait=True)
        log.info("worker host %s ready: %s, %d slots", self.id, self.pool.device, self.slots)
        loops = [self._renew, self._take, self._control, self._publish]
        tasks = [asyncio.create_task(self._forever(loop)) for loop in loops]
        try:
            await asyncio.gather(*tasks)
        finally:
            self.stopping = True
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            with contextlib.suppress(*REDIS_DOWN):
                await hosts.unregister(self.redis, self.id)
            await self.pool.stop()

    async def _forever(self, loop: Callable[[], Awaitable[None]]) -> None:
        """Runs one of the host's loops; Redis going away costs a retry, not the host."""
        while not self.stopping:
            try:
                await loop()
            except REDIS_DOWN as error:
                log.warning("redis unreachable (%s); retrying", error)
                await asyncio.sleep(RETRY_S)

    # --- leases ---

    async def _renew(self) -> None:
        if self.fence.lapsed() and self.runs:
            self._fence_all("this host could not reach Redis for longer than its lease")
        info = hosts.HostInfo(self.id, self.pool.device, self.free, len(self.runs))
        await hosts.register(self.redis, info)
        held = await ownership.renew(self.redis, sorted(self.runs), self.id)
        self.fence.renewed()
        for run, ours in held.items():
            if not ours and run in self.runs:
                log.warning("run %s: lease lost; stopping it", run)
                self._stop_run(run)
        await asyncio.sleep(names.RENEW_S)

    def _fence_all(self, why: str) -> None:
        log.warning("stopping %d runs: %s", len(self.runs), why)
        for run in list(self.runs):
            self._stop_run(run)

    def _stop_run(self, run: str) -> None:
        self.runs.discard(run)
        self.unsaved.discard(run)
        self.pool.close_run(run)

    # --- new runs ---

    async def _take(self) -> None:
        if self.free <= 0 or self.fence.lapsed():
            await asyncio.sleep(0.1)
            return
        jobs = await dispatch.take(self.redis, self.pool.device, self.id, self.free, 500)
        for run, spec, paused, checkpoint in jobs:
            await self._open(run, spec, paused, checkpoint)

    async def _open(
        self, run: str, spec: dict[str, Any], paused: bool, checkpoint: dict[str, Any] | None
    ) -> None:
        if not await ownership.claim(self.redis, run, self.id):
            return  # another host has it
        await streams.open_control(self.redis, run)
        try:
            self.pool.open_run(spec, self._deliver_for(run), paused, checkpoint, run_id=run)
        except PoolBusy as error:
            event = ErrorEvent(run=run, code="busy", field="", message=str(error))
            self._deliver_for(run)(event.wire() | {"closed": True})
            return
        self.runs.add(run)

    def _deliver_for(self, run: str) -> Callable[[Event], None]:
        def deliver(event: Event) -> None:
            if event.get("closed"):  # the pool forgot it (its worker died): so do we
                self.runs.discard(run)
                self.unsaved.discard(run)
            if event["type"] == "checkpoint":
                self._checkpoint(run, event)
            elif event["type"] == "frame":
                self.frames[run] = event
            else:
                self.pending.append((run, event))
            self.wake.set()

        return deliver

    def _checkpoint(self, run: str, event: Event) -> None:
        """The latest checkpoint goes out; one over the size limit does not, and the run's
        page is told once that its weights are not being saved."""
        size, limit = codec.checkpoint_size(event), self.settings.cluster_checkpoint_bytes
        if size <= limit:
            self.checkpoints[run] = event
            return
        if run not in self.unsaved:
            self.unsaved.add(run)
            why = (
                f"this run's weights are not being saved: its checkpoint is {size:,} bytes, "
                f"over this cluster's limit of {limit:,} (NNP_CLUSTER_CHECKPOINT_BYTES); "
                "it trains on, but cannot be reopened later"
            )
            self.pending.append((run, SavingEvent(run=run, saved=False, message=why).wire()))

    # --- commands ---

    async def _control(self) -> None:
        if not self.runs:
            await asyncio.sleep(0.05)
            return
        for run, message in await streams.take_commands(
            self.redis, sorted(self.runs), self.id, block_ms=50
        ):
            if run not in self.runs:
                continue
            if message.get("type") == "close":
                self._stop_run(run)
                await ownership.release(self.redis, run, self.id)
            else:
                self.pool.command(run, message)

    # --- events ---

    async def _publish(self) -> None:
        await self.wake.wait()
        self.wake.clear()
        pending, self.pending = self.pending, []
        frames, self.frames = self.frames, {}
        checkpoints, self.checkpoints = self.checkpoints, {}
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for run, event in pending:
                    streams.publish(pipe, run, event)
                for run, checkpoint in checkpoints.items():
                    streams.publish(pipe, run, checkpoint)
                for run, frame in frames.items():
                    streams.publish(pipe, run, frame)
                await pipe.execute()
        except REDIS_DOWN:
            self.pending[:0] = pending  # events are never dropped; frames may be
            for run, checkpoint in checkpoints.items():  # unless a newer one came meanwhile
                self.checkpoints.setdefault(run, checkpoint)
            raise
        for run, event in pending:
            if event.get("closed"):
                await reaper.forget(self.redis, run)  # it said why it ended: not the reaper's
