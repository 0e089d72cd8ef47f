"""Runs trained together (app/train/group) give each run what it would get alone: the same
losses, metrics and weights, to float rounding, whatever its classmates do."""

from __future__ import annotations

import typing
from typing import Any

import numpy as np
import pytest
import torch

from app.spec import Activation, ExperimentSpec
from app.train import Run
from app.train.group.group import RunGroup
from app.train.group.layout import layout_of
from app.train.group.stack import ACTIVATIONS
from app.train.group.views import (
    GROUP_VIEWS,
    HISTOGRAM_BINS,
    _batched_histogram,
    group_views,
)

TOLERANCE = 2e-5  # float32 rounding, grown over a few hundred steps


def dense(units: int, activation: str = "tanh") -> dict[str, Any]:
    return {"type": "dense", "units": units, "activation": activation}


def spec(
    train: dict[str, Any] | None = None,
    layers: list[dict[str, Any]] | None = None,
    seed: int = 0,
    **data: Any,
) -> ExperimentSpec:
    """TensorFlow Playground's default net (circle, 4-2 tanh, batch 10, lr 0.03), changed."""
    body: dict[str, Any] = {"seed": seed, "data": data, "train": train or {}}
    if layers is not None:
        body["model"] = {"layers": layers}
    return ExperimentSpec.model_validate(body)


def grouped(runs: list[Run]) -> RunGroup:
    layouts = [layout_of(run) for run in runs]
    assert None not in layouts, "every run here can join a group"
    return RunGroup(runs, layouts)  # type: ignore[arg-type]


def train_together(runs: list[Run], steps: list[int | None], rounds: int = 1000) -> list[int]:
    """Trains the runs in one group until each has trained its steps (or has ended)."""
    group = grouped(runs)
    left = list(steps)
    trained = [0] * len(runs)
    for _ in range(rounds):
        got = group.train(left, 0.05)
        trained = [t + g for t, g in zip(trained, got, strict=True)]
        left = [None if s is None else s - g for s, g in zip(left, got, strict=True)]
        if not any(got):
            break
    group.dissolve()
    return trained


def assert_same(alone: Run, together: Run) -> None:
    assert together.step_count == alone.step_count
    assert together.epoch == alone.epoch
    assert together.status == alone.status
    a, b = alone.history, together.history
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert (x.step, x.epoch, x.lr) == (y.step, y.epoch, y.lr)
        for field in ("train_loss", "val_loss", "train_score", "val_score"):
            assert getattr(y, field) == pytest.approx(getattr(x, field), abs=TOLERANCE), field
        assert y.grad_norms.keys() == x.grad_norms.keys()
        for name, norm in x.grad_norms.items():
            assert y.grad_norms[name] == pytest.approx(norm, abs=TOLERANCE, rel=1e-4)
    for (name, p), (_, q) in zip(
        alone.model.named_parameters(), together.model.named_parameters(), strict=True
    ):
        assert torch.allclose(p, q, atol=TOLERANCE), name
        assert p.grad is not None and q.grad is not None
        assert torch.allclose(p.grad, q.grad, atol=TOLERANCE), f"{name}'s gradient"
    assert alone._pos == together._pos
    assert torch.equal(alone._order, together._order)


def check_alone_and_together(specs: list[ExperimentSpec], steps: int) -> list[Run]:
    alone = [Run(s) for s in specs]
    for run in alone:
        run.step(steps)
    together = [Run(s) for s in specs]
    train_together(together, [steps] * len(specs))
    for a, b in zip(alone, together, strict=True):
        assert_same(a, b)
    return together


# Each case: runs that share a group (same task, loss, optimizer), trained for `steps`.
CASES: dict[str, tuple[list[ExperimentSpec], int]] = {
    "sgd, every shape padded to the widest": (
        [
            spec(),
            spec({"lr": 0.1, "batch_size": 7}, [dense(3, "relu")], seed=1),
            spec(
                {"batch_size": 25},
                [dense(8, "sigmoid"), dense(5, "elu"), dense(2, "gelu")],
                features=["x1", "x2", "x1^2", "x1*x2", "sin(x1)"],
            ),
            spec({"lr": 0.01}, [], features=["x2"]),  # no hidden layer at all
            spec({}, [dense(6, "silu"), dense(6, "leaky_relu")], dataset="xor", noise=0.3),
            spec({"lr": 0.05}, [dense(4, "softplus")], seed=2),
        ],
        260,
    ),
    "sgd with momentum, nesterov, L2, L1 and clipping": (
        [
            spec({"momentum": 0.9}),
            spec({"momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
            spec({"l1": 0.003, "grad_clip": 0.3}, [dense(5, "linear")]),
            spec({"lr_schedule": "step", "lr_period": 2, "lr_gamma": 0.5, "weight_decay": 0.1}),
        ],
        260,
    ),
    "adam": (
        [
            spec({"optimizer": "adam", "lr": 0.01}),
            spec({"optimizer": "adam", "lr": 0.003, "beta1": 0.5, "weight_decay": 0.05}),
        ],
        200,
    ),
    "adamw": (
        [
            spec({"optimizer": "adamw", "lr": 0.01, "weight_decay": 0.1}),
            spec({"optimizer": "adamw", "lr": 0.003}),
        ],
        200,
    ),
    "rmsprop": (
        [
            spec({"optimizer": "rmsprop", "lr": 0.003}),
            spec({"optimizer": "rmsprop", "lr": 0.001, "momentum": 0.5, "weight_decay": 0.01}),
        ],
        60,
    ),
    "adagrad": (
        [
            spec({"optimizer": "adagrad", "lr": 0.05}),
            spec({"optimizer": "adagrad", "lr": 0.1, "l1": 0.001}),
        ],
        200,
    ),
    "dropout, each run's own stream": (
        [
            spec({}, [dense(8, "relu"), {"type": "dropout", "p": 0.3}, dense(4)]),
            spec({"batch_size": 4}, [dense(6), {"type": "dropout", "p": 0.5}], seed=3),
            spec(),
        ],
        200,
    ),
    "regression": (
        [
            spec({}, None, dataset="plane"),
            spec({"batch_size": 5}, [dense(3)], dataset="plane", noise=0.2),
        ],
        200,
    ),
    "regression, huber": ([spec({"loss": "huber"}, None, dataset="plane")], 120),
    "multiclass": (
        [
            spec({}, None, dataset="gaussian", n_classes=3),
            spec({"lr": 0.1}, [dense(5)], dataset="gaussian", n_classes=3, seed=2),
        ],
        200,
    ),
    "multiclass, mse": ([spec({"loss": "mse"}, None, dataset="gaussian", n_classes=3)], 120),
    "binary, mse on the probability": (
        [spec({"loss": "mse"}), spec({"loss": "mse", "lr": 0.3}, [dense(2)])],
        120,
    ),
    "max epochs and early stopping": (
        [
            spec({"max_epochs": 3}),
            spec({"early_stopping": {"patience": 1}, "lr": 0.3}, dataset="xor", noise=0.5),
            spec(),
        ],
        400,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_run_in_a_group_gives_what_it_gives_alone(case: str) -> None:
    specs, steps = CASES[case]
    check_alone_and_together(specs, steps)


def test_the_cases_end_as_they_say() -> None:
    """The early-stopping case does stop early, so the bookkeeping above is exercised."""
    runs = check_alone_and_together(*CASES["max epochs and early stopping"])
    assert [r.status.reason for r in runs] == ["max_epochs", "early_stopped", None]


def test_a_run_joining_mid_epoch_and_one_leaving_keep_their_numbers() -> None:
    """A run that trained alone for a while joins a group in the middle of an epoch, and
    later leaves it; another leaves and carries on alone, with its optimizer's state."""
    joiner, leaver = spec({"optimizer": "adam", "lr": 0.01}), spec({"optimizer": "adam"}, seed=5)
    a_alone, b_alone = Run(joiner), Run(leaver)
    a_alone.step(170)
    b_alone.step(140)
    a, b = Run(joiner), Run(leaver)
    a.step(37)  # alone first: 37 is mid-epoch (25 steps each)
    train_together([a, b], [100, 90])
    a.step(33)  # and alone again
    b.step(50)
    assert_same(a_alone, a)
    assert_same(b_alone, b)


def test_runs_that_sit_steps_out_keep_their_weights_and_state() -> None:
    """Budgets differ (a `step n` beside runs that play): each trains exactly its own."""
    specs = [
        spec({"momentum": 0.9}),
        spec({"momentum": 0.9}, seed=1),
        spec({"momentum": 0.5}, seed=2),
    ]
    alone = [Run(s) for s in specs]
    for run, steps in zip(alone, [7, 60, 33], strict=True):
        run.step(steps)
    together = [Run(s) for s in specs]
    trained = train_together(together, [7, 60, 33])
    assert trained == [7, 60, 33]
    for a, b in zip(alone, together, strict=True):
        assert_same(a, b)


def test_one_runs_divergence_leaves_its_group_mates_untouched() -> None:
    bad, good = spec({"lr": 10.0}, dataset="plane"), spec({}, dataset="plane", seed=4)
    alone = Run(good)
    alone.step(200)
    runs = [Run(bad), Run(good)]
    train_together(runs, [200, 200])
    assert runs[0].status.reason == "diverged"
    assert "try a smaller learning rate" in runs[0].status.detail
    assert_same(alone, runs[1])


def test_the_views_a_group_computes_are_the_probes_views() -> None:
    runs = [
        Run(spec()),
        Run(
            spec(
                {},
                [dense(8, "relu"), {"type": "dropout", "p": 0.2}, dense(3, "sigmoid")],
                features=["x1", "x2", "x1^2"],
            )
        ),
        Run(spec({}, [])),
    ]
    group = grouped(runs)
    group.train([None, None, None], 0.05)
    views = group_views(group, [0, 1, 2], GROUP_VIEWS, 10, 60)
    for row, run in enumerate(runs):
        want = run.observe("neurons", grid=10)["neurons"]
        assert list(views[row]["neurons"]) == list(want)
        for name, maps in want.items():
            np.testing.assert_allclose(views[row]["neurons"][name], maps, atol=1e-5)
        boundary = run.observe("boundary", grid=60)["boundary"]
        np.testing.assert_allclose(views[row]["boundary"], boundary, atol=1e-5)
        weights = run.observe("weights")["weights"]
        assert list(views[row]["weights"]) == list(weights)
        for name, values in weights.items():
            np.testing.assert_array_equal(views[row]["weights"][name], values)
        metrics = run.observe("metrics")["metrics"]
        assert list(views[row]["metrics"]) == list(metrics)
        for name, value in metrics.items():
            assert views[row]["metrics"][name] == pytest.approx(value, rel=1e-5, abs=1e-7)
        stats = run.observe("activation_stats")["activation_stats"]
        assert views[row]["activation_stats"].keys() == stats.keys()
        for name, entry in stats.items():
            assert views[row]["activation_stats"][name] == pytest.approx(entry, abs=1e-3)
        histograms = run.observe("histograms")["histograms"]
        assert list(views[row]["histograms"]) == list(histograms)
        for name, histogram in histograms.items():
            for part in ("counts", "edges"):
                got = views[row]["histograms"][name][part]
                assert got.dtype == histogram[part].dtype
                np.testing.assert_array_equal(got, histogram[part])
    group.dissolve()


def test_batched_histograms_are_numpys_bit_for_bit() -> None:
    """Rows of every kind a layer's weights can be: spread, tiny, huge, all equal, one
    value, part or all not finite, padding left out."""
    rng = np.random.default_rng(0)
    rows = [rng.normal(0, scale, 40).astype(np.float32) for scale in (1e-8, 0.3, 1.0, 1e6)]
    rows += [np.full(40, 0.25, np.float32), np.linspace(-1, 1, 40, dtype=np.float32)]
    rows += [rng.uniform(-3, 3, 40).astype(np.float32) for _ in range(20)]
    rows += [np.where(rng.random(40) < 0.3, np.nan, rng.normal(size=40)).astype(np.float32)]
    rows += [np.full(40, np.nan, np.float32), np.full(40, np.inf, np.float32)]
    rows += [np.full(40, 3e7, np.float32)]  # too narrow a range for 20 float32 bins
    values = np.stack(rows)
    lengths = [40, 40, 1, 7, *[rng.integers(1, 41) for _ in range(len(rows) - 4)]]
    real = np.arange(40)[None] < np.array(lengths)[:, None]
    values[~real] = 0.0  # the padding a group keeps
    counts, edges, binnable = _batched_histogram(values, real)
    assert binnable.tolist() == [True] * (len(rows) - 1) + [False]
    for row, length in enumerate(lengths[:-1]):
        finite = values[row, :length][np.isfinite(values[row, :length])]
        want_counts, want_edges = np.histogram(
            finite, bins=HISTOGRAM_BINS, range=None if len(finite) else (0.0, 1.0)
        )
        assert want_edges.dtype == edges.dtype
        np.testing.assert_array_equal(edges[row], want_edges)
        np.testing.assert_array_equal(counts[row], want_counts)


def test_what_cannot_join_a_group_trains_alone() -> None:
    cnn = spec(
        {},
        [
            {"type": "reshape", "shape": [1, 8, 8]},
            {"type": "conv2d", "filters": 2, "kernel": 3},
            {"type": "flatten"},
        ],
        dataset="digits",
    )
    lstm = spec({}, [{"type": "lstm", "hidden": 4}], dataset="sine")
    wide = spec({}, [dense(64)])
    assert layout_of(Run(spec())) is not None
    for other in (cnn, lstm, wide):
        assert layout_of(Run(other)) is None


def test_a_run_that_ends_as_its_budget_does_leaves_the_others_stepping() -> None:
    """One run's last epoch (max_epochs), its `step n` budget and its epoch end on the same
    step: it stops once, and the turn goes on for the others (it used to count twice and end
    the turn for everyone)."""
    runs = [Run(spec({"max_epochs": 1})), Run(spec(seed=1))]
    group = grouped(runs)
    assert group.train([25, 100], seconds=60.0) == [25, 100]
    group.dissolve()
    assert runs[0].status.reason == "max_epochs"


def test_a_group_computes_every_activation_the_spec_allows() -> None:
    """A new activation needs its forward and derivative here too (app/train/group/stack.py),
    or every class that uses it would fall back to training run by run."""
    assert set(typing.get_args(Activation)) == set(ACTIVATIONS)
