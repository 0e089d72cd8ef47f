"""Editing a weight over the socket: a paused run sends a fresh frame with the new weight and
the output map it makes (checked against the same edit in-process); a bad edit gets an
`error` naming the field, and the run goes on."""

from __future__ import annotations

import asyncio

import numpy as np

from app.client import Event, connect
from app.spec import ExperimentSpec
from app.train import Run

SPEC = {
    "seed": 5,
    "data": {"dataset": "xor", "n_samples": 200},
    "model": {"layers": [{"type": "dense", "units": 4, "activation": "tanh"}]},
    "train": {"optimizer": "adam", "lr": 0.03, "batch_size": 10},
}
EDIT = {"type": "edit_weight", "param": "dense0.linear.weight", "index": [1, 0], "value": 3.0}


def is_frame(e: Event) -> bool:
    return e["type"] == "frame"


def is_error(e: Event) -> bool:
    return e["type"] == "error"


async def edit_paused_run(url: str) -> tuple[Event, Event, list[Event], Event]:
    async with await connect(url) as c:
        await c.start(SPEC, paused=True)
        await c.step(3)
        await c.wait_for(lambda e: e["type"] == "status" and e["step"] == 3)
        await c.view(["weights", "boundary"], boundary_grid=40)
        before = await c.wait_for(is_frame)
        await c.send(EDIT)  # paused: the step count stays 3, yet a frame must follow
        after = await c.wait_for(is_frame)
        errors = []
        for bad in (
            {**EDIT, "param": "dense7.linear.weight"},
            {**EDIT, "index": [4, 0]},
            {**EDIT, "index": [1]},
            {**EDIT, "value": 1e9},
        ):
            await c.send(bad)
            errors.append(await c.wait_for(is_error))
        await c.step(1)  # the run goes on
        last = await c.wait_for(lambda e: is_frame(e) and e["header"]["step"] == 4)
        return before, after, errors, last


def test_an_edit_shows_at_once_in_a_paused_run(ws_server: str) -> None:
    before, after, errors, last = asyncio.run(edit_paused_run(ws_server))
    assert before["header"]["step"] == after["header"]["step"] == 3
    old, new = before["arrays"], after["arrays"]
    weight = new["weights/dense0.linear.weight"]
    assert weight[1, 0] == 3.0 and old["weights/dense0.linear.weight"][1, 0] != 3.0
    changed = old["weights/dense0.linear.weight"] != weight
    assert changed.sum() == 1 and changed[1, 0]  # that one element, nothing else
    assert not np.allclose(old["boundary"], new["boundary"], atol=0.01)

    run = Run(ExperimentSpec.model_validate(SPEC))
    run.step(3)
    run.edit_weight(EDIT["param"], EDIT["index"], EDIT["value"])
    want = run.observe("boundary", grid=40)["boundary"]
    quantized = next(a for a in after["header"]["arrays"] if a["name"] == "boundary")
    assert (
        np.abs(new["boundary"] - want).max() <= (quantized["max"] - quantized["min"]) / 255 + 1e-5
    )

    fields = [(e["code"], e["field"]) for e in errors]
    assert fields == [
        ("invalid", "param"),
        ("invalid", "index"),
        ("invalid", "index"),
        ("invalid", "value"),
    ]
    assert "the parameters are dense0.linear.weight" in errors[0]["message"]
    assert "position 0 must be 0 to 3" in errors[1]["message"]
    assert "needs 2 numbers, not 1" in errors[2]["message"]
    assert "1000" in errors[3]["message"]
    assert all("Traceback" not in e["message"] for e in errors)
    assert last["arrays"]["weights/dense0.linear.weight"].shape == (4, 2)
