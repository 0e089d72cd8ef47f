"""A web replica's pool (app/cluster/replica.py) against fakeredis: two replicas on one
Redis, a session moving between them, and a host's events reaching the right session."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import fakeredis
import pytest

from app.cluster import codec, hosts, names, streams
from app.cluster.host import WorkerHost
from app.cluster.replica import ClusterPool
from app.settings import Settings
from app.worker.api import Event, PoolBusy

Scenario = Callable[[ClusterPool, ClusterPool, Any], Awaitable[None]]


def with_replicas(scenario: Scenario) -> None:
    async def main() -> None:
        server = fakeredis.FakeServer()
        store = fakeredis.FakeAsyncRedis(server=server)
        a = ClusterPool(Settings(), fakeredis.FakeAsyncRedis(server=server))
        b = ClusterPool(Settings(), fakeredis.FakeAsyncRedis(server=server))
        await hosts.register(store, hosts.HostInfo("h1", "cpu", 4, 0), lease_ms=60_000)
        for replica in (a, b):
            await replica.start(wait=True)
        try:
            await scenario(a, b, store)
        finally:
            for replica in (a, b):
                await replica.stop()
            await store.aclose()

    asyncio.run(main())


async def until(probe: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(300):
        if await probe():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{what}: not within 3 s")


async def publish(store: Any, run: str, *events: Event) -> None:
    async with store.pipeline() as pipe:
        for event in events:
            streams.publish(pipe, run, event)
        await pipe.execute()


def test_a_moved_session_replays_its_run_and_the_old_replica_cannot_close_it() -> None:
    async def scenario(a: ClusterPool, b: ClusterPool, store: Any) -> None:
        seen_a: list[Event] = []
        run = a.open_run({"seed": 1}, seen_a.append)
        a.remember("token-1", run, False)
        await until(lambda: _exists(store, names.dispatch_stream("cpu")), "dispatched")
        await store.hset(names.run_key(run), mapping={"state": "owned", "owner": "h1"})
        await publish(store, run, {"type": "status", "run": run, "state": "running", "step": 7})
        await until(lambda: _truthy(len(seen_a) == 1), "A reads the status")

        old = {"type": "checkpoint", "run": run, "step": 7, "weights": b"w", "optimizer": b"o"}
        await publish(store, run, old)
        await until(lambda: _truthy(len(seen_a) == 2), "A reads the checkpoint")
        carry = {"record": "3f9c2a1b7d40", "spec": {"seed": 1}}
        a.remember("token-1", run, True, carry)  # A's socket closed while it trained
        await until(lambda: _exists(store, names.session_key("token-1")), "remembered")
        assert await b.recall("token-1") == (run, True, carry)
        seen_b: list[Event] = []
        await b.adopt(run, seen_b.append)  # the replay is done before it returns
        assert [e["step"] for e in seen_b] == [7]  # the status; the checkpoint was A's
        # A lets it go: its session hears `moved` (then nothing), so one replica records.
        await until(lambda: _truthy(a.run_count == 0), "A lets the run go")
        assert seen_a[-1] == {"type": "moved", "run": run, "replica": b.id}

        a.close_run(run)  # A's grace ends: the run moved, so nothing is closed
        b.command(run, {"type": "pause"})
        await until(lambda: _length(store, names.control_stream(run), 1), "B's command")
        commands = await store.xrange(names.control_stream(run))
        assert [f[b"json"] for _, f in commands] == [b'{"type": "pause"}']

        await publish(store, run, {"type": "status", "run": run, "state": "paused", "step": 9})
        await publish(store, run, old | {"step": 9})
        await until(lambda: _truthy(len(seen_b) == 3), "B follows the run")
        assert [e["type"] for e in seen_b[1:]] == ["status", "checkpoint"]
        assert len(seen_a) == 3  # A forgot it

        b.close_run(run)  # the replica serving it closes it on its host
        await until(lambda: _length(store, names.control_stream(run), 2), "B's close")
        assert await b.recall("token-1") is None  # a closed run is not resumed

    with_replicas(scenario)


def test_a_runs_last_event_ends_its_delivery() -> None:
    async def scenario(a: ClusterPool, b: ClusterPool, store: Any) -> None:
        seen: list[Event] = []
        run = a.open_run({"seed": 1}, seen.append)
        done = {"type": "done", "run": run, "reason": "failed", "detail": "x", "closed": True}
        await publish(store, run, done)
        await until(lambda: _truthy(len(seen) == 1), "the done event")
        assert a.run_count == 0  # forgotten: the reader no longer reads its streams
        assert names.events_stream(run) not in a._last
        assert await b.recall("nobody") is None

    with_replicas(scenario)


def test_a_runs_checkpoints_reach_its_replica_and_a_reopen_sends_one_back() -> None:
    """The checkpoint a host publishes reaches the replica serving the run (to record);
    reopening a recorded run sends its checkpoint to a host on dispatch, within the size
    limit, and refuses a larger one in words."""

    async def scenario(a: ClusterPool, b: ClusterPool, store: Any) -> None:
        seen: list[Event] = []
        run = a.open_run({"seed": 1}, seen.append)
        checkpoint = {"type": "checkpoint", "run": run, "step": 5, "epoch": 1, "val_loss": 0.5}
        files = {"weights": b"\x00w", "optimizer": b"\x00o"}
        await publish(store, run, checkpoint | files)
        await until(lambda: _truthy(len(seen) == 1), "the checkpoint")
        assert seen == [checkpoint | files]

        saved = files | {"epoch": 1}
        again = b.open_run({"seed": 1}, seen.append, paused=True, checkpoint=saved)
        await until(lambda: _length(store, names.dispatch_stream("cpu"), 2), "dispatched")
        entries = await store.xrange(names.dispatch_stream("cpu"))
        job = codec.decode_job(entries[-1][1])
        assert job == (again, {"seed": 1}, True, saved)

        big = saved | {"weights": b"w" * b.settings.cluster_checkpoint_bytes}
        with pytest.raises(PoolBusy, match=r"over this cluster's limit of 8,388,608 \("):
            b.open_run({"seed": 1}, seen.append, checkpoint=big)
        assert b.run_count == 1  # the refused one holds nothing

    with_replicas(scenario)


def test_a_host_sends_its_latest_checkpoint_and_says_when_one_is_too_big() -> None:
    async def scenario() -> None:
        redis = fakeredis.FakeAsyncRedis()
        settings = Settings(cluster_checkpoint_bytes=10)
        host = WorkerHost(redis, settings, "cpu", slots=2)
        deliver = host._deliver_for("r1")
        small = {"type": "checkpoint", "run": "r1", "weights": b"w" * 5, "optimizer": b"o"}
        deliver(small | {"step": 1})
        deliver(small | {"step": 2})
        assert host.checkpoints == {"r1": small | {"step": 2}}  # the latest wins
        for step in (3, 4):
            deliver(small | {"step": step, "weights": b"w" * 10})  # 11 bytes in all
        assert host.checkpoints == {"r1": small | {"step": 2}}  # not replaced by one too big
        [(run, saving)] = host.pending  # said once
        assert run == "r1" and saving["type"] == "saving" and saving["saved"] is False
        assert "11 bytes, over this cluster's limit of 10" in saving["message"]
        await host._publish()
        [(_, fields)] = await redis.xrange(names.checkpoints_stream("r1"))
        assert fields[b"weights"] == b"w" * 5
        await redis.aclose()

    asyncio.run(scenario())


async def _exists(store: Any, key: str) -> bool:
    return bool(await store.exists(key))


async def _length(store: Any, key: str, n: int) -> bool:
    return bool(await store.xlen(key) == n)


async def _truthy(value: bool) -> bool:
    return value
