"""Views that are numbers: metrics and their history, gradient and weight norms, the
weights themselves, weight histograms and activation statistics."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from app.train.probes.common import STATS_BATCH, capture, to_numpy

if TYPE_CHECKING:
    from app.train.run import Metrics, Run


def metrics(run: Run, **_: Any) -> dict[str, Any]:
    """The run's quality now."""
    return metrics_view(run, run.evaluate())


def metrics_view(run: Run, metrics: Metrics) -> dict[str, Any]:
    """The `metrics` view of these metrics of the run. A diverged run's losses and scores
    are null, never the huge or NaN numbers its weights give: its status says "diverged"."""
    measured = dataclasses.asdict(metrics)
    if run.status.reason == "diverged":
        for key in ("train_loss", "val_loss", "train_score", "val_score"):
            measured[key] = None
    return measured


def history(run: Run, **_: Any) -> dict[str, np.ndarray]:
    fields = ["step", "epoch", "train_loss", "val_loss", "train_score", "val_score", "lr"]
    return {f: np.array([getattr(m, f) for m in run.history], dtype=np.float64) for f in fields}


def grad_norms(run: Run, **_: Any) -> dict[str, float]:
    return run.grad_norms()


def weight_norms(run: Run, **_: Any) -> dict[str, float]:
    return {n: float(torch.linalg.vector_norm(p)) for n, p in run.model.named_parameters()}


def weights(run: Run, **_: Any) -> dict[str, np.ndarray]:
    """Every parameter by its dotted name (``dense0.linear.weight``: (out, in))."""
    return {n: to_numpy(p) for n, p in run.model.named_parameters()}


def weight_grads(run: Run, **_: Any) -> dict[str, np.ndarray]:
    """Every parameter's gradient from the last training step, by the `weights` view's
    names: dL/dw on the batch that step trained on, as the optimizer received it (with the
    L1 penalty's part and after clipping, where the run has them); zeros before the first
    step. The backpropagation lesson compares it with a finite difference."""
    return {
        n: to_numpy(p.grad if p.grad is not None else torch.zeros_like(p))
        for n, p in run.model.named_parameters()
    }


def histograms(run: Run, bins: int = 20, **_: Any) -> dict[str, dict[str, np.ndarray]]:
    """Per layer, a histogram of its finite weights (not biases): counts and bin edges. A
    layer with no finite weight (a diverged run) gets empty counts over 0..1."""
    out = {}
    for name, child in run.model.named_children():
        weights = [p.flatten() for p in child.parameters() if p.ndim > 1]
        if weights:
            values = to_numpy(torch.cat(weights))
            values = values[np.isfinite(values)]  # NaN or inf has no bin: np.histogram raises
            span = None if len(values) else (0.0, 1.0)
            counts, edges = np.histogram(values, bins=max(1, min(bins, 200)), range=span)
            out[name] = {"counts": counts, "edges": edges}
    return out


def activation_stats(run: Run, **_: Any) -> dict[str, dict[str, float]]:
    """Per layer with a ReLU-like or squashing activation: the fraction of dead units (zero
    output on every one of a val batch's examples) and of saturated outputs (tanh beyond
    ±0.99, sigmoid below 0.01 or above 0.99)."""
    names = [n for n, m in run.model.named_children() if n != "output" and hasattr(m, "act")]
    with capture(run.model, names) as outs:
        run.model(run.x_val[: min(STATS_BATCH, run.eval_size)])
    stats = {}
    for name in names:
        entry = unit_stats(getattr(run.model, name).act, outs[name])
        if entry:
            stats[name] = entry
    return stats


def unit_stats(act: nn.Module, out: torch.Tensor) -> dict[str, float]:
    """`activation_stats` of one layer: its activation, and its output on the examples
    (examples, units or channels, positions...)."""
    units = out.transpose(0, 1).flatten(1)  # (units or channels, examples x positions)
    entry: dict[str, float] = {}
    if isinstance(act, (nn.ReLU, nn.LeakyReLU, nn.ELU)):
        entry["dead"] = float(((units <= 0).all(dim=1)).float().mean())
    if isinstance(act, nn.Tanh):
        entry["saturated"] = float((out.abs() > 0.99).float().mean())
    if isinstance(act, nn.Sigmoid):
        entry["saturated"] = float(((out < 0.01) | (out > 0.99)).float().mean())
    return entry
