"""What a network costs to run, estimated from its layer report before anything is built:
floating-point operations per example, and the seconds a training step or an evaluation
would take at the throughput the server's limits assume (`Limits.compute_gflops`).

The estimate: each layer multiplies each of its parameters once per output position (a
dense layer once, a convolution once per output pixel, a recurrent layer once per time
step), two operations per multiply-add, plus one per output value (activations, pooling).
A training step costs about three forward passes (forward, then backward's two products)."""

from __future__ import annotations

import math

from app.nn.build import ModelReport
from app.settings import Limits

BACKWARD_FACTOR = 3  # a training step: the forward pass and about twice it for backward


def forward_flops(report: ModelReport) -> int:
    """Floating-point operations of one example's forward pass (an estimate)."""
    total = 0
    for layer in report.layers:
        shape = layer.output_shape
        positions = math.prod(shape[1:]) if len(shape) > 1 else 1
        total += 2 * layer.params * positions + math.prod(shape)
    return max(total, 1)


def step_flops(report: ModelReport, batch_size: int) -> int:
    """Floating-point operations of one training step on a batch of `batch_size`."""
    return BACKWARD_FACTOR * batch_size * forward_flops(report)


def seconds(flops: float, limits: Limits) -> float:
    """Estimated seconds for `flops` at the throughput the limits assume."""
    return flops / (limits.compute_gflops * 1e9)


def in_words(secs: float) -> str:
    """A duration for a person: "0.3 s", "40 s", "12 min"."""
    if secs < 10:
        return f"{secs:.2g} s"
    if secs < 120:
        return f"{secs:.0f} s"
    return f"{secs / 60:.0f} min"


def eval_examples(report: ModelReport, limits: Limits) -> int:
    """How many examples one evaluation (a metrics pass over a split) may use to stay
    within `Limits.max_eval_seconds`: at least EVAL_FLOOR, so a metric stays a metric."""
    budget = limits.max_eval_seconds * limits.compute_gflops * 1e9
    return max(EVAL_FLOOR, int(budget // forward_flops(report)))


EVAL_FLOOR = 64  # examples an evaluation uses at least, whatever the network costs


def run_bytes(report: ModelReport, data_bytes: int) -> dict[str, int]:
    """What one run holds in memory, by part: its data tensors, its weights with their
    gradients and up to two optimizer states (Adam's moments), one batch's activations."""
    return {
        "data": data_bytes,
        "weights": 4 * 4 * report.total_params,
        "activations": report.activation_bytes,
    }


def bytes_in_words(n: float) -> str:
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} bytes"
