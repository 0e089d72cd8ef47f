"""What every probe shares: the error a view raises when a run cannot show it, tensors to
numpy, capturing layers' outputs during a forward pass, and the val batch size for
statistics."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

if TYPE_CHECKING:
    from app.train.run import Run

STATS_BATCH = 256  # val examples used for dead-unit and saturation fractions


class ObserveError(ValueError):
    """A view was asked for that this run cannot show; the message says why."""


def to_numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().float().cpu().numpy()


@contextmanager
def capture(model: nn.Module, names: list[str]) -> Iterator[dict[str, torch.Tensor]]:
    """Records the outputs of the named children during forward passes inside the block."""
    out: dict[str, torch.Tensor] = {}
    hooks = [
        getattr(model, n).register_forward_hook(lambda _m, _i, o, n=n: out.__setitem__(n, o))
        for n in names
    ]
    try:
        yield out
    finally:
        for h in hooks:
            h.remove()


def hidden_layer_names(run: Run) -> list[str]:
    return [n for n, _ in run.model.named_children() if n != "output"]
