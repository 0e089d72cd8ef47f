"""The adversarial view and the flip metrics against FGSM computed independently: the
signs against a finite difference of the loss, the flip fraction against a per-example
loop, and observing leaves the run's gradients and random numbers alone."""

from __future__ import annotations

import copy

import pytest
import torch

from app.lessons import check_lesson
from app.spec import ExperimentSpec
from app.train import Run
from app.train.probes import ObserveError
from app.train.probes.adversarial import EPS, flip_fraction, gradient_signs
from tests.lessons.test_lesson_metrics import make_lesson

DIGITS_CNN = {
    "data": {"dataset": "digits", "n_samples": 300, "val_fraction": 0.5},
    "model": {
        "layers": [
            {"type": "conv2d", "filters": 4, "kernel": 3},
            {"type": "maxpool2d", "kernel": 2},
        ]
    },
    "train": {"optimizer": "adam", "lr": 0.01, "batch_size": 32},
}


@pytest.fixture(scope="module")
def run() -> Run:
    trained = Run(ExperimentSpec.model_validate(DIGITS_CNN | {"seed": 0}))
    trained.step(60)
    return trained


def own_loss(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of the model's own answer."""
    out = model(x)
    return torch.nn.functional.cross_entropy(out, out.argmax(dim=1))


def test_gradient_signs_match_a_finite_difference(run: Run) -> None:
    x = run.x_val[:1]  # (1, 1, 8, 8)
    run.model.eval()
    signs = gradient_signs(run, x)[0, 0]
    model = copy.deepcopy(run.model).double()  # float64: a clean finite difference
    x = x.double()
    checked = 0
    with torch.no_grad():
        for i in range(8):
            for j in range(8):
                h = torch.zeros_like(x, dtype=torch.float64)
                h[0, 0, i, j] = 1e-4
                slope = (own_loss(model, x + h) - own_loss(model, x - h)) / 2e-4
                if abs(float(slope)) > 1e-4:  # a sign is only defined where the slope is
                    assert float(signs[i, j]) == (1.0 if slope > 0 else -1.0), (i, j)
                    checked += 1
    run.model.train()
    assert checked >= 20


def test_flip_fraction_matches_a_per_example_loop(run: Run) -> None:
    run.model.eval()
    flipped = right = 0
    for x, y in zip(run.x_val, run.y_val, strict=True):
        x = x[None]
        with torch.no_grad():
            answer = int(run.model(x).argmax())
        if answer != int(y):
            continue
        right += 1
        x_grad = x.clone().requires_grad_()
        out = run.model(x_grad)
        torch.nn.functional.cross_entropy(out, torch.tensor([answer])).backward()
        assert x_grad.grad is not None
        moved = (x + EPS * x_grad.grad.sign()).clamp(0, 1)
        with torch.no_grad():
            flipped += int(run.model(moved).argmax()) != answer
    run.model.zero_grad(set_to_none=True)
    expected = flipped / right
    assert flip_fraction(run) == pytest.approx(expected, abs=2 / right)
    run.model.train()


def test_the_view_shows_one_example_attacked(run: Run) -> None:
    grads_before = [p.grad.clone() if p.grad is not None else None for p in run.model.parameters()]
    state = torch.random.get_rng_state()
    seen = run.observe("adversarial", sample=3)["adversarial"]
    assert torch.equal(state, torch.random.get_rng_state())  # observing draws nothing
    for p, g in zip(run.model.parameters(), grads_before, strict=True):
        assert (p.grad is None and g is None) or torch.equal(p.grad, g)  # type: ignore[arg-type]
    original = torch.from_numpy(seen["original"])
    assert torch.equal(original, run.x_val[3, 0])
    change = torch.from_numpy(seen["perturbation"])
    assert float(change.abs().max()) == pytest.approx(EPS, abs=1e-6)
    assert torch.allclose(torch.from_numpy(seen["perturbed"]), (original + change).clamp(0, 1))
    assert seen["label"] == int(run.y_val[3])
    with torch.no_grad():
        p = torch.softmax(run.model.eval()(run.x_val[3:4]), dim=1)[0]
    run.model.train()
    assert seen["before"] == int(p.argmax())
    assert seen["p_before"] == pytest.approx(float(p.max()), abs=1e-5)
    assert 0 <= seen["after"] < 10 and 0 < seen["p_after"] <= 1


def test_gradient_flips_far_more_than_random_signs(run: Run) -> None:
    assert flip_fraction(run) > 3 * flip_fraction(run, random=True)


def test_points_data_are_refused_in_words() -> None:
    points = Run(ExperimentSpec.model_validate({"data": {"dataset": "circle", "n_samples": 50}}))
    with pytest.raises(ObserveError, match="image data"):
        points.observe("adversarial")


def test_the_lesson_measures_both_flips() -> None:
    lesson = make_lesson(
        {"cnn": DIGITS_CNN},
        {
            "grad": {"run": "cnn", "metric": "adversarial_flip"},
            "noise": {"run": "cnn", "metric": "random_flip"},
        },
        steps=60,
        views=["adversarial"],
    )
    run = Run(ExperimentSpec.model_validate(DIGITS_CNN | {"seed": 0}))
    run.step(60)
    run.model.eval()
    measured = check_lesson(lesson, 0).measured
    assert measured["grad"] == flip_fraction(run)
    assert measured["noise"] == flip_fraction(run, random=True)


def test_a_drawn_digit_is_attacked_too(run: Run) -> None:
    drawn = [[1.0 if 2 <= c <= 5 and r in (1, 6) else 0.0 for c in range(8)] for r in range(8)]
    seen = run.observe("adversarial", inputs=drawn)["adversarial"]
    assert seen["label"] is None  # a given input has no true class
    assert seen["original"].tolist() == drawn
    assert seen["perturbed"].shape == (8, 8)
    assert float(abs(seen["perturbation"]).max()) == pytest.approx(EPS, abs=1e-6)
