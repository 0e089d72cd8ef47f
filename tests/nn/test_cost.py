"""The cost estimate behind the step-time refusal and the evaluation budget."""

from __future__ import annotations

import pytest

from app.nn import SpecError, cost
from app.settings import Limits
from app.spec import ExperimentSpec
from app.train import Run
from app.validation import check_spec

# The issue's CNN: 908k parameters, under the 5 M limit, about 70 s per full evaluation.
BIG_CNN = [
    {"type": "conv2d", "filters": 64, "kernel": 5},
    {"type": "conv2d", "filters": 64, "kernel": 5},
    {"type": "maxpool2d"},
    {"type": "dense", "units": 64, "activation": "relu"},
]


def spec(layers: list[dict], batch_size: int = 10, **data: object) -> ExperimentSpec:
    return ExperimentSpec.model_validate(
        {"data": data, "model": {"layers": layers}, "train": {"batch_size": batch_size}}
    )


def test_a_dense_network_costs_two_operations_per_weight_and_one_per_output() -> None:
    # 2 features -> 8 -> 1: 24 + 9 parameters, 8 + 1 outputs
    run = Run(spec([{"type": "dense", "units": 8}], dataset="xor"))
    assert cost.forward_flops(run.report) == 2 * (24 + 9) + (8 + 1)
    assert cost.step_flops(run.report, 10) == 3 * 10 * cost.forward_flops(run.report)


def test_a_convolution_costs_its_weights_once_per_output_pixel() -> None:
    run = Run(spec([{"type": "conv2d", "filters": 4, "kernel": 3}], dataset="digits"))
    conv = run.report.layers[0]
    assert conv.output_shape == [4, 8, 8] and conv.params == 4 * 9 + 4
    assert cost.forward_flops(run.report) >= 2 * conv.params * 64


def test_the_issues_cnn_is_estimated_near_what_it_measured() -> None:
    """0.165 GFLOP per example; at 30 GFLOP/s a batch of 10 takes about 0.16 s (measured
    here: 0.05 s alone, three times that under load), and a full evaluation of MNIST's
    14,000 examples (70 s measured) would be 77 s: within a factor of two."""
    summary = check_spec(spec(BIG_CNN, dataset="mnist", n_samples=2000))
    assert summary["total_params"] == 907_658
    assert 0.1 < summary["step_estimate"]["seconds"] < 0.3
    assert summary["warnings"] == []
    forward = summary["step_estimate"]["flops"] / (cost.BACKWARD_FACTOR * 10)
    assert 35 < 14_000 * forward / 30e9 < 140


def test_a_slow_step_is_warned_about_and_a_slower_one_refused_in_words() -> None:
    slow = check_spec(spec(BIG_CNN, batch_size=64, dataset="mnist", n_samples=2000))
    (warning,) = slow["warnings"]
    assert "a batch of 64) would take about 1.1 s" in warning and "slow" in warning
    with pytest.raises(SpecError) as refused:
        check_spec(
            spec(BIG_CNN, batch_size=256, dataset="mnist", n_samples=2000),
            limits=Limits(max_step_seconds=2.0),
        )
    assert refused.value.field == "model.layers"
    assert "would take about 4.2 s on this server; the limit is 2 s" in refused.value.message


def test_evaluations_of_a_costly_network_use_the_first_examples_that_fit() -> None:
    small = Run(spec([{"type": "dense", "units": 8}], dataset="xor"))
    assert small.eval_size >= len(small.x_val)  # small networks measure everything
    big = Run(spec(BIG_CNN, dataset="mnist", n_samples=2000))
    # 1 s at 30 GFLOP/s of 0.165 GFLOP each
    assert big.eval_size == 181 < len(big.x_val)
    floor = Run(spec(BIG_CNN, dataset="mnist", n_samples=2000), limits=Limits(compute_gflops=1))
    assert floor.eval_size == cost.EVAL_FLOOR


def test_a_run_that_would_hold_too_much_memory_is_refused_naming_the_largest_part() -> None:
    limits = Limits(max_run_bytes=10 * 1024**2)
    wide = [{"type": "dense", "units": 1024}] * 4  # 3.1 M weights, x4 with grads and Adam's state
    with pytest.raises(SpecError) as refused:
        check_spec(spec(wide, dataset="xor"), limits=limits)
    assert refused.value.field == "model.layers"
    message = refused.value.message
    assert message.startswith("this run would hold about 48.4 MB of memory (data 7.81 KB")
    assert "weights 48.1 MB" in message and message.endswith("the limit per run is 10 MB")
    with pytest.raises(SpecError) as data:
        check_spec(spec([], dataset="mnist"), limits=Limits(max_run_bytes=1024**2))
    assert data.value.field == "data.n_samples"
    check_spec(spec([{"type": "dense", "units": 8}], dataset="xor"), limits=limits)
