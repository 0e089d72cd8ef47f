"""Worker hosts as the cluster sees them: each registers (host id, device, free slots)
under a key with a lease it renews every `RENEW_S`; a host whose lease lapsed is gone."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from app.cluster import names


@dataclass(frozen=True)
class HostInfo:
    host: str
    device: str  # "cpu" or "cuda"
    free: int  # runs it can still take
    runs: int  # runs it hosts


async def register(redis: Redis, info: HostInfo, lease_ms: int = names.LEASE_MS) -> None:
    """Registers or renews `info.host` for `lease_ms` (also after a Redis restart lost it)."""
    record = json.dumps({"device": info.device, "free": info.free, "runs": info.runs})
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(names.host_key(info.host), record, px=lease_ms)
        pipe.sadd(names.HOSTS, info.host)
        await pipe.execute()


async def unregister(redis: Redis, host: str) -> None:
    async with redis.pipeline(transaction=True) as pipe:
        pipe.delete(names.host_key(host))
        pipe.srem(names.HOSTS, host)
        await pipe.execute()


async def live_hosts(redis: Redis) -> list[HostInfo]:
    """Hosts whose lease holds; forgets those whose lapsed."""
    members: Any = await redis.smembers(names.HOSTS)
    hosts = sorted(h.decode() for h in members)
    if not hosts:
        return []
    records = await redis.mget([names.host_key(h) for h in hosts])
    live, lapsed = [], []
    for host, record in zip(hosts, records, strict=True):
        if record is None:
            lapsed.append(host)
            continue
        data = json.loads(record)
        live.append(HostInfo(host, str(data["device"]), int(data["free"]), int(data["runs"])))
    if lapsed:
        await redis.srem(names.HOSTS, *lapsed)
    return live
