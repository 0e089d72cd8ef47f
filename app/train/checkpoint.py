"""A run's checkpoint as bytes: its weights, and its optimizers' state with its progress,
each a safetensors file (never pickle). `capture` reads a run (alone or in a group: a
grouped run's tensors are views into its group's, copied out here); `restore` puts a
checkpoint back into a freshly built run of the same spec, so training continues from it.

The optimizer file holds every tensor of each optimizer's state under
`{optimizer}.{param index}.{name}`, and in its metadata (JSON strings) each optimizer's
param groups and non-tensor state, the run's step, epoch and history."""

from __future__ import annotations

import json
import struct
import weakref
from typing import Any

import torch
from safetensors.torch import load, save

from app.train.trainer import Trainer

MAX_HEADER_BYTES = 16 * 1024**2  # a safetensors header larger than this is refused


class CheckpointError(ValueError):
    """A checkpoint that does not fit the run it is restored into, in words."""


def modules_of(run: Trainer) -> dict[str, tuple[torch.nn.Module, torch.optim.Optimizer]]:
    """The run's networks with their optimizers, by name."""
    if hasattr(run, "generator"):
        gan: Any = run
        return {
            "generator": (gan.generator, gan.g_opt),
            "discriminator": (gan.discriminator, gan.d_opt),
        }
    plain: Any = run
    return {"model": (plain.model, plain.optimizer)}


def _own(tensor: torch.Tensor) -> torch.Tensor:
    """A CPU copy with storage of its own (safetensors refuses shared storage)."""
    return tensor.detach().to("cpu", copy=True).contiguous()


def capture_weights(run: Trainer) -> bytes:
    tensors = {
        f"{name}.{key}": _own(value)
        for name, (module, _) in modules_of(run).items()
        for key, value in module.state_dict().items()
    }
    return save(tensors)


def capture_optimizer(run: Trainer) -> bytes:
    tensors: dict[str, torch.Tensor] = {}
    groups: dict[str, Any] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for name, (_, optimizer) in modules_of(run).items():
        state = optimizer.state_dict()
        groups[name] = state["param_groups"]
        for index, entries in state["state"].items():
            for key, value in entries.items():
                if isinstance(value, torch.Tensor):
                    tensors[f"{name}.{index}.{key}"] = _own(value)
                else:
                    scalars.setdefault(name, {})[f"{index}.{key}"] = value
    metadata = {
        "param_groups": json.dumps(groups),
        "scalars": json.dumps(scalars),
        "step": str(run.step_count),
        "epoch": str(run.epoch),
        "history": _history_json(run),
    }
    return save(tensors, metadata=metadata)


class _Encoded:
    """A run's history points encoded so far, each once: the first and last of them (to see
    that the history is still the one encoded) and their JSON texts."""

    def __init__(self) -> None:
        self.first: Any = None
        self.last: Any = None
        self.parts: list[str] = []


_ENCODED: weakref.WeakKeyDictionary[Trainer, _Encoded] = weakref.WeakKeyDictionary()


def _history_json(run: Trainer) -> str:
    """The run's history as a JSON array, encoding only the points added since its last
    checkpoint. Encoded whole each time, with dataclasses.asdict, a class's checkpoints took
    a fifth of its workers after a minute (1,500 points: 26 ms a checkpoint, 20 of them a
    second), and their cost grew with every epoch. A reset or a restore puts new points in
    the history, so the old texts are dropped."""
    history = run.history
    encoded = _ENCODED.setdefault(run, _Encoded())
    count = len(encoded.parts)
    if count and (
        count > len(history)
        or history[0] is not encoded.first
        or history[count - 1] is not encoded.last
    ):
        encoded.parts, count = [], 0
    # vars, not dataclasses.asdict: the points are flat (grad_norms a flat dict of floats)
    encoded.parts += [json.dumps(vars(point)) for point in history[count:]]
    if history:
        encoded.first, encoded.last = history[0], history[-1]
    return "[" + ",".join(encoded.parts) + "]"


def read_metadata(data: bytes) -> dict[str, str]:
    """A safetensors file's metadata, its header size checked before it is read."""
    if len(data) < 8:
        raise CheckpointError("not a safetensors file: shorter than its header size")
    (size,) = struct.unpack("<Q", data[:8])
    if size > min(MAX_HEADER_BYTES, len(data) - 8):
        raise CheckpointError("not a safetensors file: its header size is out of bounds")
    header = json.loads(data[8 : 8 + size])
    return dict(header.get("__metadata__") or {})


def restore(run: Trainer, weights: bytes, optimizer: bytes) -> None:
    """Loads a checkpoint into `run` (built from the same spec): weights, optimizer state,
    step, epoch and history. Raises CheckpointError when it does not fit."""
    tensors = load(weights)
    for name, (module, _) in modules_of(run).items():
        prefix = f"{name}."
        own = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
        try:
            module.load_state_dict(own)
        except RuntimeError as e:
            raise CheckpointError(f"the checkpoint's weights do not fit this network: {e}") from e
    _restore_optimizers(run, load(optimizer), read_metadata(optimizer))


def _restore_optimizers(
    run: Trainer, tensors: dict[str, torch.Tensor], meta: dict[str, str]
) -> None:
    groups, scalars = json.loads(meta["param_groups"]), json.loads(meta["scalars"])
    for name, (module, optimizer) in modules_of(run).items():
        state: dict[int, dict[str, Any]] = {}
        for key, value in tensors.items():
            owner, index, entry = key.split(".", 2)
            if owner == name:
                state.setdefault(int(index), {})[entry] = value
        for key, value in scalars.get(name, {}).items():
            index, entry = key.split(".", 1)
            state.setdefault(int(index), {})[entry] = value
        device = next(module.parameters()).device
        state = {i: {k: _to(v, device) for k, v in s.items()} for i, s in state.items()}
        try:
            param_groups = [_tuples(group) for group in groups[name]]
            optimizer.load_state_dict({"state": state, "param_groups": param_groups})
        except (ValueError, KeyError) as e:
            raise CheckpointError(f"the checkpoint's optimizer does not fit: {e}") from e
    _restore_progress(run, meta)


def _tuples(group: dict[str, Any]) -> dict[str, Any]:
    """JSON made torch's tuples (Adam's betas) lists: they are tuples again."""
    return {
        k: v if k == "params" or not isinstance(v, list) else tuple(v) for k, v in group.items()
    }


def _to(value: Any, device: torch.device) -> Any:
    # torch keeps Adam's `step` on the CPU; the moments go where the weights are.
    if isinstance(value, torch.Tensor) and value.dim() > 0:
        return value.to(device)
    return value


def _restore_progress(run: Trainer, meta: dict[str, str]) -> None:
    from app.train.gan import GanMetrics, GanRun
    from app.train.run import Metrics

    live: Any = run
    live.step_count, live.epoch = int(meta["step"]), int(meta["epoch"])
    point_type: Any = GanMetrics if isinstance(run, GanRun) else Metrics
    live.history[:] = [point_type(**p) for p in json.loads(meta["history"])]
    if hasattr(live, "_apply_lr"):  # the schedule's rate for the restored epoch
        live._apply_lr()
