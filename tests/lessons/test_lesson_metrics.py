"""Each metric against the same quantity measured independently on a Run, and non-finite
figures: inf compares, NaN fails, JSON says null."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from app.lessons import Lesson, LessonError, check_lesson
from app.lessons.metrics import roughness
from app.lessons.model import Measure
from app.lessons.trace import Plan
from app.spec import ExperimentSpec
from app.train import Run

CIRCLE = {
    "data": {"dataset": "circle", "n_samples": 200},
    "model": {"layers": [{"type": "dense", "units": 6, "activation": "tanh"}]},
    "train": {"optimizer": "adam", "lr": 0.03},
}


def make_lesson(
    runs: dict[str, Any],
    measures: dict[str, Any],
    check: list[Any] | None = None,
    steps: int = 60,
    views: list[str] | None = None,
) -> Lesson:
    return Lesson.model_validate(
        {
            "id": "probe",
            "order": 1,
            "title": "t",
            "concept": "c",
            "explanation": "e",
            "question": {"text": "q", "choices": ["a", "b"], "answer": 0},
            "runs": runs,
            "steps": steps,
            "views": views or ["loss"],
            "measures": measures,
            "check": check or [],
        }
    )


def trained(spec: dict[str, Any], seed: int, steps: int) -> Run:
    run = Run(ExperimentSpec.model_validate(spec | {"seed": seed}))
    run.step(steps)
    return run


def test_final_figures_match_a_run_of_the_same_seed() -> None:
    lesson = make_lesson(
        {"a": CIRCLE},
        {
            "val": {"run": "a", "metric": "val_accuracy"},
            "train": {"run": "a", "metric": "train_accuracy"},
            "vloss": {"run": "a", "metric": "val_loss"},
            "gap": {"run": "a", "metric": "loss_gap"},
            "first": {"run": "a", "metric": "initial_loss"},
            "ratio": {"run": "a", "metric": "loss_ratio"},
        },
    )
    got = check_lesson(lesson, 3).measured
    fresh = Run(ExperimentSpec.model_validate(CIRCLE | {"seed": 3}))
    initial = fresh.evaluate().train_loss
    fresh.step(60)
    final = fresh.evaluate()
    assert got["val"] == final.val_score and got["train"] == final.train_score
    assert got["vloss"] == pytest.approx(final.val_loss)
    assert got["gap"] == pytest.approx(final.val_loss - final.train_loss)
    assert got["first"] == pytest.approx(initial)
    assert got["ratio"] == pytest.approx(final.train_loss / initial)


def test_steps_to_is_the_first_multiple_of_every_where_it_holds() -> None:
    lesson = make_lesson(
        {"a": CIRCLE},
        {
            "fit": {"run": "a", "metric": "steps_to", "of": "train_accuracy", "above": 0.9},
            "never": {"run": "a", "metric": "steps_to", "of": "train_loss", "below": 0},
        },
        steps=200,
    )
    got = check_lesson(lesson, 1).measured
    run = Run(ExperimentSpec.model_validate(CIRCLE | {"seed": 1}))
    expected = 201
    for at in range(10, 201, 10):
        run.step(10)
        if run.evaluate().train_score > 0.9:
            expected = at
            break
    assert expected <= 200, "the circle should be fitted within 200 steps"
    assert got == {"fit": expected, "never": 201}


def test_grad_ratio_averages_the_last_ten_steps() -> None:
    deep = CIRCLE | {
        "model": {"layers": [{"type": "dense", "units": 6, "activation": "sigmoid"}] * 3}
    }
    lesson = make_lesson({"a": deep}, {"ratio": {"run": "a", "metric": "grad_ratio"}})
    got = check_lesson(lesson, 0).measured["ratio"]
    run = trained(deep, 0, 50)
    norms = []
    for _ in range(10):
        run.step(1)
        norms.append(run.grad_norms())
    first = sum(n["dense0"] for n in norms) / 10
    top = sum(n["output"] for n in norms) / 10
    assert got == pytest.approx(first / top)
    assert 0 < got < 1  # sigmoid layers shrink the gradient on its way down


def test_hidden_grad_ratio_is_first_over_last_hidden_layer() -> None:
    sigmoid = {"type": "dense", "units": 6, "activation": "sigmoid"}
    layers = [sigmoid, {"type": "batchnorm"}, sigmoid, sigmoid, {"type": "skip", "over": 1}]
    deep = CIRCLE | {"model": {"layers": layers}}
    lesson = make_lesson({"a": deep}, {"ratio": {"run": "a", "metric": "hidden_grad_ratio"}})
    got = check_lesson(lesson, 0).measured["ratio"]
    run = trained(deep, 0, 50)
    norms = []
    for _ in range(10):
        run.step(1)
        norms.append(run.grad_norms())
    first = sum(n["dense0"] for n in norms) / 10
    last = sum(n["dense3"] for n in norms) / 10  # not batchnorm1, not the output
    assert got == pytest.approx(first / last)
    assert got != pytest.approx(
        check_lesson(
            make_lesson({"a": deep}, {"r": {"run": "a", "metric": "grad_ratio"}}), 0
        ).measured["r"]
    )


def test_hidden_grad_ratio_needs_two_hidden_layers() -> None:
    lesson = make_lesson({"a": CIRCLE}, {"ratio": {"run": "a", "metric": "hidden_grad_ratio"}})
    with pytest.raises(LessonError, match="hidden_grad_ratio needs two hidden layers"):
        check_lesson(lesson, 0)


def test_unit_spread_is_zero_only_for_identical_units() -> None:
    zeros = CIRCLE | {
        "model": {
            "layers": [
                {"type": "dense", "units": 5, "activation": "sigmoid", "init": "zeros"},
                {"type": "dense", "units": 1, "activation": "linear", "init": "zeros"},
            ]
        }
    }
    lesson = make_lesson(
        {"zeros": zeros, "random": CIRCLE},
        {
            "same": {"run": "zeros", "metric": "unit_spread"},
            "differ": {"run": "random", "metric": "unit_spread"},
            "dead": {"run": "random", "metric": "dead_fraction"},
        },
    )
    got = check_lesson(lesson, 0).measured
    assert got["same"] < 1e-6 and got["differ"] > 0.1  # float rounding: not always 0.0
    assert got["dead"] == 0.0  # tanh units never count as dead


def test_dead_fraction_counts_relu_units_silent_on_every_example() -> None:
    relu = CIRCLE | {
        "model": {"layers": [{"type": "dense", "units": 16, "activation": "relu"}]},
        "train": {"optimizer": "sgd", "lr": 3},
    }
    lesson = make_lesson({"a": relu}, {"dead": {"run": "a", "metric": "dead_fraction"}})
    got = check_lesson(lesson, 0).measured["dead"]
    stats = trained(relu, 0, 60).observe("activation_stats")["activation_stats"]
    assert got == stats["dense0"]["dead"] and 0 <= got <= 1


def test_a_diverged_run_is_inf_compares_as_such_and_travels_as_null() -> None:
    boom = {
        "data": {"dataset": "plane", "n_samples": 200},
        "model": {"layers": [{"type": "dense", "units": 8, "activation": "relu"}]},
        "train": {"optimizer": "sgd", "lr": 10},
    }
    lesson = make_lesson(
        {"boom": boom},
        {
            "ratio": {"run": "boom", "metric": "loss_ratio"},
            "rough": {"run": "boom", "metric": "roughness"},
            "gone": {"run": "boom", "metric": "diverged"},
            "loss": {"run": "boom", "metric": "val_loss"},
        },
        check=[
            {"measure": "ratio", "op": ">", "value": 2},
            {"measure": "gone", "op": ">=", "value": 1},
        ],
        steps=100,
    )
    result = check_lesson(lesson, 0)
    m = result.measured
    assert result.holds, result.to_json()
    assert math.isinf(m["ratio"]) and math.isinf(m["rough"]) and math.isinf(m["loss"])
    assert m["gone"] == 1.0
    payload = json.loads(json.dumps(result.to_json(), allow_nan=False))
    assert payload["measured"]["ratio"] is None and payload["measured"]["gone"] == 1.0
    nan_check = make_lesson(
        {"boom": boom},
        {"score": {"run": "boom", "metric": "val_accuracy"}},
        check=[{"measure": "score", "op": "<", "value": 2}],
        steps=100,
    )
    nan_result = check_lesson(nan_check, 0)
    assert math.isnan(nan_result.measured["score"])  # R² of a NaN output: no figure at all
    assert not nan_result.holds and nan_result.to_json()["measured"]["score"] is None


def test_attention_peak_needs_lookup_data() -> None:
    look = {
        "data": {"dataset": "lookup", "n_samples": 200, "seq_len": 5},
        "model": {"layers": [{"type": "attention", "heads": 2}]},
        "train": {"optimizer": "adam", "lr": 0.01},
    }
    lesson = make_lesson({"a": look}, {"peak": {"run": "a", "metric": "attention_peak"}})
    assert 0 <= check_lesson(lesson, 0).measured["peak"] <= 1
    sine = look | {
        "data": {"dataset": "sine", "n_samples": 200, "seq_len": 8},
        "model": {"layers": [{"type": "attention", "heads": 1, "positional": "none"}]},
    }
    lesson = make_lesson({"a": sine}, {"peak": {"run": "a", "metric": "attention_peak"}})
    with pytest.raises(LessonError, match="measures.peak: attention_peak needs data"):
        check_lesson(lesson, 0)


def test_a_run_that_cannot_be_built_is_named() -> None:
    wide = CIRCLE | {"model": {"layers": [{"type": "conv2d"}]}}
    lesson = make_lesson({"flat": wide}, {"v": {"run": "flat", "metric": "val_loss"}})
    with pytest.raises(LessonError, match=r"^runs.flat: .*conv2d needs an image"):
        check_lesson(lesson, 0)


def test_roughness_is_the_mean_jump_of_log_loss() -> None:
    assert roughness([0.5, 0.5, 0.5]) == 0
    assert roughness([1.0, math.e, 1.0]) == pytest.approx(1.0)
    assert roughness([1.0, math.inf]) == math.inf
    assert roughness([1.0, 0.5], diverged=True) == math.inf


def test_the_plan_pauses_only_where_a_measure_looks() -> None:
    def plan(*measures: dict[str, Any]) -> Plan:
        return Plan.for_measures([Measure.model_validate({"run": "a"} | m) for m in measures])

    assert plan({"metric": "val_accuracy"}).stops(100) == [100]
    assert plan({"metric": "roughness"}).stops(5) == [1, 2, 3, 4, 5]
    assert plan({"metric": "grad_ratio"}).stops(100) == list(range(91, 101))
    assert plan({"metric": "hidden_grad_ratio"}).stops(100) == list(range(91, 101))
    watch = {"metric": "steps_to", "of": "val_accuracy", "above": 0.9, "every": 30}
    assert plan(watch, {"metric": "loss_ratio"}).stops(100) == [30, 60, 90, 100]
    assert plan({"metric": "loss_ratio"}).initial_loss


def test_vanishing_gradients_fails_when_the_relu_arm_is_sigmoid_again() -> None:
    """A second broken variant: the ReLU + He arm made a copy of the sigmoid arm, so its
    first layer's gradient vanishes too and the lesson's check must fail."""
    from app.lessons.registry import LESSONS

    doc = LESSONS["vanishing-gradients"].model_dump()
    doc["runs"]["relu_he"] = doc["runs"]["sigmoid"]
    result = check_lesson(Lesson.model_validate(doc), seed=0)
    assert not result.holds
    assert result.measured["ratio_relu"] < 1e-4


def test_weight_change_tells_a_frozen_layer_from_one_that_moved() -> None:
    """All weights at zero: with tanh (tanh(0) = 0) no signal reaches the first layer and it
    never moves; with sigmoid it moves, its units identical. unit_spread is 0 for both."""

    def zeros(activation: str) -> dict[str, Any]:
        layers = [
            {"type": "dense", "units": 4, "activation": activation, "init": "zeros"},
            {"type": "dense", "units": 1, "activation": "linear", "init": "zeros"},
        ]
        return CIRCLE | {"model": {"layers": layers}}

    lesson = make_lesson(
        {"tanh": zeros("tanh"), "sigmoid": zeros("sigmoid")},
        {
            "moved_tanh": {"run": "tanh", "metric": "weight_change"},
            "moved_sigmoid": {"run": "sigmoid", "metric": "weight_change"},
            "spread_sigmoid": {"run": "sigmoid", "metric": "unit_spread"},
        },
    )
    measured = check_lesson(lesson, seed=0).measured
    assert measured["moved_tanh"] == 0.0
    assert measured["moved_sigmoid"] > 0.01
    assert measured["spread_sigmoid"] < 1e-6
    run = trained(zeros("sigmoid"), seed=0, steps=60)  # the same change, measured directly
    first = run.model.get_submodule(next(n for n, _ in run.model.named_children()))
    assert math.isclose(
        measured["moved_sigmoid"],
        max(float(p.detach().abs().max()) for p in first.parameters()),
        rel_tol=1e-5,
    )
