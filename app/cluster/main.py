"""`nnplayground worker`: runs a worker host (app/cluster/host.py) until interrupted."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

from pydantic import ValidationError
from redis.asyncio import Redis

from app.cluster.host import WorkerHost
from app.settings import Settings

log = logging.getLogger(__name__)
EXIT_INVALID = 2


def run_worker_host(url: str, slots: int, device: str) -> int:
    if not 1 <= slots <= 10_000:
        print("error: --slots: must be between 1 and 10000", file=sys.stderr)
        return EXIT_INVALID
    try:
        settings = Settings(redis_url=url, device=device)
    except ValidationError:
        print("error: --redis: must be a redis:// or rediss:// URL", file=sys.stderr)
        return EXIT_INVALID
    asyncio.run(_host(url, settings, device, slots))
    return 0


async def _host(url: str, settings: Settings, device: str, slots: int) -> None:
    redis = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
    host = WorkerHost(redis, settings, device, slots)
    task = asyncio.create_task(host.serve())
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):  # stop the workers, then leave
        loop.add_signal_handler(sig, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await redis.aclose()
