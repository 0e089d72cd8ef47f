"""The answer to the web process's `state` command (app/protocol.py StateRequest): a run's
weights as raw tensors, for an export. Grouped runs hold views of their group's tensors,
which are their current weights, so nothing needs dissolving first."""

from __future__ import annotations

import numpy as np
import torch

from app.protocol import RawTensor, StateEvent
from app.train import Run, Trainer

DTYPES = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64"}


def state_event(run_id: str, run: Trainer) -> StateEvent:
    """The run's state_dict as a StateEvent; a GAN has none to give yet (tensors None)."""
    spec = run.spec.model_dump(mode="json")
    if not isinstance(run, Run):
        detail = "a gan run cannot be exported yet, only supervised"
        return StateEvent(run=run_id, step=run.step_count, spec=spec, tensors=None, detail=detail)
    tensors = {name: _raw(t) for name, t in run.model.state_dict().items()}
    return StateEvent(run=run_id, step=run.step_count, spec=spec, tensors=tensors)


def _raw(tensor: torch.Tensor) -> RawTensor:
    array: np.ndarray = tensor.detach().cpu().contiguous().numpy()
    return RawTensor(
        dtype=DTYPES[tensor.dtype],  # type: ignore[arg-type]
        shape=list(array.shape),
        data=array.astype(array.dtype.newbyteorder("<")).tobytes(),
    )
