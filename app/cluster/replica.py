"""The pool of a web replica (`serve --redis URL`), implementing app/worker/api.Pool on
Redis: runs train on worker hosts; this process keeps only the callbacks of the runs its
own sockets watch. A session's run and whether to play it again live in Redis
(`remember`/`recall`), so a page reloading onto another replica resumes its run there.

One reader task per replica reads the event and frame streams of every run it serves
(XREAD over all of them), not one per socket; one sender task writes what the sessions
asked, in order. One replica at a time also reaps (app/cluster/reaper.py)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis

from app.cluster import codec, dispatch, hosts, names, reaper, streams
from app.cluster.host import REDIS_DOWN, RETRY_S
from app.settings import Settings
from app.worker.api import Deliver, Event, PoolBusy, Recalled

log = logging.getLogger(__name__)
REAP_EVERY_S = 0.5  # with the 3 s lease: a lost host's runs fail within 3.5 s

Job = Callable[[], Awaitable[Any]]


class ClusterPool:
    def __init__(self, settings: Settings, redis: Redis) -> None:
        self.settings, self.redis = settings, redis
        self.id = f"replica-{uuid.uuid4().hex[:8]}"
        self.device = "cpu"
        self.dispatch_device = "cuda" if settings.device.startswith("cuda") else "cpu"
        self.hosts: list[hosts.HostInfo] = []
        self._deliver: dict[str, Deliver] = {}
        self._last: streams.StreamIds = {}
        self._jobs: asyncio.Queue[Job] = asyncio.Queue()
        self._changed = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    @property
    def run_count(self) -> int:
        return len(self._deliver)

    # --- life cycle ---

    async def start(self, wait: bool = True) -> None:
        with contextlib.suppress(*REDIS_DOWN):
            await dispatch.ensure_groups(self.redis)
        loops = [self._read, self._send, self._watch_hosts]
        self._tasks = [asyncio.create_task(self._forever(loop)) for loop in loops]
        if wait:
            await self.wait_ready(self.settings.startup_timeout_s)

    async def wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self.hosts:
            if self._stopping or time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    async def stop(self) -> None:
        """Stops this replica's tasks. Its runs go on: their students reconnect through
        another replica (or their sessions' grace ends there)."""
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.redis.aclose()

    async def _forever(self, loop: Callable[[], Awaitable[None]]) -> None:
        while not self._stopping:
            try:
                await loop()
            except REDIS_DOWN as error:
                log.warning("redis unreachable (%s); retrying", error)
                await asyncio.sleep(RETRY_S)

    # --- runs ---

    def open_run(
        self,
        spec: dict[str, Any],
        deliver: Deliver,
        paused: bool = False,
        checkpoint: dict[str, Any] | None = None,
        run_id: str = "",
    ) -> str:
        if checkpoint is not None:
            self._check_size(checkpoint)
        if not self.hosts:
            raise PoolBusy("no worker host is ready right now; try again in a few seconds")
        if sum(h.free for h in self.hosts) <= 0:
            raise PoolBusy("every worker host is full; try again in a while")
        run = run_id or uuid.uuid4().hex[:12]
        self._watch(run, deliver, "0")

        async def submit() -> None:
            await dispatch.submit(self.redis, self.dispatch_device, run, spec, paused, checkpoint)
            await self.redis.hset(names.run_key(run), "replica", self.id)

        self._jobs.put_nowait(submit)
        return run

    def _check_size(self, checkpoint: dict[str, Any]) -> None:
        """A recorded run's checkpoint travels to its new host on the dispatch stream, so
        the size bound of the checkpoints hosts send applies to it too."""
        size, limit = codec.checkpoint_size(checkpoint), self.settings.cluster_checkpoint_bytes
        if size > limit:
            raise PoolBusy(
                f"this run's checkpoint is {size:,} bytes, over this cluster's limit of "
                f"{limit:,} (NNP_CLUSTER_CHECKPOINT_BYTES): it cannot be reopened here"
            )

    async def adopt(self, run_id: str, deliver: Deliver) -> None:
        """Serves a run another replica started (its page reconnected here): replays its
        events up to now before returning (the session, detached, keeps the newest), then
        the reader follows them. A `moved` event on the run's stream tells the replica that
        served it before to let it go, so one replica at a time records it; checkpoints are
        followed from the newest on (the one before was that replica's to record)."""
        await self.redis.hset(names.run_key(run_id), "replica", self.id)
        checkpoints = await streams.last_id(self.redis, names.checkpoints_stream(run_id))
        await streams.announce_move(self.redis, run_id, self.id)
        last: streams.StreamIds = {names.events_stream(run_id): "0"}
        while batch := await streams.read_events(self.redis, last, block_ms=None, count=500):
            for _, event in batch:
                if event["type"] != "moved":
                    deliver(event)
        self._watch(run_id, deliver, last[names.events_stream(run_id)], checkpoints)

    def command(self, run_id: str, message: dict[str, Any]) -> None:
        if run_id in self._deliver:
            self._jobs.put_nowait(lambda: streams.send_command(self.redis, run_id, message))

    async def fetch_state(self, run_id: str, timeout: float) -> Event | None:
        """A run's weights for an export: not carried over Redis yet (they are raw tensors,
        megabytes for a CNN), so None, which callers answer as a run whose weights could
        not be had. docs/deploy.md lists this limit."""
        return None

    def close_run(self, run_id: str) -> None:
        """Forgets the run here; closes it on its host unless another replica adopted it
        since (a session that moved: this replica's grace ending must not end its run)."""
        if self._deliver.pop(run_id, None) is None:
            return
        self._forget_streams(run_id)

        async def close() -> None:
            replica: Any = await self.redis.hget(names.run_key(run_id), "replica")
            if replica is None or replica.decode() == self.id:
                await streams.send_command(self.redis, run_id, {"type": "close"})
                await reaper.forget(self.redis, run_id)

        self._jobs.put_nowait(close)

    def _watch(self, run: str, deliver: Deliver, since: Any, checkpoints: Any = "0") -> None:
        self._deliver[run] = deliver
        self._last[names.events_stream(run)] = since
        self._last[names.frames_stream(run)] = "0"  # at most FRAME_MAXLEN: the newest
        self._last[names.checkpoints_stream(run)] = checkpoints  # for the runs database
        self._changed.set()

    def _forget_streams(self, run: str) -> None:
        for stream in (names.events_stream, names.frames_stream, names.checkpoints_stream):
            self._last.pop(stream(run), None)

    # --- sessions (resume on any replica) ---

    def remember(
        self, token: str, run_id: str, resume: bool, carry: dict[str, Any] | None = None
    ) -> None:
        """Records which run a session holds, whether a resume plays it again, and what it
        carries (its record id and spec), for as long as a run may live and its grace
        after."""
        s = self.settings
        keep_s = max(1, int(s.run_time_limit_s + s.ws_resume_grace_s))
        record = json.dumps({"run": run_id, "resume": resume, "carry": carry or {}})
        self._jobs.put_nowait(lambda: self.redis.set(names.session_key(token), record, ex=keep_s))

    async def recall(self, token: str) -> Recalled | None:
        """The live run of a session another replica served, whether to play it again, and
        what it carried."""
        try:
            record = await self.redis.get(names.session_key(token))
            if record is None:
                return None
            data = json.loads(record)
            run = str(data["run"])
            state: Any = await self.redis.hget(names.run_key(run), "state")
        except REDIS_DOWN:
            return None
        if state not in (b"queued", b"owned"):
            return None  # ended meanwhile: the session starts afresh
        carry = data.get("carry")
        return run, bool(data["resume"]), carry if isinstance(carry, dict) else {}

    # --- tasks ---

    async def _read(self) -> None:
        """The one reader: every served run's events, handed to its session in order."""
        if not self._last:
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), 0.5)
            return
        for run, event in await streams.read_events(self.redis, self._last, block_ms=100):
            deliver = self._deliver.get(run)
            if deliver is None:
                continue
            if event["type"] == "moved":
                if event.get("replica") != self.id:  # another replica serves it now
                    self._deliver.pop(run, None)
                    self._forget_streams(run)
                    deliver(event)  # its session lets it go
                continue
            if event.get("closed"):  # its last event: nothing more will come
                self._deliver.pop(run, None)
                self._forget_streams(run)
            deliver(event)

    async def _send(self) -> None:
        job = await self._jobs.get()
        try:
            await job()
        except REDIS_DOWN:
            # Lost on the way: tried again first, so commands keep their order.
            requeued: asyncio.Queue[Job] = asyncio.Queue()
            requeued.put_nowait(job)
            while not self._jobs.empty():
                requeued.put_nowait(self._jobs.get_nowait())
            self._jobs = requeued
            raise

    async def _watch_hosts(self) -> None:
        """Keeps the live hosts at hand (open_run answers at once), and reaps when this
        replica holds the reaper's lock."""
        self.hosts = await hosts.live_hosts(self.redis)
        if any(h.device == "cuda" for h in self.hosts) and self.dispatch_device == "cuda":
            self.device = "cuda"
        if await reaper.hold_lock(self.redis, self.id):
            for run in await reaper.reap(self.redis):
                log.warning("run %s failed: its worker host's lease lapsed", run)
        await asyncio.sleep(REAP_EVERY_S)
