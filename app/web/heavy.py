"""Expensive synchronous route work (building datasets, parsing uploads) runs in threads
drawn from one small `CapacityLimiter` of its own, so a flood of expensive requests queues
there: the threads it holds and the GIL they share stay few, and the event loop (where the
cheap routes such as /healthz answer) and Starlette's default threadpool stay free.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread
from starlette.datastructures import State
from starlette.requests import Request

T = TypeVar("T")


async def run_heavy(request: Request, work: Callable[..., T], *args: object) -> T:
    """`work(*args)` in a thread of the app's heavy-route limiter (`Settings.heavy_route_threads`
    threads), waiting for one without blocking the loop."""
    limiter = heavy_limiter(request.app.state)
    return await anyio.to_thread.run_sync(functools.partial(work, *args), limiter=limiter)


def heavy_limiter(state: State) -> anyio.CapacityLimiter:
    """The app's limiter, made on first use: a limiter belongs to the event loop that
    serves the app, which `create_app` does not have yet."""
    limiter = getattr(state, "heavy_limiter", None)
    if limiter is None:
        limiter = state.heavy_limiter = anyio.CapacityLimiter(state.settings.heavy_route_threads)
    return limiter
