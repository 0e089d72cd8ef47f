"""Run ownership: a host owns each run it hosts through a lease (the owner key, holding the
host's id, with a TTL) that it renews every `RENEW_S`. Renewing and reaping are Lua scripts,
so a lease lapsing and the reaper failing the run can never both let the host go on.

Self-fencing: a host that learns a lease is no longer its own stops that run at once; one
that cannot reach Redis for longer than a lease stops every run (`Fence`), since by then the
reaper may have told their students the runs failed."""

from __future__ import annotations

import time

from redis.asyncio import Redis

from app.cluster import names

# KEYS: owner key, run key, per run. ARGV: host, lease ms, the runs set, then the run ids.
# A lease still ours is renewed; one Redis lost (a restart without persistence: no owner,
# no record) is taken again; one another host holds, or whose run was failed, is not.
_RENEW = """
local out = {}
for i = 1, #KEYS, 2 do
  local owner = redis.call('GET', KEYS[i])
  local state = redis.call('HGET', KEYS[i + 1], 'state')
  if owner == ARGV[1] then
    redis.call('PEXPIRE', KEYS[i], ARGV[2])
    out[#out + 1] = 1
  elseif not owner and (not state or state == 'owned' or state == 'queued') then
    redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2])
    redis.call('HSET', KEYS[i + 1], 'state', 'owned', 'owner', ARGV[1])
    redis.call('SADD', ARGV[3], ARGV[4 + (i - 1) / 2])
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
"""


async def claim(redis: Redis, run: str, host: str, lease_ms: int = names.LEASE_MS) -> bool:
    """Takes ownership of a run just taken from dispatch; False if someone holds it."""
    if not await redis.set(names.owner_key(run), host, nx=True, px=lease_ms):
        return False
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(names.run_key(run), mapping={"state": "owned", "owner": host})
        pipe.sadd(names.RUNS, run)
        await pipe.execute()
    return True


async def renew(
    redis: Redis, runs: list[str], host: str, lease_ms: int = names.LEASE_MS
) -> dict[str, bool]:
    """Renews `host`'s leases on `runs`; for each, whether it is still the host's."""
    if not runs:
        return {}
    keys = [k for r in runs for k in (names.owner_key(r), names.run_key(r))]
    held = await redis.eval(_RENEW, len(keys), *keys, host, lease_ms, names.RUNS, *runs)
    return {run: bool(h) for run, h in zip(runs, held, strict=True)}


async def release(redis: Redis, run: str, host: str) -> None:
    """The owner closed the run: its lease goes (if still its own)."""
    if (await redis.get(names.owner_key(run))) == host.encode():
        await redis.delete(names.owner_key(run))


class Fence:
    """When a host must stop its runs because it could not renew: `lease_s` after its last
    successful renewal (the reaper may have failed them by then)."""

    def __init__(self, lease_s: float = names.LEASE_MS / 1000) -> None:
        self.lease_s = lease_s
        self.last_renewed = time.monotonic()

    def renewed(self, now: float | None = None) -> None:
        self.last_renewed = time.monotonic() if now is None else now

    def lapsed(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        return now - self.last_renewed > self.lease_s
