"""The reaper: one replica at a time (holding a lock with a lease) fails each run whose
owner's lease lapsed, on the run's event stream, so its student reads `done: failed` with
the reason in words within a second or two of the lease lapsing."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from app.cluster import names, streams
from app.protocol import DoneEvent, StatusEvent

# KEYS: the lock. ARGV: holder, lease ms. Takes the lock, or renews it if already held.
_LOCK = """
local holder = redis.call('GET', KEYS[1])
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
elseif holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""
# KEYS: owner key, run key. Fails the run if it was owned and its lease lapsed; returns the
# host that owned it, or false. Atomic with the renewal script (app/cluster/ownership.py).
_FAIL = """
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
if redis.call('HGET', KEYS[2], 'state') ~= 'owned' then return false end
redis.call('HSET', KEYS[2], 'state', 'failed')
return redis.call('HGET', KEYS[2], 'owner')
"""


async def hold_lock(redis: Redis, holder: str, lease_ms: int = names.REAPER_LOCK_MS) -> bool:
    """Takes or renews the reaper's lock; whether `holder` holds it."""
    return bool(await redis.eval(_LOCK, 1, names.REAPER_LOCK, holder, lease_ms))


async def reap(redis: Redis) -> list[str]:
    """Fails every run whose owner's lease lapsed; their ids. Forgets runs whose record is
    gone (closed and expired)."""
    failed: list[str] = []
    members: Any = await redis.smembers(names.RUNS)
    for raw in members:
        run = raw.decode()
        host = await redis.eval(_FAIL, 2, names.owner_key(run), names.run_key(run))
        if host:
            await report_failed(redis, run, host.decode())
            failed.append(run)
        elif not await redis.exists(names.run_key(run)):
            await redis.srem(names.RUNS, run)
    return failed


async def report_failed(redis: Redis, run: str, host: str) -> None:
    detail = f"the worker host training this run ({host}) stopped answering; start the run again"
    status = StatusEvent(
        run=run,
        state="done",
        step=None,
        epoch=None,
        steps_per_s=0.0,
        reason="failed",
        detail=detail,
    )
    done = DoneEvent(run=run, reason="failed", detail=detail).wire() | {"closed": True}
    async with redis.pipeline(transaction=True) as pipe:
        streams.publish(pipe, run, status.wire())
        streams.publish(pipe, run, done)
        pipe.srem(names.RUNS, run)
        for key in names.run_keys(run):
            pipe.expire(key, names.RUN_KEEP_S)
        await pipe.execute()


async def forget(redis: Redis, run: str) -> None:
    """A replica closed the run: the reaper no longer watches it, its keys expire."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(names.run_key(run), "state", "closed")
        pipe.srem(names.RUNS, run)
        for key in names.run_keys(run):
            pipe.expire(key, names.RUN_KEEP_S)
        await pipe.execute()
