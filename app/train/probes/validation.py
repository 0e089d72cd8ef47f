"""Views over the validation set: prediction vs truth, the confusion matrix, misclassified
images, and for sequences, memory over time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from app.nn import blocks
from app.train import objective
from app.train.probes.common import STATS_BATCH, ObserveError, to_numpy

if TYPE_CHECKING:
    from app.train.run import Run

PREDICTION_WINDOW = 200  # val examples shown in prediction-vs-truth
VAL_CHUNK = 1024  # val examples per forward pass (and at most, for accuracy by length)
MISCLASSIFIED_SHOWN = 24  # wrong val images sent at most
LENGTHS_MEASURED = 8  # sequence lengths in accuracy-by-length


def sequence_prediction(run: Run, **_: Any) -> dict[str, np.ndarray]:
    """Prediction vs truth over the first val examples (regression data), (N, D) each."""
    if run.task != "regression":
        raise ObserveError("prediction vs truth needs a regression task")
    x, y = run.x_val[:PREDICTION_WINDOW], run.y_val[:PREDICTION_WINDOW]
    return {"prediction": to_numpy(run.model(x)), "truth": to_numpy(y)}


def _val_classes(run: Run, memo: dict[str, Any]) -> torch.Tensor:
    """The predicted class of every val example (N,), a chunk of examples at a time; once
    per memo, as `confusion` and `misclassified` both need it (a CNN on MNIST's 2,800 val
    images takes a good part of a second on one CPU thread)."""
    if "val_classes" not in memo:
        x = run.x_val[: run.eval_size]  # a costly network: the first examples that fit
        outs = torch.cat([run.model(x[i : i + VAL_CHUNK]) for i in range(0, len(x), VAL_CHUNK)])
        memo["val_classes"] = (
            (outs[:, 0] > 0).long() if run.task == "binary" else outs.argmax(dim=1)
        )
    classes: torch.Tensor = memo["val_classes"]
    return classes


def confusion(run: Run, memo: dict[str, Any] | None = None, **_: Any) -> np.ndarray:
    """Counts (true class, predicted class) over the val set, (C, C)."""
    if run.task == "regression":
        raise ObserveError("a confusion matrix needs a classification task")
    classes = max(2, run.data.output_dim)
    predicted = _val_classes(run, {} if memo is None else memo)
    flat = run.y_val[: len(predicted)] * classes + predicted
    return to_numpy(torch.bincount(flat, minlength=classes * classes).reshape(classes, classes))


def misclassified(run: Run, memo: dict[str, Any] | None = None, **_: Any) -> dict[str, Any]:
    """The first MISCLASSIFIED_SHOWN val images the model gets wrong, (K, H, W) (first
    channel), their val indices, true and predicted classes, and how many are wrong."""
    if run.data.input_kind != "image" or run.task == "regression":
        raise ObserveError("misclassified examples need image classification data")
    predicted = _val_classes(run, {} if memo is None else memo)
    wrong = (predicted != run.y_val[: len(predicted)]).nonzero()[:, 0]
    shown = wrong[:MISCLASSIFIED_SHOWN]
    return {
        "images": to_numpy(run.x_val[shown, 0]),
        "index": shown.tolist(),
        "truth": run.y_val[shown].tolist(),
        "predicted": predicted[shown].tolist(),
        "count": len(wrong),
    }


# --- sequences: memory over time ---


def time_grads(run: Run, **_: Any) -> np.ndarray:
    """How much gradient reaches each time step, (T,): on a val batch, the loss's gradient
    with respect to the sequence entering the first recurrent or attention layer (for text:
    the embedded characters), its norm over features, averaged over examples. A plain RNN's
    fades towards step 0; an LSTM's carries further. Parameters' .grad stay untouched."""
    if run.data.input_kind not in ("sequence", "tokens"):
        raise ObserveError("gradients over time need sequence or text data")
    kinds = (blocks.RecurrentBlock, blocks.SelfAttention)
    first = next((m for m in run.model.children() if isinstance(m, kinds)), None)
    if first is None:
        raise ObserveError("this model has no recurrent or attention layer")
    held: list[torch.Tensor] = []

    def hold(_module: nn.Module, args: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
        held.append(args[0].detach().requires_grad_())  # cut here: the graph starts at it
        return (held[-1], *args[1:])

    hook = first.register_forward_pre_hook(hold)
    try:
        # cuDNN computes an RNN's backward only in training mode; eval mode must stay on.
        with torch.enable_grad(), torch.backends.cudnn.flags(enabled=False):
            n = min(STATS_BATCH, run.eval_size)
            x, y = run.x_val[:n], run.y_val[:n]
            (grad,) = torch.autograd.grad(run.loss_fn(run.model(x), y), held[0])
    finally:
        hook.remove()
    return to_numpy(torch.linalg.vector_norm(grad, dim=2).mean(dim=0))  # (B, T, F) -> (T,)


def accuracy_by_length(run: Run, **_: Any) -> dict[str, list[Any]]:
    """Val accuracy when the examples are cut after their first L steps, for about
    LENGTHS_MEASURED lengths from 2 to T: how far back the network remembers. Only for data
    whose label is fixed by the first step (the memory task)."""
    if not run.data.label_at_start:
        raise ObserveError("accuracy by length needs data labelled by its first step (memory)")
    steps = run.data.input_shape[0]
    lengths = sorted({round(v) for v in np.linspace(min(2, steps), steps, LENGTHS_MEASURED)})
    n = max(1, min(VAL_CHUNK, run.eval_size // len(lengths)))  # within one evaluation's cost
    x, y = run.x_val[:n], run.y_val[:n]
    accuracy = []
    for length in lengths:
        try:
            outs = run.model(x[:, :length])
        except RuntimeError:  # a shape error: flatten, or a fixed position table
            raise ObserveError(
                f"this model reads only sequences of exactly {steps} steps, so its accuracy "
                "cannot be measured on shorter ones"
            ) from None
        accuracy.append(float(objective.correct(run.task, outs, y)) / len(y))
    return {"lengths": lengths, "accuracy": accuracy}
