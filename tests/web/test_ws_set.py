"""`set` on a live run over the socket: only the settings sent apply; an absent one keeps
its value, an explicit null clears it (gradient clipping off), a bound is refused with the
field and the limit named, and early stopping can be turned on."""

from __future__ import annotations

import asyncio
import math
from typing import Any

from app.client import Event, connect

CLIP = 0.001  # far below the gradients' norm on a fresh spiral net (about 0.1)
SPEC = {
    "seed": 3,
    "data": {"dataset": "spiral", "n_samples": 200, "noise": 0.0},
    "model": {"layers": [{"type": "dense", "units": 6, "activation": "tanh"}]},
    "train": {"optimizer": "sgd", "lr": 0.03, "batch_size": 10, "grad_clip": CLIP},
}


def total_norm(point: dict[str, Any]) -> float:
    """The norm of all gradients together (what clipping bounds), from per-layer norms."""
    return math.sqrt(sum(n * n for n in point["grad_norms"].values()))


def point_with_lr(lr: float) -> Any:
    """A predicate: a metrics event whose last point trained at learning rate `lr`."""
    return lambda e: e["type"] == "metrics" and e["points"][-1]["lr"] == lr


def is_error(e: Event) -> bool:
    return e["type"] == "error"


async def retune(url: str) -> None:
    async with await connect(url) as c:
        await c.start(SPEC)
        first = await c.wait_for(point_with_lr(0.03), timeout=30)
        assert total_norm(first["points"][-1]) <= CLIP * 1.01
        await c.set(lr=0.02)  # grad_clip absent: kept
        kept = await c.wait_for(point_with_lr(0.02), timeout=30)
        assert total_norm(kept["points"][-1]) <= CLIP * 1.01
        await c.set(grad_clip=None, lr=0.01)  # null: no clipping from now on
        cleared = await c.wait_for(point_with_lr(0.01), timeout=30)
        assert total_norm(cleared["points"][-1]) > 10 * CLIP

        await c.set(grad_clip=5000.0)
        too_big = await c.wait_for(is_error, timeout=30)
        assert too_big["field"] == "params.grad_clip" and "at most 1000" in too_big["message"]
        await c.set(lr=None)  # a setting that cannot be cleared
        no_lr = await c.wait_for(is_error, timeout=30)
        assert no_lr["field"] == "params.lr" and "valid number" in no_lr["message"]
        await c.set(lr=0.005)  # the refusals changed nothing: the run goes on, unclipped
        later = await c.wait_for(point_with_lr(0.005), timeout=30)
        assert total_norm(later["points"][-1]) > 10 * CLIP

        # early stopping, live: no val loss improves by 1.0, so one epoch ends the run
        await c.set(early_stopping={"patience": 1, "min_delta": 1.0})
        done = await c.wait_for(lambda e: e["type"] == "done", timeout=30)
        assert done["reason"] == "early_stopped"


def test_null_clears_a_setting_and_absent_keeps_it(ws_server: str) -> None:
    asyncio.run(retune(ws_server))


async def lift_the_epoch_limit(url: str) -> None:
    async with await connect(url) as c:
        await c.start({**SPEC, "train": {"max_epochs": 2}})
        done = await c.wait_for(lambda e: e["type"] == "done", timeout=30)
        assert done["reason"] == "max_epochs"
        await c.set(max_epochs=None)  # no limit now: the run goes on from epoch 2
        await c.wait_for(
            lambda e: e["type"] == "metrics" and e["points"][-1]["epoch"] > 2, timeout=30
        )


def test_null_max_epochs_revives_a_run_that_reached_it(ws_server: str) -> None:
    asyncio.run(lift_the_epoch_limit(ws_server))
