"""The challenge's rules as pure functions (app/web/class_challenge.py): what counts as a
neuron and a layer, and why a run does not qualify, in words."""

from __future__ import annotations

from typing import Any

from app.web.class_challenge import Challenge, disqualification, network_size


def spec(dataset: str, *layers: dict[str, Any], kind: str = "supervised") -> dict[str, Any]:
    return {"kind": kind, "data": {"dataset": dataset}, "model": {"layers": list(layers)}}


DENSE_8 = {"type": "dense", "units": 8, "activation": "tanh"}
DROPOUT = {"type": "dropout", "p": 0.1}


def test_neurons_and_layers_count_units_filters_and_hidden_only() -> None:
    conv = {"type": "conv2d", "filters": 4, "kernel": 3}
    lstm = {"type": "lstm", "hidden": 16}
    pool = {"type": "maxpool2d", "kernel": 2}
    assert network_size(spec("digits", conv, pool, DENSE_8, DROPOUT)) == (12, 2)
    assert network_size(spec("memory", lstm)) == (16, 1)
    assert network_size(spec("circle")) == (0, 0)


def test_a_run_that_breaks_the_goal_is_told_why() -> None:
    goal = Challenge(dataset="circle", max_neurons=20, max_layers=2)
    assert disqualification(goal, spec("circle", DENSE_8, DROPOUT, DENSE_8)) is None
    assert disqualification(goal, spec("circle", DENSE_8, DENSE_8, DENSE_8)) == (
        "24 neurons: the limit is 20"
    )
    small = {"type": "dense", "units": 2, "activation": "tanh"}
    assert disqualification(goal, spec("circle", small, small, small)) == (
        "3 hidden layers: the limit is 2"
    )
    assert disqualification(goal, spec("spiral", DENSE_8)) == "trains on spiral, not circle"
    assert disqualification(goal, spec("circle", kind="gan")) == (
        "a GAN: the challenge is for a supervised network"
    )
    assert disqualification(Challenge(dataset="circle"), spec("circle", DENSE_8, DENSE_8)) is None
