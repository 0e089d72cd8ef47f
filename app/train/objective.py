"""Losses and quality metrics, chosen by the task (and the spec's optional loss override)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.nn import functional as F

from app.data.base import Task
from app.data.losses import resolve_loss

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def make_loss(task: Task, loss: str) -> LossFn:
    """A function (logits, targets) -> mean loss. Class targets are indices (0/1 for binary).

    Multiclass `mse` is the mean squared error between the softmax probabilities and the
    one-hot target, averaged over examples and classes (the lesson on why classifiers use
    cross-entropy: a confident wrong answer costs at most 2/C and its gradient vanishes).
    """
    name = resolve_loss(task, loss)
    if task == "multiclass":
        return F.cross_entropy if name == "cross_entropy" else softmax_mse
    if task == "binary":
        if name == "bce":
            return lambda out, y: F.binary_cross_entropy_with_logits(out[:, 0], y.to(out.dtype))
        regress = F.mse_loss if name == "mse" else F.huber_loss
        return lambda out, y: regress(torch.sigmoid(out[:, 0]), y.to(out.dtype))
    return F.mse_loss if name == "mse" else F.huber_loss


def softmax_mse(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean squared error between softmax(out) (N, C) and the one-hot targets of y (N,)."""
    target = F.one_hot(y, out.shape[1]).to(out.dtype)  # (N, C)
    return F.mse_loss(torch.softmax(out, dim=1), target)


def predict(task: Task, out: torch.Tensor) -> torch.Tensor:
    """Outputs -> what a user reads: class probabilities (N, C), P(class 1) (N,) or values."""
    if task == "multiclass":
        return torch.softmax(out, dim=1)
    if task == "binary":
        return torch.sigmoid(out[:, 0])
    return out


def correct(task: Task, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Count of correct predictions (classification only)."""
    if task == "binary":
        return ((out[:, 0] > 0).long() == y).sum()
    return (out.argmax(dim=1) == y).sum()


def r2_score(pred: torch.Tensor, y: torch.Tensor) -> float:
    """Coefficient of determination: 1 is perfect, 0 is as good as predicting the mean."""
    residual = ((y - pred) ** 2).sum()
    total = ((y - y.mean(dim=0)) ** 2).sum()
    return float(1 - residual / total) if float(total) > 0 else float("nan")
