"""The loss landscape around the current weights (Li et al. 2018, "Visualizing the Loss
Landscape of Neural Nets"): the loss on a slice of weight space spanned by two random
directions, each filter-normalised (every neuron's or filter's slice of a direction is
scaled to the norm of that neuron's or filter's weights, so a step of 1 moves each one by
its own size, whatever the layer's scale; biases and normalisation parameters are held
still), and the path the weights took, projected onto that slice.

The directions come from a private generator with a fixed seed: the same run sees the same
slice at every frame, and observing draws nothing from the training's random numbers.
The weights are moved in place for each grid point and restored before returning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from app.train.modes import evaluating
from app.train.probes.common import STATS_BATCH, ObserveError

if TYPE_CHECKING:
    from app.train.run import Run

GRID = 21  # points per side of the slice: 441 forward passes on a val subset
RADIUS = 1.0  # the slice spans [-RADIUS, RADIUS] filter-normalised steps on each axis
DIRECTION_SEED = 1234  # the slice's directions; fixed, so every frame shows the same slice
TRAIL_MAX = 48  # weight snapshots kept for the path; thinned to every other when full
SHARP_RADIUS = 0.5  # the `sharpness` metric's distance, in filter-normalised steps
SHARP_DIRECTIONS = 8  # random directions the `sharpness` metric averages over
MIN_EXAMPLES = 16  # val examples the slice needs at least, or the view is refused


def _params(run: Run) -> list[torch.Tensor]:
    return [p for p in run.model.parameters() if p.requires_grad]


def filter_normalised(
    weights: list[torch.Tensor], generator: torch.Generator
) -> list[torch.Tensor]:
    """A random direction with each row (a neuron's incoming weights, a filter) scaled to
    the norm of the same row of `weights`; zero for 1-D parameters (biases, norms' scale)."""
    direction = []
    for w in weights:
        d = torch.randn(w.shape, generator=generator).to(w.device, w.dtype)
        if w.ndim < 2:
            direction.append(torch.zeros_like(w))
            continue
        rows_w = w.reshape(w.shape[0], -1)  # (out, in...) one row per neuron or filter
        rows_d = d.reshape(w.shape[0], -1)
        scale = rows_w.norm(dim=1, keepdim=True) / rows_d.norm(dim=1, keepdim=True).clamp_min(1e-12)
        direction.append((rows_d * scale).reshape(w.shape))
    return direction


def _directions(weights: list[torch.Tensor], count: int) -> list[list[torch.Tensor]]:
    generator = torch.Generator().manual_seed(DIRECTION_SEED)
    return [filter_normalised(weights, generator) for _ in range(count)]


def _loss(run: Run, x: torch.Tensor, y: torch.Tensor) -> float:
    return float(run.loss_fn(run.model(x), y))


def _losses_along(
    run: Run, x: torch.Tensor, y: torch.Tensor, offsets: list[list[torch.Tensor]]
) -> list[float]:
    """The loss at the current weights plus each offset; the weights are restored after."""
    params = _params(run)
    start = [p.detach().clone() for p in params]
    out = []
    try:
        with torch.no_grad():
            for offset in offsets:
                for p, w, d in zip(params, start, offset, strict=True):
                    p.copy_(w + d)
                out.append(_loss(run, x, y))
    finally:
        with torch.no_grad():
            for p, w in zip(params, start, strict=True):
                p.copy_(w)
    return out


def _flat(params: list[torch.Tensor]) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1).float().cpu() for p in params])


def remember(run: Run) -> None:
    """Adds the current weights to the run's trail (once per step; the view does, and the
    worker at each frame for a viewer of it), thinning it to every other snapshot when
    full, so the trail spans the whole run at a bounded cost."""
    trail = run.trail
    if trail and trail[-1][0] > run.step_count:  # the run was reset: a new path
        trail.clear()
    if trail and trail[-1][0] == run.step_count:
        return
    if len(trail) >= TRAIL_MAX:
        del trail[1:-1:2]  # keep the first and the latest
    trail.append((run.step_count, _flat(_params(run))))


def project(
    trail: list[tuple[int, torch.Tensor]], centre: torch.Tensor, d1: torch.Tensor, d2: torch.Tensor
) -> list[list[float]]:
    """Each snapshot's offset from `centre`, as (a, b) with a·d1 + b·d2 its least-squares
    fit (the directions are nearly, not exactly, orthogonal)."""
    if not trail:
        return []
    basis = torch.stack([d1, d2], dim=1).double()  # (P, 2)
    offsets = torch.stack([w - centre for _, w in trail], dim=1).double()  # (P, T)
    coords = torch.linalg.lstsq(basis, offsets).solution  # (2, T)
    return [[float(a), float(b)] for a, b in coords.T]


def loss_landscape(run: Run, **_: Any) -> dict[str, Any]:
    """The val loss (GRID, GRID) over the slice, row i at b = y[i], column j at a = x[j];
    the centre's loss; and the path (steps, points) of the weights, projected."""
    remember(run)
    # GRID² forward passes of n examples within one evaluation's cost (`eval_size`)
    n = min(STATS_BATCH, run.eval_size // GRID**2)
    if n < MIN_EXAMPLES:
        raise ObserveError(
            f"this network is too costly for the loss landscape: {GRID * GRID} forward "
            f"passes of at least {MIN_EXAMPLES} examples would take over max_eval_seconds"
        )
    x, y = run.x_val[:n], run.y_val[:n]
    weights = [p.detach() for p in _params(run)]
    d1, d2 = _directions(weights, 2)
    axis = np.linspace(-RADIUS, RADIUS, GRID)
    offsets = [
        [float(a) * u + float(b) * v for u, v in zip(d1, d2, strict=True)]
        for b in axis
        for a in axis
    ]
    grid = np.array(_losses_along(run, x, y, offsets), dtype=np.float32).reshape(GRID, GRID)
    centre = _flat(weights)
    path = project(run.trail, centre, _flat(d1), _flat(d2))
    return {
        "loss": grid,
        "axis": axis.tolist(),
        "centre_loss": _loss(run, x, y),
        "path": path,
        "path_steps": [step for step, _ in run.trail],
    }


def loss_around(
    run: Run, radius: float = SHARP_RADIUS, count: int = SHARP_DIRECTIONS
) -> tuple[float, float]:
    """The training loss at the weights, and its mean `radius` filter-normalised steps
    away along `count` random directions, both signs: how wide the valley the weights sit
    in is (the rise is the lesson's `sharpness`). On at most 4·STATS_BATCH train examples."""
    n = min(4 * STATS_BATCH, len(run.x_train))
    x, y = run.x_train[:n], run.y_train[:n]
    weights = [p.detach() for p in _params(run)]
    directions = _directions(weights, count)
    offsets = [[sign * radius * d for d in ds] for ds in directions for sign in (1.0, -1.0)]
    with torch.no_grad(), evaluating(run.model):
        base = _loss(run, x, y)
        around = _losses_along(run, x, y, offsets)
    return base, float(np.mean(around))
