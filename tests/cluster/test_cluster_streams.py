"""The Redis layer (app/cluster) against fakeredis: codecs, host leases, dispatch through a
consumer group, a run's streams, ownership leases and the reaper."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Awaitable, Callable
from typing import Any

import fakeredis
import pytest

from app.cluster import codec, dispatch, hosts, names, ownership, reaper, streams

Scenario = Callable[[Any], Awaitable[None]]


def run_with_redis(scenario: Scenario) -> None:
    async def main() -> None:
        redis = fakeredis.FakeAsyncRedis()
        try:
            await scenario(redis)
        finally:
            await redis.aclose()

    asyncio.run(main())


def test_event_codec_keeps_json_events_and_binary_frames() -> None:
    metrics = {"type": "metrics", "run": "r1", "points": [{"step": 1, "loss": math.nan}]}
    back = codec.decode_event("r1", _as_bytes(codec.encode_event(metrics)))
    assert back == {"type": "metrics", "run": "r1", "points": [{"step": 1, "loss": None}]}
    frame = {"type": "frame", "run": "r1", "data": b"\x00\xffraw", "slow": True}
    assert codec.decode_event("r1", _as_bytes(codec.encode_event(frame))) == frame


def test_codec_refuses_what_is_not_ours_in_words() -> None:
    with pytest.raises(codec.CodecError, match="'json'"):
        codec.decode_command({b"json": b"[1, 2]"})
    with pytest.raises(codec.CodecError, match="run id"):
        codec.decode_job({b"spec": b"{}"})
    # Never pickle: a pickled payload is just text that does not parse.
    with pytest.raises(codec.CodecError):
        codec.decode_event("r", {b"json": b"\x80\x04\x95"})


def test_host_lease_lapses_when_not_renewed() -> None:
    async def scenario(redis: Any) -> None:
        await hosts.register(redis, hosts.HostInfo("h1", "cpu", 4, 0), lease_ms=80)
        await hosts.register(redis, hosts.HostInfo("h2", "cuda", 2, 1), lease_ms=5000)
        assert {h.host for h in await hosts.live_hosts(redis)} == {"h1", "h2"}
        await _until(lambda: _live_names(redis), {"h2"})
        assert await redis.smembers(names.HOSTS) == {b"h2"}  # the lapsed one forgotten

    run_with_redis(scenario)


def test_dispatch_gives_each_run_to_one_host_and_gpu_hosts_take_cpu_work() -> None:
    async def scenario(redis: Any) -> None:
        await dispatch.ensure_groups(redis)
        for i in range(3):
            await dispatch.submit(redis, "cpu", f"r{i}", {"seed": i}, paused=i == 2)
        first = await dispatch.take(redis, "cpu", "h1", count=2, block_ms=10)
        assert [(r, s) for r, s, *_ in first] == [("r0", {"seed": 0}), ("r1", {"seed": 1})]
        rest = await dispatch.take(redis, "cuda", "gpu", count=5, block_ms=10)
        assert rest == [("r2", {"seed": 2}, True, None)]
        assert await dispatch.take(redis, "cpu", "h1", count=5, block_ms=10) == []
        assert await dispatch.take(redis, "cpu", "h1", count=0, block_ms=10) == []
        # Taken runs leave the stream: only waiting runs are held there.
        assert await redis.xlen(names.dispatch_stream("cpu")) == 0
        await dispatch.submit(redis, "cuda", "big", {}, paused=False)
        assert await dispatch.take(redis, "cpu", "h1", count=5, block_ms=10) == []

    run_with_redis(scenario)


def test_control_commands_reach_the_owner_once_in_order() -> None:
    async def scenario(redis: Any) -> None:
        await streams.open_control(redis, "r1")
        await streams.send_command(redis, "r1", {"type": "pause"})
        await streams.send_command(redis, "r1", {"type": "set", "lr": 0.1})
        taken = await streams.take_commands(redis, ["r1"], "h1", block_ms=None)
        assert taken == [("r1", {"type": "pause"}), ("r1", {"type": "set", "lr": 0.1})]
        assert await streams.take_commands(redis, ["r1"], "h1", block_ms=None) == []
        pending = await redis.xpending(names.control_stream("r1"), names.CONTROL_GROUP)
        assert pending["pending"] == 0  # acknowledged by the owner

    run_with_redis(scenario)


def test_frames_stay_at_maxlen_while_events_are_all_kept_and_replayable() -> None:
    async def scenario(redis: Any) -> None:
        async with redis.pipeline() as pipe:
            for step in range(50):
                streams.publish(pipe, "r1", {"type": "frame", "run": "r1", "data": b"x" * 1000})
                streams.publish(pipe, "r1", {"type": "status", "run": "r1", "step": step})
            await pipe.execute()
        assert await redis.xlen(names.frames_stream("r1")) == names.FRAME_MAXLEN
        # A reader that reconnects elsewhere replays every event from the start.
        last = {names.events_stream("r1"): b"0", names.frames_stream("r1"): b"0"}
        seen: list[dict[str, Any]] = []
        while batch := await streams.read_events(redis, last, block_ms=None, count=20):
            seen.extend(e for _, e in batch)
        assert [e["step"] for e in seen if e["type"] == "status"] == list(range(50))
        assert sum(e["type"] == "frame" for e in seen) == names.FRAME_MAXLEN

    run_with_redis(scenario)


def test_ownership_renews_its_own_lease_and_fences_a_lost_one() -> None:
    async def scenario(redis: Any) -> None:
        assert await ownership.claim(redis, "r1", "h1", lease_ms=5000)
        assert not await ownership.claim(redis, "r1", "h2", lease_ms=5000)
        assert await ownership.renew(redis, ["r1"], "h1") == {"r1": True}
        assert await ownership.renew(redis, ["r1"], "h2") == {"r1": False}
        await redis.hset(names.run_key("r1"), "state", "failed")  # the reaper failed it
        await redis.delete(names.owner_key("r1"))
        assert await ownership.renew(redis, ["r1"], "h1") == {"r1": False}

    run_with_redis(scenario)


def test_a_host_takes_its_runs_again_after_redis_lost_everything() -> None:
    async def scenario(redis: Any) -> None:
        assert await ownership.claim(redis, "r1", "h1")
        await redis.flushall()  # a restart without persistence
        assert await ownership.renew(redis, ["r1"], "h1") == {"r1": True}
        assert await redis.get(names.owner_key("r1")) == b"h1"
        assert await redis.smembers(names.RUNS) == {b"r1"}  # the reaper watches it again

    run_with_redis(scenario)


def test_fence_lapses_a_lease_after_the_last_renewal() -> None:
    fence = ownership.Fence(lease_s=3.0)
    fence.renewed(now=100.0)
    assert not fence.lapsed(now=102.9)
    assert fence.lapsed(now=103.1)


def test_reaper_fails_a_run_whose_owner_lease_lapsed_in_words() -> None:
    async def scenario(redis: Any) -> None:
        assert await ownership.claim(redis, "dead", "h1", lease_ms=60)
        assert await ownership.claim(redis, "alive", "h2", lease_ms=60_000)
        assert await reaper.hold_lock(redis, "replica-a")
        assert not await reaper.hold_lock(redis, "replica-b")  # one reaper at a time
        assert await reaper.reap(redis) == []  # the lease still holds
        await _until(lambda: redis.exists(names.owner_key("dead")), 0)
        assert await reaper.reap(redis) == ["dead"]
        assert await reaper.reap(redis) == []  # reported once
        last = {names.events_stream("dead"): b"0"}
        events = [e for _, e in await streams.read_events(redis, last, block_ms=None)]
        assert [e["type"] for e in events] == ["status", "done"]
        assert events[1]["reason"] == "failed" and events[1]["closed"] is True
        assert "worker host" in events[1]["detail"] and "h1" in events[1]["detail"]
        # The fenced owner learns it lost the run; the other keeps its own.
        assert await ownership.renew(redis, ["dead"], "h1") == {"dead": False}
        assert await ownership.renew(redis, ["alive"], "h2") == {"alive": True}
        assert await redis.smembers(names.RUNS) == {b"alive"}

    run_with_redis(scenario)


async def _until(probe: Callable[[], Awaitable[Any]], want: Any) -> None:
    """Polls (no blind sleep) until `probe()` gives `want`: a lease lapsed."""
    for _ in range(200):
        if await probe() == want:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"still not {want!r} after 2 s")


async def _live_names(redis: Any) -> set[str]:
    return {h.host for h in await hosts.live_hosts(redis)}


def _as_bytes(fields: dict[Any, Any]) -> dict[bytes, bytes]:
    """Fields as Redis returns them: bytes names and values."""
    out = {}
    for k, v in fields.items():
        out[k.encode() if isinstance(k, str) else k] = v.encode() if isinstance(v, str) else v
    return out


def test_job_codec_round_trips_a_spec() -> None:
    spec = {"seed": 3, "model": {"layers": []}}
    fields = _as_bytes(codec.encode_job("r9", spec, paused=True))
    assert codec.decode_job(fields) == ("r9", spec, True, None)
    assert json.loads(fields[b"spec"]) == spec
    # A recorded run reopened: its checkpoint's files travel as they are, with its epoch.
    checkpoint = {"weights": b"\x00w\xff", "optimizer": b"\x00o", "epoch": 4}
    fields = _as_bytes(codec.encode_job("r9", spec, paused=True, checkpoint=checkpoint))
    assert codec.decode_job(fields) == ("r9", spec, True, checkpoint)
    assert codec.checkpoint_size(checkpoint) == 5
    del fields[b"optimizer"]
    with pytest.raises(codec.CodecError, match="optimizer"):
        codec.decode_job(fields)


CHECKPOINT = {
    "type": "checkpoint",
    "run": "r1",
    "step": 40,
    "epoch": 2,
    "val_loss": math.nan,
    "weights": b"\x00safetensors\xff",
    "optimizer": b"\x01state",
    "thumbnail": {"view": "loss", "shape": [1], "lo": 0.5, "hi": 0.5, "data": "AA=="},
}


def test_checkpoints_travel_with_their_bytes_and_only_the_latest_is_kept() -> None:
    """A run's checkpoints reach the replica recording it (its weights, untouched bytes);
    Redis keeps only the latest of each run: bounded, whatever the reader does."""

    async def scenario(redis: Any) -> None:
        async with redis.pipeline() as pipe:
            for step in (10, 20, 30, 40):
                streams.publish(pipe, "r1", CHECKPOINT | {"step": step})
            await pipe.execute()
        assert await redis.xlen(names.checkpoints_stream("r1")) == names.CHECKPOINT_MAXLEN == 1
        assert await redis.xlen(names.events_stream("r1")) == 0  # never replayed as events
        last = {names.checkpoints_stream("r1"): b"0"}
        [(run, event)] = await streams.read_events(redis, last, block_ms=None)
        assert run == "r1" and event == CHECKPOINT | {"val_loss": None}
        assert names.checkpoints_stream("r1") in names.run_keys("r1")  # expires with the run

    run_with_redis(scenario)
