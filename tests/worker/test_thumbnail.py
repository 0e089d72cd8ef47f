"""A hosted run's thumbnail for the teacher's overview (app/worker/thumbnail.py), driven
in-process with a clock the test sets: off until switched on, the boundary at 24x24 whose
values are the run's own boundary at that grid, at most `hz` a second and only after a step,
off when its lease runs out, the probabilities of the first validation example for images,
and a group's boundaries computed in one pass."""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any

import numpy as np

from app.settings import Settings
from app.spec import ExperimentSpec
from app.train import Run
from app.worker.hosted import HostedRun
from app.worker.process import WorkerLoop
from app.worker.thumbnail import CURVE_POINTS, THUMBNAIL_GRID, loss_curve
from tests.worker.test_grouping import Events, Silent, send, tick_until

SPIRAL = {
    "seed": 1,
    "data": {"dataset": "spiral", "n_samples": 200},
    "model": {"layers": [{"type": "dense", "units": 8, "activation": "tanh"}]},
    "train": {"batch_size": 10},
}
DIGITS = {
    "seed": 1,
    "data": {"dataset": "digits", "n_samples": 300},
    "model": {"layers": [{"type": "dense", "units": 16, "activation": "relu"}]},
    "train": {"batch_size": 16},
}


def hosted(spec: dict[str, Any], tmp_path: Path) -> tuple[HostedRun, list[dict[str, Any]]]:
    events: list[dict[str, Any]] = []
    full = ExperimentSpec.model_validate(spec).model_dump()
    run = HostedRun.open("r1", full, Settings(data_dir=tmp_path), events.append)
    assert run is not None, events
    return run, events


def thumbnails(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == "thumbnail"]


def values(thumb: dict[str, Any]) -> np.ndarray:
    """The thumbnail's values back on its own scale."""
    q = np.frombuffer(base64.b64decode(thumb["data"]), np.uint8).reshape(thumb["shape"])
    return thumb["lo"] + q.astype(np.float64) * (thumb["hi"] - thumb["lo"]) / 255


def test_the_boundary_thumbnail_is_the_runs_boundary_at_24x24(tmp_path: Path) -> None:
    h, events = hosted(SPIRAL, tmp_path)
    h.run.step(5)
    now = time.monotonic()
    h.report(now)
    assert thumbnails(events) == []  # off until the web process asks
    h.handle({"type": "thumbnail", "hz": 2.0, "for_s": 5.0})  # as the web process sends it
    h.report(now)
    [thumb] = thumbnails(events)
    assert isinstance(h.run, Run)
    want = h.run.observe("boundary", grid=THUMBNAIL_GRID)["boundary"]  # P(class 1)
    assert thumb["step"] == 5 and thumb["view"] == "boundary"
    assert thumb["shape"] == [THUMBNAIL_GRID, THUMBNAIL_GRID] and (thumb["lo"], thumb["hi"]) == (
        0.0,
        1.0,
    )
    assert len(base64.b64decode(thumb["data"])) == THUMBNAIL_GRID**2
    np.testing.assert_allclose(values(thumb), want, atol=0.5 / 255 + 1e-6)


def test_thumbnails_follow_training_at_most_hz_a_second(tmp_path: Path) -> None:
    h, events = hosted(SPIRAL, tmp_path)
    h.thumbnail.switch(2.0, 5.0, now=100.0)
    h.report(100.0)
    h.report(100.1)  # no step since: nothing new to show
    h.run.step(50)
    h.report(100.2)  # a step, but within half a second of the last one
    assert len(thumbnails(events)) == 1
    h.report(100.5)
    first, second = thumbnails(events)
    assert (first["step"], second["step"]) == (0, 50)
    assert first["data"] != second["data"]  # the boundary moved as it trained
    h.thumbnail.switch(2.0, 5.0, now=103.0)  # renewed: until 108
    h.run.step(5)
    h.report(107.9)
    h.run.step(5)
    h.report(108.5)  # the lease ran out: nobody watches
    assert [t["step"] for t in thumbnails(events)] == [0, 50, 55]


def test_an_image_runs_thumbnail_is_its_first_examples_probabilities(tmp_path: Path) -> None:
    h, events = hosted(DIGITS, tmp_path)
    h.thumbnail.switch(2.0, 5.0, now=100.0)
    h.run.step(3)
    h.report(100.0)
    [thumb] = thumbnails(events)
    assert isinstance(h.run, Run)
    want = h.run.observe("probabilities", sample=0)["probabilities"]
    assert thumb["view"] == "probabilities" and thumb["shape"] == [10]
    np.testing.assert_allclose(values(thumb), want, atol=0.5 / 255 + 1e-6)


def test_grouped_runs_thumbnails_come_from_one_batched_pass(tmp_path: Path) -> None:
    """Runs that train as a group get their boundaries from the group's pass (as their
    frames do), equal to each run's own probe at the same weights."""
    loop = grouping_loop()
    for hosted in loop.runs.values():
        hosted.thumbnail.switch(2.0, 60.0, time.monotonic())
    tick_until(loop, lambda: min(h.run.step_count for h in loop.runs.values()) >= 60)
    [entry] = loop.groups.entries.values()
    assert len(entry.hosted) == 4
    for hosted in loop.runs.values():
        send(loop, hosted.id, {"type": "pause"})
        hosted.thumbnail.switch(3.0, 60.0, time.monotonic())  # a new pace: due at once
    events = loop.events.sent  # type: ignore[attr-defined]
    events.clear()
    now = time.monotonic()
    loop.groups.prepare_frames(now)
    assert all(h.thumbnail.prepared_step == h.run.step_count for h in entry.hosted)
    for hosted in entry.hosted:
        hosted.thumbnail.report(now)
    sent = {e["run"]: e for e in events if e["type"] == "thumbnail"}
    assert sorted(sent) == sorted(h.id for h in entry.hosted)
    for hosted in entry.hosted:
        assert isinstance(hosted.run, Run)
        want = hosted.run.observe("boundary", grid=THUMBNAIL_GRID)["boundary"]
        np.testing.assert_allclose(values(sent[hosted.id]), want, atol=0.5 / 255 + 1e-5)


def grouping_loop() -> WorkerLoop:
    """A worker (its own loop, in-process) with four default runs, which train as a group."""
    worker = WorkerLoop(0, Silent(), Events(), Settings(device="cpu"))  # type: ignore[arg-type]
    for seed in range(4):
        worker._handle("open", f"r{seed}", {"spec": ExperimentSpec(seed=seed).model_dump()})
    return worker


def test_a_regression_sequences_thumbnail_is_its_prediction_and_truth(tmp_path: Path) -> None:
    sine = {
        "seed": 0,
        "data": {"dataset": "sine", "n_samples": 300, "seq_len": 10},
        "model": {"layers": [{"type": "lstm", "hidden": 8}]},
    }
    h, events = hosted(sine, tmp_path)
    h.thumbnail.switch(2.0, 5.0, now=100.0)
    h.run.step(5)
    h.report(100.0)
    [thumb] = thumbnails(events)
    assert isinstance(h.run, Run)
    seen = h.run.observe("sequence_prediction")["sequence_prediction"]
    want = np.stack([seen["prediction"][:48, 0], seen["truth"][:48, 0]])
    assert thumb["view"] == "prediction" and thumb["shape"] == [2, 48]
    step = (thumb["hi"] - thumb["lo"]) / 255
    np.testing.assert_allclose(values(thumb), want, atol=step / 2 + 1e-6)


def checkpoints(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == "checkpoint"]


def test_a_points_checkpoint_carries_its_boundary_for_my_runs(tmp_path: Path) -> None:
    """The page's "My runs" draws a recorded run from the thumbnail its checkpoint
    carries: for points, its boundary at the checkpoint's weights, teacher or not."""
    h, events = hosted(SPIRAL, tmp_path)
    h.run.step(40)
    h.send_checkpoint(time.monotonic())
    [checkpoint] = checkpoints(events)
    thumb = checkpoint["thumbnail"]
    assert isinstance(h.run, Run)
    want = h.run.observe("boundary", grid=THUMBNAIL_GRID)["boundary"]
    assert thumb["view"] == "boundary" and thumb["shape"] == [THUMBNAIL_GRID, THUMBNAIL_GRID]
    np.testing.assert_allclose(values(thumb), want, atol=0.5 / 255 + 1e-6)


def test_other_checkpoints_carry_the_loss_per_epoch_for_my_runs(tmp_path: Path) -> None:
    h, events = hosted(DIGITS, tmp_path)
    h.send_checkpoint(time.monotonic())  # no epoch yet: nothing to draw
    assert checkpoints(events)[0]["thumbnail"] is None
    while h.run.epoch < 3:
        h.run.step(20)
    h.send_checkpoint(time.monotonic())
    thumb = checkpoints(events)[1]["thumbnail"]
    losses = [p.val_loss for p in h.run.history]
    assert thumb["view"] == "loss" and thumb["shape"] == [len(losses)]
    assert (thumb["lo"], thumb["hi"]) == (min(losses), max(losses))
    np.testing.assert_allclose(values(thumb), losses, atol=(max(losses) - min(losses)) / 255)


def test_a_long_runs_loss_curve_keeps_its_size_and_its_last_epoch() -> None:
    history = [{"val_loss": 1 / (i + 1), "train_loss": 0.0} for i in range(1000)]
    history[500]["val_loss"] = float("nan")  # a diverged epoch is drawn high, not low
    thumb = loss_curve(history)
    assert thumb is not None and thumb["shape"] == [CURVE_POINTS]
    curve = values(thumb)
    assert curve[-1] == thumb["lo"] == 1 / 1000 and curve[0] == thumb["hi"] == 1.0
    no_val = loss_curve([{"val_loss": float("nan"), "train_loss": 0.5}])
    assert no_val is not None and values(no_val).tolist() == [0.5]  # the training loss
    assert loss_curve([]) is None
