"""The image and sequence views over a real socket: a drawn input answered while paused, a
view the run cannot show dropped alone, slow views in some frames only, generated text."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import numpy as np

from app.client import Event, connect
from app.spec import ExperimentSpec
from app.train import Run

DIGITS = {
    "seed": 4,
    "data": {"dataset": "digits", "n_samples": 300},
    "model": {"layers": [{"type": "conv2d", "filters": 20}, {"type": "maxpool2d"}]},
    "train": {"batch_size": 16},
}
MEMORY = {
    "seed": 4,
    "data": {"dataset": "memory", "n_samples": 300, "seq_len": 10},
    "model": {"layers": [{"type": "lstm", "hidden": 8}]},
    "train": {"batch_size": 16},
}
NAMES = {
    "seed": 4,
    "data": {"dataset": "names", "n_samples": 500, "seq_len": 6},
    "model": {"layers": [{"type": "embedding", "dim": 8}, {"type": "gru", "hidden": 8}]},
}
DRAWN = np.eye(8).tolist()  # a stroke on the drawing pad
IMAGE_VIEWS = ["example", "probabilities", "feature_maps", "misclassified", "neurons"]


def is_frame(e: Event) -> bool:
    return e["type"] == "frame"


async def drawing_while_paused(url: str) -> dict[str, Any]:
    async with await connect(url) as c:
        await c.start(DIGITS, paused=True)
        await c.view(IMAGE_VIEWS, input=DRAWN)
        dropped = await c.wait_for(lambda e: e["type"] == "error")
        first = await c.wait_for(is_frame)
        await c.view(["weights"], input=np.eye(5).tolist())  # the wrong size
        refused = await c.wait_for(lambda e: e["type"] == "error")
        await c.step(1)
        after_step = await c.wait_for(lambda e: is_frame(e) and e["header"]["step"] == 1)
        return {"dropped": dropped, "first": first, "refused": refused, "after": after_step}


def test_a_drawn_input_is_answered_while_paused(ws_server: str) -> None:
    got = asyncio.run(drawing_while_paused(ws_server))
    dropped, refused = got["dropped"], got["refused"]
    assert (dropped["field"], dropped["view"]) == ("views", "neurons")
    assert "2-D point data" in dropped["message"]
    for frame in (got["first"], got["after"]):  # the bad input kept the drawn one
        header, arrays = frame["header"], frame["arrays"]
        assert set(arrays) >= {"example/input", "probabilities"}
        assert not any(name.startswith("neurons") for name in arrays)
        np.testing.assert_allclose(arrays["example/input"][0], DRAWN, atol=1 / 510 + 1e-6)
        assert header["values"]["example/label"] is None
        maps = {a["name"]: a for a in header["arrays"]}
        assert maps["feature_maps/conv2d0"]["shape"] == [16, 8, 8]  # the first 16 of 20
        assert len(maps["feature_maps/conv2d0"]["min"]) == 16  # one range per map
        assert header["values"]["feature_maps_channels/conv2d0"] == 20
    first = got["first"]  # the slow views come with a new view's first frame
    images = first["arrays"]["misclassified/images"]
    assert first["header"]["values"]["misclassified/count"] >= len(images)
    # What the socket drew is what the run computes for the drawing.
    run = Run(ExperimentSpec.model_validate(DIGITS))
    want = run.observe("probabilities", inputs=DRAWN)["probabilities"]
    np.testing.assert_allclose(got["first"]["arrays"]["probabilities"], want, rtol=2e-3, atol=1e-4)
    assert refused["field"] == "input" and "8x8" in refused["message"]


async def frames_while_training(url: str, seconds: float) -> tuple[list[Event], float]:
    async with await connect(url) as c:
        await c.start(MEMORY)
        await c.view(["weights", "confusion", "time_grads", "accuracy_by_length"], fps=30)
        first = await c.wait_for(is_frame)
        started, frames = time.monotonic(), [first]
        while time.monotonic() - started < seconds:
            frames.append(await c.wait_for(is_frame))
        return frames, time.monotonic() - started


def test_slow_views_come_in_some_frames_only(ws_server: str) -> None:
    frames, elapsed = asyncio.run(frames_while_training(ws_server, 2.5))
    slow = [f for f in frames if "confusion" in f["arrays"]]
    fast = [f for f in frames if "confusion" not in f["arrays"]]
    assert "confusion" in frames[0]["arrays"]  # a new view gets them at once
    for frame in slow:
        assert "time_grads" in frame["arrays"]
        assert "accuracy_by_length/lengths" in frame["header"]["values"]
    for frame in fast:
        assert "time_grads" not in frame["arrays"]
        assert any(name.startswith("weights/") for name in frame["arrays"])
    assert 2 <= len(slow) <= 2 * elapsed + 2  # slow_view_hz = 2
    assert len(fast) >= 2 * len(slow)


async def generate(url: str, spec: dict[str, Any]) -> Event:
    async with await connect(url) as c:
        await c.start(spec, paused=True)
        await c.generate(length=40, prefix="ma", id=12)
        return await c.wait_for(lambda e: e["type"] in ("generated", "error"))


def test_generated_text_over_the_socket(ws_server: str) -> None:
    answer = asyncio.run(generate(ws_server, NAMES))
    assert answer["type"] == "generated" and answer["id"] == 12
    vocab = Run(ExperimentSpec.model_validate(NAMES)).data.vocab
    assert len(answer["text"]) == 40 and set(answer["text"]) <= set(vocab)
    refused = asyncio.run(generate(ws_server, MEMORY))
    assert refused["type"] == "error" and refused["field"] == "generate"
    assert "text data" in refused["message"]
