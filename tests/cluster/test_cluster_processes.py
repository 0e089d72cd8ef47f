"""The cluster as separate processes on a real redis-server: two web replicas, two worker
hosts (tests/cluster/conftest.py). A session moves between replicas and keeps its run; a
host killed mid-run costs only its own runs, which can be reopened from their last
checkpoint through any replica; a replica killed costs nothing but a reconnect (the other
replica records its students' runs from then on); a Redis restart costs nothing once the
hosts have registered again.

The tests share one cluster (starting it imports torch in four processes) and run in file
order: the last ones kill a host and a replica."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import redis

from app.client import Client, Event, connect
from app.cluster import names
from tests.cluster.conftest import Cluster

pytestmark = pytest.mark.slow

SMALL = {
    "seed": 1,
    "data": {"dataset": "spiral", "n_samples": 200, "noise": 0.0},
    "model": {"layers": [{"type": "dense", "units": 6, "activation": "tanh"}]},
    "train": {"optimizer": "adam", "lr": 0.03, "batch_size": 10},
}
FIRST_FRAME_S = 30.0  # a fresh worker builds its first run while others start too
OWNER = {"Cookie": "nnp_owner=" + "c" * 32}  # a browser's: its runs are recorded as its own


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(scenario())


async def start_watching(url: str, **options: Any) -> tuple[Client, str]:
    """A client with a run training and showing its boundary; the client and the run id."""
    client = await connect(url, **options)
    await client.start(SMALL)
    await client.view(["boundary"], boundary_grid=12, fps=10)
    frame = await client.wait_for(is_frame, timeout=FIRST_FRAME_S)
    return client, str(frame["header"]["run"])


def is_frame(event: Event) -> bool:
    return event["type"] == "frame"


def status(state: str) -> Callable[[Event], bool]:
    return lambda e: e["type"] == "status" and e["state"] == state


def store(cluster: Cluster) -> redis.Redis:
    return redis.Redis(port=cluster.redis.port)


def owner_pid(cluster: Cluster, run_id: str) -> int:
    """The process id of the host owning `run_id` (a host's id ends with it: name-pid-tag)."""
    owner: Any = store(cluster).hget(names.run_key(run_id), "owner")
    assert owner is not None, f"run {run_id} has no owner"
    return int(owner.decode().rsplit("-", 2)[1])


def test_a_session_moves_to_the_other_replica_with_its_run(cluster: Cluster) -> None:
    a, b = (url for _, url in cluster.replicas)

    async def scenario() -> None:
        client, run_id = await start_watching(a)
        token = client.hello["session"]
        step = (await client.wait_for(status("running")))["step"]
        await client.close()  # a reload: the page comes back through the other replica

        async with await connect(b, session=token) as moved:
            assert moved.hello["resumed"] is True and moved.hello["run"] == run_id
            await moved.wait_for(lambda e: status("running")(e) and e["step"] > step)
            await moved.wait_for(is_frame)
            # Commands through B reach the owning host.
            await moved.set(lr=0.005)
            await moved.wait_for(
                lambda e: e["type"] == "metrics" and e["points"][-1]["lr"] == 0.005
            )
            await moved.pause()
            paused = await moved.wait_for(status("paused"))
        # B remembers the session paused as the socket closes; a page back sooner than that
        # (milliseconds) would find A's own record, of a run that was training.
        sessions = store(cluster)
        await _until(
            lambda: not json.loads(sessions.get(names.session_key(token)) or "{}").get("resume"),
            "B remembers the session paused",
        )
        # Back through A, which let the run go when B took it: A takes it over again.
        async with await connect(a, session=token) as back:
            assert back.hello["resumed"] is True and back.hello["run"] == run_id
            await back.wait_for(lambda e: status("paused")(e) and e["step"] == paused["step"])
            await back.resume()
            await back.wait_for(lambda e: status("running")(e) and e["step"] > paused["step"])

    run(scenario)


def test_a_stalled_reader_keeps_its_frame_stream_at_maxlen(cluster: Cluster) -> None:
    a = cluster.replicas[0][1]
    client = store(cluster)

    async def scenario() -> None:
        stalled, run_id = await start_watching(a)
        await stalled.view(["boundary"], boundary_grid=40, fps=30)
        key = names.frames_stream(run_id)
        await _until(lambda: client.xlen(key) == names.FRAME_MAXLEN, "the stream fills")
        first: Any = client.xinfo_stream(key)
        lengths, deadline = set(), time.monotonic() + 10
        while True:  # the client reads nothing more; the run goes on publishing
            info: Any = client.xinfo_stream(key)
            lengths.add(info["length"])
            if info["entries-added"] - first["entries-added"] > 2 * names.FRAME_MAXLEN:
                break
            assert time.monotonic() < deadline, "the run stopped publishing frames"
            await asyncio.sleep(0.05)
        assert lengths == {names.FRAME_MAXLEN}
        await stalled.close()

    run(scenario)


def test_live_runs_go_on_after_redis_restarts(cluster: Cluster) -> None:
    a = cluster.replicas[0][1]

    async def scenario() -> None:
        async with (await start_watching(a))[0] as client:
            step = (await client.wait_for(status("running")))["step"]
            cluster.redis.stop()
            cluster.redis.start()  # empty: no persistence
            await _until(lambda: store(cluster).scard(names.HOSTS) == 2, "hosts re-register")
            after = await client.wait_for(
                lambda e: status("running")(e) and e["step"] > step, timeout=15
            )
            await client.wait_for(is_frame, timeout=15)
            await client.pause()  # the control stream works again too
            paused = await client.wait_for(status("paused"), timeout=15)
            assert paused["step"] >= after["step"]

    run(scenario)


def test_a_host_killed_mid_run_fails_only_its_runs(cluster: Cluster) -> None:
    urls = [url for _, url in cluster.replicas]

    async def scenario() -> None:
        watching: list[tuple[Client, str, int]] = []
        for i in range(8):  # until each host trains one of them at least
            browser = {"additional_headers": OWNER} if i == 0 else {}
            client, run_id = await start_watching(urls[i % 2], **browser)
            watching.append((client, run_id, owner_pid(cluster, run_id)))
            if i >= 1 and len({pid for *_, pid in watching}) == 2:
                break
        victim = watching[0][2]
        record, checkpoint = await checkpoint_then_train_on(watching[0][0], urls[0])
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        for client, _, pid in watching:
            if pid == victim:
                done = await client.wait_for(lambda e: e["type"] == "done", timeout=5)
                assert time.monotonic() - killed_at < 5
                assert done["reason"] == "failed" and "worker host" in done["detail"]
            else:  # the other host's runs keep streaming
                await client.wait_for(is_frame, timeout=5)
        client, run_id = await start_watching(urls[0])
        assert owner_pid(cluster, run_id) != victim  # new runs go to the survivor
        for c, *_ in watching + [(client, run_id, 0)]:
            await c.close()
        await reopen_through(cluster, urls[1], record, checkpoint, victim)

    run(scenario)


def test_a_replica_killed_its_students_resume_through_the_other(cluster: Cluster) -> None:
    (process, a), (_, b) = cluster.replicas

    async def scenario() -> None:
        client, run_id = await start_watching(a, additional_headers=OWNER)
        token = client.hello["session"]
        process.kill()
        process.wait(10)
        with pytest.raises(Exception):  # noqa: B017 - its socket is gone, however it says so
            while True:
                await client.next_event(timeout=5)
        async with await connect(b, session=token, additional_headers=OWNER) as moved:
            assert moved.hello["resumed"] is True and moved.hello["run"] == run_id
            await moved.wait_for(is_frame)
            await moved.wait_for(status("running"))
            # B records the run now (A died with its recording): a pause's checkpoint.
            await moved.pause()
            paused = await moved.wait_for(status("paused"))
            await asyncio.to_thread(recorded_checkpoint, b, paused["step"])

    run(scenario)


async def checkpoint_then_train_on(client: Client, url: str) -> tuple[str, dict[str, Any]]:
    """Pauses the run (its host sends a checkpoint at a pause), waits until the replica has
    recorded that checkpoint, and trains on past it: the record's id and its checkpoint."""
    await client.pause()
    paused = await client.wait_for(status("paused"))
    record = await asyncio.to_thread(recorded_checkpoint, url, paused["step"])
    await client.resume()
    await client.wait_for(lambda e: status("running")(e) and e["step"] > paused["step"])
    return record["id"], record["checkpoint"]


def recorded_checkpoint(url: str, step: int) -> dict[str, Any]:
    """The browser's recorded run, once its checkpoint at `step` is in the database."""
    deadline = time.monotonic() + 15
    while True:
        runs = httpx.get(f"{url}/api/runs", headers=OWNER, timeout=5).json()["runs"]
        if runs and (runs[0]["checkpoint"] or {}).get("step") == step:
            return dict(runs[0])
        assert time.monotonic() < deadline, (step, [(r["status"], r["checkpoint"]) for r in runs])
        time.sleep(0.05)  # polling the record, with a deadline


async def reopen_through(
    cluster: Cluster, url: str, record: str, checkpoint: dict[str, Any], victim: int
) -> None:
    """The run lost with its host: recorded as failed, then reopened through `url` (not
    the replica that recorded it) on the surviving host, from its checkpoint's step and
    epoch; it trains on from there, into the same record."""
    failed = await asyncio.to_thread(wait_for_record, url, record, lambda r: r["status"] == "done")
    assert failed["reason"] == "failed"
    async with await connect(url, additional_headers=OWNER) as browser:
        await browser.send({"type": "reopen", "id": record})
        first = await browser.wait_for(lambda e: e["type"] == "status", timeout=FIRST_FRAME_S)
        assert (first["state"], first["step"], first["epoch"]) == (
            "paused",
            checkpoint["step"],
            checkpoint["epoch"],
        )
        assert owner_pid(cluster, first["run"]) != victim
        await browser.resume()
        point = await browser.wait_for(lambda e: e["type"] == "metrics")
        assert point["points"][0]["epoch"] == checkpoint["epoch"] + 1
        await asyncio.to_thread(
            wait_for_record, url, record, lambda r: r["epochs"] > checkpoint["epoch"]
        )


def wait_for_record(url: str, record: str, ready: Callable[[Any], bool]) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while True:
        found = httpx.get(f"{url}/api/runs/{record}", headers=OWNER, timeout=5).json()
        if ready(found):
            return dict(found)
        assert time.monotonic() < deadline, found
        time.sleep(0.05)  # polling the record, with a deadline


async def _until(done: Callable[[], bool], what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if done():
                return
        except redis.ConnectionError:
            pass  # still starting
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        await asyncio.sleep(0.05)
