"""What the socket carries is what the run computes: binary frames decoded against
`Run.observe` in-process, and a diverging run that never puts NaN or Infinity in JSON."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import numpy as np
from websockets.asyncio.client import ClientConnection

from app.client import Event, connect
from app.spec import ExperimentSpec
from app.train import Run

SPEC = {
    "seed": 3,
    "data": {"dataset": "spiral", "n_samples": 200},
    "model": {
        "layers": [
            {"type": "dense", "units": 6, "activation": "tanh"},
            {"type": "dense", "units": 4, "activation": "relu"},
        ]
    },
    "train": {"optimizer": "adam", "lr": 0.03, "batch_size": 10},
}
STEPS = 37  # not a whole number of epochs


async def first_frame(url: str) -> Event:
    async with await connect(url) as c:
        await c.start(SPEC, paused=True)
        await c.step(STEPS)
        await c.wait_for(lambda e: e["type"] == "status" and e["step"] == STEPS)
        await c.view(["neurons", "boundary", "weights"], grid=10, boundary_grid=40)
        return await c.wait_for(lambda e: e["type"] == "frame")


def test_frames_match_the_run_observed_in_process(ws_server: str) -> None:
    frame = asyncio.run(first_frame(ws_server))
    header, arrays = frame["header"], frame["arrays"]
    run = Run(ExperimentSpec.model_validate(SPEC))
    run.step(STEPS)
    assert (header["step"], header["epoch"]) == (STEPS, run.epoch)
    seen = run.observe("neurons", "weights", grid=10)
    expected: dict[str, np.ndarray] = {
        **{f"neurons/{k}": v for k, v in seen["neurons"].items()},
        **{f"weights/{k}": v for k, v in seen["weights"].items()},
        "boundary": run.observe("boundary", grid=40)["boundary"],
    }
    assert set(arrays) == set(expected)
    quantized = {a["name"]: a for a in header["arrays"] if a["dtype"] == "uint8"}
    assert set(quantized) == {k for k in expected if not k.startswith("weights/")}
    for name, want in expected.items():
        got = arrays[name]
        assert got.shape == want.shape, name
        if name in quantized:
            step = (quantized[name]["max"] - quantized[name]["min"]) / 255
            assert np.abs(got - want).max() <= step + 1e-5, name
        else:  # float16 as it is
            np.testing.assert_allclose(got, want, rtol=2e-3, atol=1e-4, err_msg=name)


DIVERGING = {
    "data": {"dataset": "plane", "n_samples": 200},
    "model": {"layers": [{"type": "dense", "units": 8, "activation": "relu"}]},
    "train": {"optimizer": "sgd", "lr": 10.0, "batch_size": 10},
}


def strict_json(text: str) -> Any:
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in a JSON message: {text[:200]}")

    return json.loads(text, parse_constant=refuse)


async def diverge(url: str) -> list[Event]:
    """Every JSON message until `done`, then until the diverged model's prediction (its
    weights are no longer finite), each parsed strictly from the raw text."""
    async with await connect(url) as c:
        raw: ClientConnection = c.connection
        events: list[Event] = []

        async def read_until(kind: str) -> None:
            while not events or events[-1]["type"] != kind:
                message = await asyncio.wait_for(raw.recv(), 20)
                if isinstance(message, str):
                    events.append(strict_json(message))

        await c.start(DIVERGING)
        await c.view(["neurons", "boundary", "weights", "metrics"], fps=30)
        await read_until("done")
        await c.predict([[0.5, -0.5]], id=7)
        await read_until("prediction")
        return events


def test_divergence_ends_the_run_with_no_nan_in_json(ws_server: str) -> None:
    events = asyncio.run(diverge(ws_server))
    done = next(e for e in events if e["type"] == "done")
    assert done["reason"] == "diverged" and "at step" in done["detail"]
    prediction = events[-1]
    assert prediction["id"] == 7
    assert prediction["output"] == [[None]]  # NaN, sent as null


async def refuse_lr(url: str) -> tuple[Event, Event]:
    async with await connect(url) as c:
        await c.start({**DIVERGING, "train": {"optimizer": "sgd", "lr": 50.0}})
        at_start = await c.wait_for(lambda e: e["type"] == "error")
        await c.start(DIVERGING, paused=True)
        await c.set(lr=50.0)
        live = await c.wait_for(lambda e: e["type"] == "error")
        return at_start, live


def test_a_learning_rate_of_50_is_refused_naming_the_field(ws_server: str) -> None:
    at_start, live = asyncio.run(refuse_lr(ws_server))
    assert (at_start["code"], at_start["field"]) == ("invalid", "spec.train.lr")
    assert (live["code"], live["field"]) == ("invalid", "params.lr")
    assert "10" in at_start["message"] and "10" in live["message"]


async def early_stop(url: str) -> Event:
    # min_delta 1: no epoch improves enough, so the run stops after `patience` epochs and
    # goes back to the first one.
    spec = {**SPEC, "train": {**SPEC["train"], "early_stopping": {"patience": 2, "min_delta": 1}}}
    async with await connect(url) as c:
        await c.start(spec)
        return await c.wait_for(lambda e: e["type"] == "done", timeout=30)


def test_done_after_early_stopping_names_the_best_epoch(ws_server: str) -> None:
    done = asyncio.run(early_stop(ws_server))
    assert (done["reason"], done["best_epoch"]) == ("early_stopped", 1)
