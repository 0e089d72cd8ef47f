"""New runs reach worker hosts through a dispatch stream per device class, read through one
consumer group, so each run goes to exactly one host. A host reads only when it has a free
slot, so runs queue in Redis rather than on a full host; a GPU host also takes CPU work."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from app.cluster import codec, names

Job = tuple[str, dict[str, Any], bool, dict[str, Any] | None]  # run id, spec, paused, checkpoint


async def ensure_groups(redis: Redis) -> None:
    """Creates each dispatch stream and its group (again after a Redis restart lost them)."""
    for device in names.DEVICE_CLASSES:
        try:
            await redis.xgroup_create(
                names.dispatch_stream(device), names.DISPATCH_GROUP, id="0", mkstream=True
            )
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise


async def submit(
    redis: Redis,
    device: str,
    run: str,
    spec: dict[str, Any],
    paused: bool,
    checkpoint: dict[str, Any] | None = None,
) -> None:
    """Queues a new run for a host of `device` (continuing from `checkpoint`, a recorded
    run's, if given), and records it for the reaper."""
    job = codec.encode_job(run, spec, paused, checkpoint)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(names.run_key(run), mapping={"device": device, "state": "queued"})
        pipe.sadd(names.RUNS, run)
        pipe.xadd(names.dispatch_stream(device), job)
        await pipe.execute()


def devices_served(device: str) -> list[str]:
    """The dispatch streams a host on `device` reads, its own class first."""
    return ["cuda", "cpu"] if device == "cuda" else ["cpu"]


async def take(redis: Redis, device: str, consumer: str, count: int, block_ms: int) -> list[Job]:
    """Up to `count` new runs for a host on `device` (waiting up to `block_ms` for one),
    acknowledged at once: from here the host's ownership lease answers for the run."""
    if count <= 0:
        return []
    streams: dict[Any, Any] = {names.dispatch_stream(d): ">" for d in devices_served(device)}
    try:
        replies: Any = await redis.xreadgroup(
            names.DISPATCH_GROUP, consumer, streams, count=count, block=block_ms
        )
    except ResponseError as error:
        if "NOGROUP" not in str(error):
            raise
        await ensure_groups(redis)  # Redis restarted empty
        return []
    jobs: list[Job] = []
    for stream, entries in replies or []:
        for entry_id, fields in entries:
            await redis.xack(stream, names.DISPATCH_GROUP, entry_id)
            await redis.xdel(stream, entry_id)  # taken: the stream holds only waiting runs
            try:
                jobs.append(codec.decode_job(fields))
            except codec.CodecError:
                continue  # not ours: nothing to start
    return jobs[:count] if len(jobs) > count else jobs
