"""The loss-landscape view against the loss computed independently with
torch.func.functional_call on the run's weights (never moved in place), and what the view
promises: filter-normalised directions, the weights restored, training's random numbers
untouched, the path projected back to its coordinates."""

from __future__ import annotations

import math

import pytest
import torch
from torch.func import functional_call

from app.spec import ExperimentSpec
from app.train import Run
from app.train.probes import ObserveError, landscape

SPEC = {
    "data": {"dataset": "circle", "n_samples": 200},
    "model": {
        "layers": [
            {"type": "dense", "units": 6, "activation": "tanh"},
            {"type": "dense", "units": 5, "activation": "relu"},
        ]
    },
    "train": {"optimizer": "sgd", "lr": 0.3, "batch_size": 10},
}


def make_run(steps: int = 30) -> Run:
    run = Run(ExperimentSpec.model_validate(SPEC), "cpu")
    run.step(steps)
    return run


def the_directions(run: Run, count: int) -> list[dict[str, torch.Tensor]]:
    """The view's directions by parameter name, drawn again from the same fixed seed."""
    names = [n for n, p in run.model.named_parameters() if p.requires_grad]
    weights = [p.detach() for p in run.model.parameters() if p.requires_grad]
    generator = torch.Generator().manual_seed(landscape.DIRECTION_SEED)
    drawn = [landscape.filter_normalised(weights, generator) for _ in range(count)]
    return [dict(zip(names, d, strict=True)) for d in drawn]


def loss_at(run: Run, offset: dict[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor) -> float:
    params = {n: p.detach() + offset[n] for n, p in run.model.named_parameters()}
    run.model.eval()
    with torch.no_grad():
        return float(run.loss_fn(functional_call(run.model, params, (x,)), y))


def test_directions_are_filter_normalised_and_hold_biases_still() -> None:
    run = make_run()
    (direction,) = the_directions(run, 1)
    for name, p in run.model.named_parameters():
        d = direction[name]
        if p.ndim < 2:
            assert torch.count_nonzero(d) == 0, name
            continue
        rows_w = p.detach().reshape(p.shape[0], -1).norm(dim=1)
        rows_d = d.reshape(p.shape[0], -1).norm(dim=1)
        torch.testing.assert_close(rows_d, rows_w, rtol=1e-5, atol=1e-6)
        assert not torch.allclose(d, p.detach())  # random, not the weights themselves


def test_the_slice_is_the_loss_at_each_point_and_leaves_the_run_as_it_was() -> None:
    run = make_run()
    before = [p.detach().clone() for p in run.model.parameters()]
    rng_before = torch.random.get_rng_state()
    out = run.observe("loss_landscape")["loss_landscape"]
    assert torch.equal(torch.random.get_rng_state(), rng_before)
    for p, p0 in zip(run.model.parameters(), before, strict=True):
        assert torch.equal(p.detach(), p0)
    grid, axis = out["loss"], out["axis"]
    assert grid.shape == (landscape.GRID, landscape.GRID)
    d1, d2 = the_directions(run, 2)
    n = min(landscape.STATS_BATCH, run.eval_size)
    x, y = run.x_val[:n], run.y_val[:n]
    for i, j in [(0, 0), (3, 17), (landscape.GRID // 2, landscape.GRID // 2), (20, 4)]:
        a, b = axis[j], axis[i]  # row i at b, column j at a
        offset = {k: a * d1[k] + b * d2[k] for k in d1}
        assert math.isclose(grid[i, j], loss_at(run, offset, x, y), rel_tol=1e-4), (i, j)
    assert math.isclose(out["centre_loss"], run.evaluate().val_loss, rel_tol=1e-5)
    # the loss rises away from trained weights: the corners are above the centre
    assert min(grid[0, 0], grid[0, -1], grid[-1, 0], grid[-1, -1]) > out["centre_loss"]


def test_the_path_projects_each_snapshot_and_ends_at_the_centre() -> None:
    run = make_run(0)
    for _ in range(4):
        run.observe("loss_landscape")
        run.step(10)
    out = run.observe("loss_landscape")["loss_landscape"]
    assert out["path_steps"] == [0, 10, 20, 30, 40]
    assert out["path"][-1] == [0.0, 0.0] or max(map(abs, out["path"][-1])) < 1e-6
    assert max(map(abs, out["path"][0])) > 0.01  # the start is elsewhere on the slice
    # a snapshot put on the slice at (a, b) is read back as (a, b)
    d1, d2 = (torch.randn(50, dtype=torch.float64) for _ in range(2))
    centre = torch.randn(50, dtype=torch.float64)
    trail = [(0, centre + 0.7 * d1 - 0.2 * d2), (5, centre)]
    coords = landscape.project(trail, centre, d1, d2)
    assert [round(c, 6) for c in coords[0]] == [0.7, -0.2] and coords[1] == [0.0, 0.0]


def test_the_trail_starts_again_after_a_reset_and_stays_bounded() -> None:
    run = make_run(0)
    for _ in range(landscape.TRAIL_MAX + 10):
        run.step(1)
        landscape.remember(run)
    assert len(run.trail) <= landscape.TRAIL_MAX
    assert run.trail[0][0] == 1 and run.trail[-1][0] == run.step_count  # whole run, thinned
    run.reset()
    run.step(2)
    landscape.remember(run)
    assert [s for s, _ in run.trail] == [2]


def test_a_network_too_costly_for_the_slice_is_refused_in_words() -> None:
    run = make_run(0)
    run.eval_size = landscape.GRID**2 * landscape.MIN_EXAMPLES - 1  # as for a big CNN
    with pytest.raises(ObserveError, match="too costly for the loss landscape"):
        run.observe("loss_landscape")
    run.eval_size = landscape.GRID**2 * landscape.MIN_EXAMPLES
    assert run.observe("loss_landscape")["loss_landscape"]["loss"].shape == (21, 21)
