"""The `sharpness` and `around_loss` metrics against the loss half a step away computed
independently, with torch.func.functional_call (the weights never moved in place)."""

from __future__ import annotations

import math

from app.lessons import check_lesson
from app.train.probes import landscape
from tests.lessons.test_lesson_metrics import make_lesson
from tests.train.test_landscape import SPEC, loss_at, make_run, the_directions


def test_sharpness_is_the_mean_rise_at_half_a_step() -> None:
    lesson = make_lesson(
        {"a": SPEC},
        {
            "sharp": {"run": "a", "metric": "sharpness"},
            "around": {"run": "a", "metric": "around_loss"},
            "loss": {"run": "a", "metric": "train_loss"},
        },
        steps=30,
        views=["loss_landscape"],
    )
    measured = check_lesson(lesson, 0).measured
    run = make_run()  # the same seed, spec and steps: the same weights
    x, y = run.x_train, run.y_train
    losses = [
        loss_at(run, {k: sign * landscape.SHARP_RADIUS * d[k] for k in d}, x, y)
        for d in the_directions(run, landscape.SHARP_DIRECTIONS)
        for sign in (1.0, -1.0)
    ]
    around = sum(losses) / len(losses)
    assert math.isclose(measured["around"], around, rel_tol=1e-4)
    assert math.isclose(measured["sharp"], around - measured["loss"], rel_tol=1e-3)
    assert measured["sharp"] > 0
