"""Views of 2-D point data: each neuron's output over the plane, and the model's answer
over it (the decision boundary)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from app.nn import cost
from app.train import objective
from app.train.probes.common import ObserveError, capture, hidden_layer_names, to_numpy

if TYPE_CHECKING:
    from app.train.run import Run


def _plane_inputs(run: Run, grid: int) -> torch.Tensor:
    """Model inputs for a grid x grid raster of the plane, row 0 at the top (max x2),
    featurized exactly as the training points were: (grid*grid, features)."""
    featurize, domain = run.data.featurize, run.data.domain
    if featurize is None or domain is None:
        raise ObserveError("this view needs 2-D point data")
    return raster(featurize, domain, _check_grid(run, grid)).to(run.device)


def raster(
    featurize: Callable[[torch.Tensor], torch.Tensor], domain: tuple[float, float], grid: int
) -> torch.Tensor:
    """A grid x grid raster of the square `domain`, row 0 at the top, featurized (CPU)."""
    axis = torch.linspace(domain[0], domain[1], grid)
    x2, x1 = torch.meshgrid(axis.flip(0), axis, indexing="ij")
    return featurize(torch.stack([x1.flatten(), x2.flatten()], dim=1))


def fit_grid(run: Run, grid: int, maps: int) -> int:
    """The asked grid, or the finest coarser one within the view's cost: `maps` x grid²
    values at most `limits.max_view_values`, and a forward pass over grid² points within
    `limits.max_eval_seconds` (app/nn/cost.py). At least 2."""
    limits = run.limits
    by_values = math.isqrt(limits.max_view_values // max(1, maps))
    points = limits.max_eval_seconds * limits.compute_gflops * 1e9 / cost.forward_flops(run.report)
    return max(2, min(grid, by_values, math.isqrt(int(points))))


def _map_count(run: Run) -> int:
    """Maps the `neurons` view draws: the input features and every hidden layer's units."""
    hidden = [r for r in run.report.layers if r.name != "output" and len(r.output_shape) == 1]
    return len(run.data.feature_names or ()) + sum(r.output_shape[0] for r in hidden)


def neurons(run: Run, grid: int = 50, **_: Any) -> dict[str, np.ndarray]:
    """Each input feature's and each hidden unit's value over the plane: (units, g, g) per
    layer (key 'input' for the features); only layers with a vector output. g is `grid`,
    or coarser when that many maps at that grid would cost too much (`fit_grid`)."""
    grid = fit_grid(run, _check_grid(run, grid), _map_count(run))
    x = _plane_inputs(run, grid)
    names = hidden_layer_names(run)
    with capture(run.model, names) as outs:
        run.model(x)
    maps = {"input": x.T.reshape(-1, grid, grid)}
    for name in names:
        if outs[name].ndim == 2:
            maps[name] = outs[name].T.reshape(-1, grid, grid)
    return {k: to_numpy(v) for k, v in maps.items()}


def boundary(run: Run, grid: int = 100, **_: Any) -> np.ndarray:
    """The model's answer over the plane: P(class 1) (grid, grid) for binary data, class
    probabilities (C, grid, grid) for multiclass, the value (D, grid, grid) for regression.
    The grid is coarser when a forward pass over it would cost too much (`fit_grid`)."""
    grid = fit_grid(run, _check_grid(run, grid), max(1, run.data.output_dim))
    pred = objective.predict(run.task, run.model(_plane_inputs(run, grid)))
    return to_numpy(pred.reshape(grid, grid) if pred.ndim == 1 else pred.T.reshape(-1, grid, grid))


def _check_grid(run: Run, grid: int) -> int:
    if not 2 <= grid <= run.limits.max_grid:
        raise ObserveError(f"grid must be between 2 and {run.limits.max_grid}, not {grid}")
    return grid
