"""The backpropagation lesson's parts, each against torch computed independently: the
`weight_grads` view, the finite difference, and the metrics built on them."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import torch

from app.lessons import LessonError, check_lesson
from app.lessons.gradcheck import finite_difference, relative_error
from app.spec import ExperimentSpec
from app.train import Run
from tests.lessons.test_lesson_metrics import make_lesson

NET: dict[str, Any] = {
    "data": {"dataset": "xor", "n_samples": 40, "noise": 0.1, "val_fraction": 0.5},
    "model": {"layers": [{"type": "dense", "units": 2, "activation": "tanh"}]},
    "train": {"optimizer": "sgd", "lr": 0.5, "batch_size": 20},
}


def make_run(train: dict[str, Any] | None = None, seed: int = 3) -> Run:
    spec = NET | {"train": NET["train"] | (train or {}), "seed": seed}
    return Run(ExperimentSpec.model_validate(spec))


def autograd_float64(model: torch.nn.Module, run: Run) -> list[torch.Tensor]:
    """dL/dw on the whole training set, by autograd in float64: the reference."""
    model = copy.deepcopy(model).double()
    out = model(run.x_train.double())[:, 0]  # (N,) logits of class 1
    loss = torch.nn.functional.binary_cross_entropy_with_logits(out, run.y_train.double())
    return list(torch.autograd.grad(loss, list(model.parameters())))


def test_weight_grads_is_the_gradient_the_last_step_applied() -> None:
    run = make_run()
    run.step(4)
    before = copy.deepcopy(run.model)
    run.step(1)
    shown = run.observe("weight_grads")["weight_grads"]
    names = [n for n, _ in before.named_parameters()]
    assert list(shown) == names  # the `weights` view's names, in its order
    for name, expected in zip(names, autograd_float64(before, run), strict=True):
        assert shown[name] == pytest.approx(expected.numpy(), rel=1e-4, abs=1e-7)


def test_weight_grads_is_zero_before_the_first_step() -> None:
    shown = make_run().observe("weight_grads")["weight_grads"]
    assert all((g == 0).all() for g in shown.values())


def test_finite_difference_matches_autograd_in_float64() -> None:
    run = make_run()
    run.step(7)
    estimate = finite_difference(run)
    for fd, exact in zip(estimate, autograd_float64(run.model, run), strict=True):
        assert fd.dtype == torch.float64
        assert fd.numpy() == pytest.approx(exact.numpy(), rel=1e-6, abs=1e-10)


def test_relative_error_is_the_worst_weight_against_its_estimate() -> None:
    exact = [torch.tensor([[0.5, -0.25]]), torch.tensor([0.1])]
    assert relative_error(exact, exact) == 0
    off = [torch.tensor([[0.5, -0.25]]), torch.tensor([0.1001])]
    assert relative_error(off, exact) == pytest.approx(1e-4 / 0.1001, rel=1e-3)
    # a near-zero gradient is compared with 1 % of the largest, not with itself
    tiny = [torch.tensor([[0.5, 1e-9]]), torch.tensor([0.1])]
    assert relative_error(tiny, [torch.tensor([[0.5, 0.0]]), torch.tensor([0.1])]) < 1e-6


def lesson_of(train: dict[str, Any], steps: int = 12) -> Any:
    spec = NET | {"train": NET["train"] | train}
    measures = {
        "err": {"run": "a", "metric": "grad_fd_error"},
        "align": {"run": "a", "metric": "step_alignment"},
    }
    return make_lesson({"a": spec}, measures, steps=steps)


def test_sgd_steps_along_minus_its_true_gradient() -> None:
    measured = check_lesson(lesson_of({}), seed=1).measured
    assert measured["err"] < 1e-4
    assert measured["align"] > 0.99999


def test_adam_steps_elsewhere_though_its_gradient_is_as_true() -> None:
    """Adam's first step moves every weight by about the learning rate whatever its
    gradient's size, so its step is not along the gradient (one step: the record is made
    before training)."""
    measured = check_lesson(lesson_of({"optimizer": "adam", "lr": 0.01}, steps=1), 1).measured
    assert measured["err"] < 1e-4
    assert measured["align"] < 0.99


def test_a_gradient_check_needs_the_whole_training_set_each_step() -> None:
    with pytest.raises(
        LessonError, match="measures.err: grad_fd_error needs full-batch.*batch_size 5"
    ):
        check_lesson(lesson_of({"batch_size": 5}), seed=0)
    mini = make_lesson(
        {"a": NET | {"train": NET["train"] | {"batch_size": 5}}},
        {"align": {"run": "a", "metric": "step_alignment"}},
        steps=12,
    )
    assert check_lesson(mini, seed=0).measured["align"] > 0.99999  # a step is a step
