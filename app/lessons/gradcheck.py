"""Backpropagation checked against its definition: the derivative of the loss by each
weight, estimated by nudging that weight alone (a central finite difference).

The estimate is made in float64 on a copy of the model, so its own error (about 1e-10 of a
gradient here) is far below what it checks: the float32 gradient the run's last step
computed by backprop (the `weight_grads` view). It costs two forward passes per parameter,
so it is for small networks only (`MAX_PARAMS`).
"""

from __future__ import annotations

import copy

import torch

from app.train import Run

MAX_PARAMS = 2_000  # 4,000 forward passes over the training set at most
NUDGE = 1e-6  # in float64: truncation ~1e-12, rounding ~1e-10 of a unit gradient
# Float32 backprop rounds each gradient to about 1e-7 of the largest one (its sums run
# over terms of that size), not of itself: a gradient below this share of the largest is
# compared with that share, or a near-zero one would show rounding as a large relative error.
FLOOR = 0.01


class GradCheckError(ValueError):
    """The run cannot be checked this way; the message says why."""


def check_full_batch(run: Run) -> None:
    """The finite difference is of the loss on the whole training set: the last step's
    gradient is of that loss only when the step trained on all of it, with no L1 term."""
    if run.spec.train.batch_size < len(run.x_train):
        raise GradCheckError(
            f"needs full-batch training: batch_size {run.spec.train.batch_size} is less "
            f"than the {len(run.x_train)} training examples"
        )
    if run.spec.train.l1 > 0:
        raise GradCheckError("needs l1 0: the L1 penalty is not part of the data loss")
    if run.spec.train.grad_clip is not None:
        raise GradCheckError("needs grad_clip null: a clipped gradient is not the derivative")


@torch.no_grad()
def finite_difference(run: Run) -> list[torch.Tensor]:
    """dL/dw for every parameter (model order) at the run's weights now, L the mean loss on
    the whole training set, each by (L(w + h) − L(w − h)) / 2h in float64."""
    check_full_batch(run)
    count = sum(p.numel() for p in run.model.parameters())
    if count > MAX_PARAMS:
        raise GradCheckError(f"has {count} parameters; a finite difference takes {MAX_PARAMS}")
    model = copy.deepcopy(run.model).double()
    model.train()  # as a training step sees it
    x = run.x_train.double() if run.x_train.is_floating_point() else run.x_train
    y = run.y_train.double() if run.y_train.is_floating_point() else run.y_train

    def loss() -> float:
        return float(run.loss_fn(model(x), y))

    grads = []
    for p in model.parameters():
        flat, fd = p.view(-1), torch.zeros(p.numel(), dtype=torch.float64)
        for i in range(p.numel()):
            kept = float(flat[i])
            flat[i] = kept + NUDGE
            up = loss()
            flat[i] = kept - NUDGE
            down = loss()
            flat[i] = kept
            fd[i] = (up - down) / (2 * NUDGE)
        grads.append(fd.view(p.shape))
    return grads


def relative_error(backprop: list[torch.Tensor], estimate: list[torch.Tensor]) -> float:
    """The largest |g − d| / max(|g|, |d|, FLOOR × the largest |d|) over every weight:
    1e-3 means every gradient agrees with its estimate to 3 significant digits (a tiny one
    to 1e-3 of 1 % of the largest). 0 when every gradient and estimate is exactly 0."""
    g = torch.cat([t.double().flatten() for t in backprop])
    d = torch.cat([t.double().flatten() for t in estimate])
    floor = FLOOR * float(d.abs().max()) if len(d) else 0.0
    scale = torch.maximum(g.abs(), d.abs()).clamp_min(floor)
    gaps = (g - d).abs()
    return float(torch.where(gaps > 0, gaps / scale, 0.0).max()) if len(g) else 0.0
