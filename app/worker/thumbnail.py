"""A hosted run's thumbnail for the teacher's overview of the class (docs/classroom.md): a
tiny picture of its output, observed by the worker that hosts the run, once per run
whatever the number of teachers watching, at most `class_thumbnail_hz` times a second, only
when the run trained a step since the last one, and only while a teacher watches: the web
process switches thumbnails on for a few seconds (`for_s`) and renews that while the
teacher's page asks for the overview, so a class nobody oversees costs nothing.

What it shows: for points (2-D data), the decision boundary over the plane on a
THUMBNAIL_GRID x THUMBNAIL_GRID grid (P(class 1) for binary data, the winning class for
multiclass, the first output for regression); for other classification data (images,
sequences, tables), the output probabilities for the validation set's first example; for
other regression data (a sine wave, a table), the prediction and the truth of the first
output over the first THUMBNAIL_POINTS validation examples. The values travel
as uint8 (base64) over [lo, hi]: a few hundred bytes. GANs have none yet. The boundaries of
runs that train as a group are computed in one batched pass for the group
(app/worker/grouping.py, `prepare`), as their frames' are.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

from app.protocol import quantize
from app.train import Run, Trainer
from app.train.probes import ObserveError
from app.worker.frames import Emit

THUMBNAIL_GRID = 24  # cells a side of the boundary thumbnail: 576 bytes
THUMBNAIL_POINTS = 48  # validation examples in a regression's prediction thumbnail
CURVE_POINTS = 48  # epochs (evenly picked, the last always) in a recorded run's loss curve


class ThumbnailSchedule:
    """Sends a `thumbnail` event (to the web process only: it never reaches a student) when
    one is due and switched on (`hz` > 0)."""

    def __init__(self, run_id: str, run: Trainer, emit: Emit) -> None:
        self.id, self.run, self.emit = run_id, run, emit
        self.hz = 0.0  # off until the web process asks (a class student's run)
        self.until = 0.0  # and until then (monotonic seconds)
        self.next_at = 0.0
        self.step = -1  # step count of the last thumbnail sent
        self.prepared: np.ndarray | None = None  # its boundary, computed by its group
        self.prepared_step = -1

    def switch(self, hz: float, for_s: float, now: float) -> None:
        """On at `hz` for `for_s` seconds from `now` (a renewal keeps the pace)."""
        if hz != self.hz:
            self.hz, self.next_at, self.step = hz, 0.0, -1
        self.until = now + for_s

    def refresh(self) -> None:
        """The run changed without a step (reset, edited weight): the next one goes out."""
        self.step = -1

    def due(self, now: float) -> bool:
        return self.hz > 0 and self.until > now >= self.next_at and self.run.step_count != self.step

    def prepare(self, boundary: np.ndarray) -> None:
        """Its boundary at THUMBNAIL_GRID, computed by its group at the current weights."""
        self.prepared, self.prepared_step = boundary, self.run.step_count

    def report(self, now: float) -> None:
        if not self.due(now):
            return
        self.next_at = now + 1 / self.hz
        self.step = self.run.step_count
        fresh = self.prepared if self.prepared_step == self.step else None
        self.prepared = None
        picture = thumbnail_of(self.run, fresh)
        if picture is not None:
            self.emit({"type": "thumbnail", "run": self.id, "step": self.step} | picture)


def thumbnail_of(run: Trainer, boundary: np.ndarray | None = None) -> dict[str, Any] | None:
    """`{view, shape, lo, hi, data}` for the run's output now (its `boundary` at
    THUMBNAIL_GRID if already computed), or None if it has none."""
    if not isinstance(run, Run):
        return None
    try:
        if run.data.input_kind == "points":
            return _boundary(run, boundary)
        if run.task == "regression":
            return _prediction(run)
        return _probabilities(run)
    except ObserveError:
        return None


def checkpoint_thumbnail(run: Trainer) -> dict[str, Any] | None:
    """The picture "My runs" shows of a recorded run (docs/runs.md), taken with each
    checkpoint: for points, its boundary as the teacher's thumbnail draws it; for any other
    data, its loss per epoch so far as a curve (`view` "loss"). None before its first epoch
    (or for a GAN without points: its losses are not one curve). A few hundred bytes."""
    if isinstance(run, Run) and run.data.input_kind == "points":
        try:
            return _boundary(run, None)
        except ObserveError:
            return None
    return loss_curve([vars(point) for point in run.history])


def loss_curve(history: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The validation loss per epoch (the training loss without a validation set), at most
    CURVE_POINTS of them evenly picked with the last, on their own range."""
    key = next((k for k in ("val_loss", "train_loss") if _finite_in(history, k)), None)
    if key is None:
        return None
    picked = np.unique(np.linspace(0, len(history) - 1, min(len(history), CURVE_POINTS)).round())
    losses = np.array([history[int(i)][key] for i in picked], np.float64)
    finite = np.isfinite(losses)
    lo, hi = float(losses[finite].min()), float(losses[finite].max())
    # A diverged epoch (NaN, inf) is drawn at the top, not mistaken for the lowest loss.
    return _packed("loss", np.where(finite, losses, hi), lo, hi)


def _finite_in(history: list[dict[str, Any]], key: str) -> bool:
    return any(isinstance(p.get(key), float | int) and np.isfinite(p[key]) for p in history)


def _boundary(run: Run, plane: np.ndarray | None) -> dict[str, Any]:
    if plane is None:
        plane = run.observe("boundary", grid=THUMBNAIL_GRID)["boundary"]
    if plane.ndim == 2:  # binary: P(class 1), on a fixed scale so colours compare
        return _packed("boundary", plane, 0.0, 1.0)
    if run.task == "regression":
        return _packed("boundary", plane[0], *_range(plane[0]))
    classes = np.argmax(plane, axis=0)  # (grid, grid) the winning class
    return _packed("classes", classes, 0.0, float(len(plane) - 1))


def _probabilities(run: Run) -> dict[str, Any]:
    probs = np.asarray(run.observe("probabilities", sample=0)["probabilities"], np.float32)
    return _packed("probabilities", probs.reshape(-1), 0.0, 1.0)


def _prediction(run: Run) -> dict[str, Any]:
    """Row 0 the prediction, row 1 the truth (first output), on their shared range."""
    seen = run.observe("sequence_prediction")["sequence_prediction"]
    rows = np.stack(
        [
            np.asarray(seen["prediction"], np.float64)[:THUMBNAIL_POINTS, 0],
            np.asarray(seen["truth"], np.float64)[:THUMBNAIL_POINTS, 0],
        ]
    )  # (2, N)
    return _packed("prediction", rows, *_range(rows))


def _range(values: np.ndarray) -> tuple[float, float]:
    _, lo, hi = quantize(values)
    return lo, hi


def _packed(view: str, values: np.ndarray, lo: float, hi: float) -> dict[str, Any]:
    """Values as uint8 over [lo, hi] (non-finite as 0), base64 in JSON."""
    a = np.nan_to_num(np.asarray(values, np.float64), nan=lo, posinf=hi, neginf=lo)
    span = hi - lo
    q = np.zeros(a.shape) if span <= 0 else (a - lo) * (255.0 / span)
    data = np.clip(np.round(q), 0, 255).astype(np.uint8)
    return {
        "view": view,
        "shape": list(data.shape),
        "lo": lo,
        "hi": hi,
        "data": base64.b64encode(data.tobytes()).decode(),
    }
