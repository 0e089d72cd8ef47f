"""Views of one example through the network: images, sequences, attention; and the
model's answer for inputs a person gives.

Per-example views look at val example `sample`, or at `inputs` when a viewer gives one
(a drawn digit, a typed name): `check_example_input` vets it when the viewer asks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from app.nn import blocks
from app.train import objective
from app.train.probes.common import ObserveError, capture, to_numpy

if TYPE_CHECKING:
    from app.train.run import Run


def _example_batch(run: Run, sample: int, inputs: Any) -> torch.Tensor:
    """A batch of one: the given input, or the val example at index `sample`."""
    if inputs is not None:
        return _as_inputs(run, inputs)[:1]
    if not 0 <= sample < len(run.x_val):
        raise ObserveError(f"sample must be between 0 and {len(run.x_val) - 1}, not {sample}")
    return run.x_val[sample : sample + 1]


def check_example_input(run: Run, inputs: Any) -> None:
    """Raises ObserveError, in plain words, unless `inputs` is one example this run's model
    can read (see `_as_inputs` for the forms)."""
    if len(_as_inputs(run, inputs)) != 1:
        raise ObserveError(f"the input must be one example: {_example_form(run)}")


def example(run: Run, sample: int = 0, inputs: Any = None, **_: Any) -> dict[str, Any]:
    """What the per-example views are looking at: the input (an image (C, H, W), a sequence
    (T, F), token ids (T,)) and, for a val example of a classification task, its class."""
    x = _example_batch(run, sample, inputs)[0]
    label = None
    if inputs is None and run.task != "regression":
        label = int(run.y_val[sample])
    return {"input": to_numpy(x), "label": label}


def probabilities(run: Run, sample: int = 0, inputs: Any = None, **_: Any) -> np.ndarray:
    """The model's class probabilities for one example, (C,); binary: [P(0), P(1)]."""
    if run.task == "regression":
        raise ObserveError("class probabilities need a classification task")
    p = objective.predict(run.task, run.model(_example_batch(run, sample, inputs)))[0]
    return to_numpy(torch.stack([1 - p, p]) if run.task == "binary" else p)


def _map_layers(run: Run) -> list[str]:
    """The layers whose output is a stack of 2-D maps: convolutions and pooling."""
    kinds = (blocks.ConvBlock, nn.MaxPool2d, nn.AvgPool2d)
    return [n for n, m in run.model.named_children() if isinstance(m, kinds)]


def feature_maps(
    run: Run,
    sample: int = 0,
    inputs: Any = None,
    max_maps: int | None = None,
    max_map_size: int | None = None,
    **_: Any,
) -> dict[str, Any]:
    """Per conv/pool layer, its maps (C, H, W) for one example: at most the first
    `max_maps` channels, each average-pooled to at most `max_map_size` on either side."""
    names = _map_layers(run)
    if not names:
        raise ObserveError("this model has no convolution or pooling layer")
    with capture(run.model, names) as outs:
        run.model(_example_batch(run, sample, inputs))
    return {n: to_numpy(_fit_maps(outs[n][0], max_maps, max_map_size)) for n in names}


def _fit_maps(maps: torch.Tensor, max_maps: int | None, max_size: int | None) -> torch.Tensor:
    """(C, H, W) -> (min(C, max_maps), min(H, max_size), min(W, max_size))."""
    if max_maps is not None:
        maps = maps[:max_maps]
    height, width = maps.shape[-2:]
    if max_size is not None and max(height, width) > max_size:
        maps = F.adaptive_avg_pool2d(maps, (min(height, max_size), min(width, max_size)))
    return maps


def feature_map_channels(run: Run) -> dict[str, int]:
    """Each feature-map layer's true channel count (the view may send fewer)."""
    names = set(_map_layers(run))
    return {r.name: r.output_shape[0] for r in run.report.layers if r.name in names}


def filters(run: Run, **_: Any) -> np.ndarray:
    """The first conv layer's kernels, (filters, in_channels, k, k)."""
    for child in run.model.children():
        if isinstance(child, blocks.ConvBlock):
            return to_numpy(child.conv.weight)
    raise ObserveError("this model has no convolution layer")


def hidden_states(run: Run, sample: int = 0, inputs: Any = None, **_: Any) -> np.ndarray:
    """The last recurrent layer's state at every time step for one example, (T, units)."""
    rnns = [m.rnn for m in run.model.children() if isinstance(m, blocks.RecurrentBlock)]
    if not rnns:
        raise ObserveError("this model has no recurrent layer")
    seen: list[torch.Tensor] = []
    hook = rnns[-1].register_forward_hook(lambda _m, _i, o: seen.append(o[0]))
    try:
        run.model(_example_batch(run, sample, inputs))
    finally:
        hook.remove()
    return to_numpy(seen[0][0])


def _recorded_attention(run: Run, sample: int, inputs: Any) -> dict[str, blocks.SelfAttention]:
    """The attention layers by name, each holding what it computed for one example."""
    layers = {n: m for n, m in run.model.named_children() if isinstance(m, blocks.SelfAttention)}
    if not layers:
        raise ObserveError("this model has no attention layer")
    for m in layers.values():
        m.record = True
    try:
        run.model(_example_batch(run, sample, inputs))
    finally:
        for m in layers.values():
            m.record = False
    return layers


def attention(run: Run, sample: int = 0, inputs: Any = None, **_: Any) -> dict[str, np.ndarray]:
    """Per attention layer, the weights (heads, T, T) for one example: row = query step."""
    layers = _recorded_attention(run, sample, inputs)
    return {n: to_numpy(m.weights[0]) for n, m in layers.items() if m.weights is not None}


def attention_query(run: Run, sample: int = 0, inputs: Any = None, **_: Any) -> dict[str, Any]:
    """Attention's formula for one query, the last step's, of one example, per attention
    layer and head: `scores` (heads, T) q·k/√d, `weights` (heads, T) the softmax of the
    scores ÷ `temperature`, `values` (heads, T, d) each step's value vector, and `mixed`
    (heads, d) their sum weighted by `weights`, which the layer passes on."""
    layers = _recorded_attention(run, sample, inputs)
    out: dict[str, Any] = {}
    for name, m in layers.items():
        assert m.scores is not None and m.weights is not None
        assert m.values is not None and m.mixed is not None
        out[name] = {
            "scores": to_numpy(m.scores[0, :, -1]),  # (heads, T)
            "weights": to_numpy(m.weights[0, :, -1]),  # (heads, T)
            "values": to_numpy(m.values[0]),  # (heads, T, d)
            "mixed": to_numpy(m.mixed[0, :, -1]),  # (heads, d)
            "temperature": m.temperature,
        }
    return out


# --- inputs given by a person ---


def predict(run: Run, inputs: Any = None, **_: Any) -> np.ndarray:
    """The model's answer for given inputs (see `_as_inputs` for the accepted forms)."""
    if inputs is None:
        raise ObserveError("predict needs inputs")
    return to_numpy(objective.predict(run.task, run.model(_as_inputs(run, inputs))))


def _as_inputs(run: Run, inputs: Any) -> torch.Tensor:
    """User input -> a model batch. Points: raw (x1, x2) pairs, featurized as in training;
    images: (H, W) or (N, C, H, W) in [0, 1]; text: a string or token ids; else the example
    shape. Raises ObserveError, never echoing the input."""
    data = run.data
    if isinstance(inputs, str):
        return _text_inputs(run, inputs)
    try:
        t = torch.as_tensor(np.asarray(inputs, dtype=np.float32))
    except (ValueError, TypeError):
        raise ObserveError(f"inputs must be numbers: {_example_form(run)}") from None
    if t.numel() == 0:
        raise ObserveError(f"the input is empty: {_example_form(run)}")
    if not torch.isfinite(t).all():
        raise ObserveError("inputs must be finite numbers")
    if data.input_kind == "points":
        assert data.featurize is not None
        if t.numel() % 2:
            raise ObserveError("points are pairs [x1, x2]")
        t = data.featurize(t.reshape(-1, 2))
    elif data.input_kind == "tokens":
        if not ((t >= 0) & (t < len(data.vocab)) & (t == t.round())).all():
            raise ObserveError(f"token ids must be whole numbers from 0 to {len(data.vocab) - 1}")
        t = t.long()
    if tuple(t.shape[-len(data.input_shape) :]) != data.input_shape:
        if t.numel() % int(np.prod(data.input_shape)):
            raise ObserveError(f"inputs must have this shape per example: {_example_form(run)}")
    return t.reshape(-1, *data.input_shape).to(run.device)


def _text_inputs(run: Run, text: str) -> torch.Tensor:
    """A string -> one example of token ids: characters outside the vocabulary dropped, cut to
    the last T characters or left-padded with id 0 (the start mark)."""
    data = run.data
    if data.input_kind != "tokens":
        raise ObserveError(f"a text input needs text data; this run reads {_example_form(run)}")
    ids = [data.vocab.index(c) for c in text if c in data.vocab]
    ids = ([0] * data.input_shape[0] + ids)[-data.input_shape[0] :]
    return torch.tensor([ids], device=run.device)


def _example_form(run: Run) -> str:
    """One example's form in words, for error messages."""
    data, shape = run.data, "x".join(map(str, run.data.input_shape))
    if data.input_kind == "image":
        height, width = data.input_shape[-2:]
        return f"an image of {height}x{width} pixels (a list of rows), values 0 to 1"
    if data.input_kind == "tokens":
        return f"a text, or {data.input_shape[0]} token ids"
    if data.input_kind == "points":
        return "points [[x1, x2], ...]"
    return f"{shape} numbers"
