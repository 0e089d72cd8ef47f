"""What a viewer can observe of a run, as numpy arrays. Every probe runs under no_grad in
eval mode (restored afterwards) and draws no random numbers, so observing never changes
training (`time_grads` turns gradients on for its own pass, and asks autograd for one
tensor's gradient only, so no parameter's .grad changes). Each view is one small function
in `VIEWS`; `observe` dispatches. Plain numbers and lists in a view's result travel in a
frame's `values`, arrays as arrays (app/worker/hosted.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from app.nn import blocks
from app.train import objective

if TYPE_CHECKING:
    from app.train.run import Run

Arrays = dict[str, Any]
STATS_BATCH = 256  # val examples used for dead-unit and saturation fractions
PREDICTION_WINDOW = 200  # val examples shown in prediction-vs-truth
VAL_CHUNK = 1024  # val examples per forward pass (and at most, for accuracy by length)
MISCLASSIFIED_SHOWN = 24  # wrong val images sent at most
LENGTHS_MEASURED = 8  # sequence lengths in accuracy-by-length


class ObserveError(ValueError):
    """A view was asked for that this run cannot show; the message says why."""


def observe(run: Run, views: tuple[str, ...], **options: Any) -> Arrays:
    """The named views' results. `memo` (a dict, one per call unless given) lets views
    share work while the weights stay the same: pass one memo to several calls only
    between two changes of the weights (the worker does, within one frame)."""
    from app.train.run import evaluating

    unknown = [v for v in views if v not in VIEWS]
    if unknown:
        raise ObserveError(f"unknown view {unknown[0]!r}; views are {', '.join(VIEWS)}")
    options.setdefault("memo", {})
    with torch.no_grad(), evaluating(run.model):
        return {view: VIEWS[view](run, **options) for view in views}


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().float().cpu().numpy()


@contextmanager
def _capture(model: nn.Module, names: list[str]) -> Iterator[dict[str, torch.Tensor]]:
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


def _hidden_names(run: Run) -> list[str]:
    return [n for n, _ in run.model.named_children() if n != "output"]


# --- numbers ---


def _metrics(run: Run, **_: Any) -> dict[str, Any]:
    return dataclasses.asdict(run.evaluate())


def _history(run: Run, **_: Any) -> dict[str, np.ndarray]:
    fields = ["step", "epoch", "train_loss", "val_loss", "train_score", "val_score", "lr"]
    return {f: np.array([getattr(m, f) for m in run.history], dtype=np.float64) for f in fields}


def _grad_norms(run: Run, **_: Any) -> dict[str, float]:
    return run.grad_norms()


def _weight_norms(run: Run, **_: Any) -> dict[str, float]:
    return {n: float(torch.linalg.vector_norm(p)) for n, p in run.model.named_parameters()}


def _weights(run: Run, **_: Any) -> dict[str, np.ndarray]:
    """Every parameter by its dotted name (``dense0.linear.weight``: (out, in))."""
    return {n: _np(p) for n, p in run.model.named_parameters()}


def _histograms(run: Run, bins: int = 20, **_: Any) -> dict[str, dict[str, np.ndarray]]:
    """Per layer, a histogram of its weights (not biases): counts and bin edges."""
    out = {}
    for name, child in run.model.named_children():
        weights = [p.flatten() for p in child.parameters() if p.ndim > 1]
        if weights:
            counts, edges = np.histogram(_np(torch.cat(weights)), bins=max(1, min(bins, 200)))
            out[name] = {"counts": counts, "edges": edges}
    return out


def _activation_stats(run: Run, **_: Any) -> dict[str, dict[str, float]]:
    """Per layer with a ReLU-like or squashing activation: the fraction of dead units (zero
    output on every one of a val batch's examples) and of saturated outputs (tanh beyond
    ±0.99, sigmoid below 0.01 or above 0.99)."""
    names = [n for n, m in run.model.named_children() if n != "output" and hasattr(m, "act")]
    with _capture(run.model, names) as outs:
        run.model(run.x_val[:STATS_BATCH])
    stats = {}
    for name in names:
        act, out = getattr(run.model, name).act, outs[name]
        units = out.transpose(0, 1).flatten(1)  # (units or channels, examples x positions)
        entry: dict[str, float] = {}
        if isinstance(act, (nn.ReLU, nn.LeakyReLU, nn.ELU)):
            entry["dead"] = float(((units <= 0).all(dim=1)).float().mean())
        if isinstance(act, nn.Tanh):
            entry["saturated"] = float((out.abs() > 0.99).float().mean())
        if isinstance(act, nn.Sigmoid):
            entry["saturated"] = float(((out < 0.01) | (out > 0.99)).float().mean())
        if entry:
            stats[name] = entry
    return stats


# --- 2-D point data: each neuron's output over the plane ---


def _plane_inputs(run: Run, grid: int) -> torch.Tensor:
    """Model inputs for a grid x grid raster of the plane, row 0 at the top (max x2),
    featurized exactly as the training points were: (grid*grid, features)."""
    featurize, domain = run.data.featurize, run.data.domain
    if featurize is None or domain is None:
        raise ObserveError("this view needs 2-D point data")
    grid = _check_grid(run, grid)
    axis = torch.linspace(domain[0], domain[1], grid)
    x2, x1 = torch.meshgrid(axis.flip(0), axis, indexing="ij")
    return featurize(torch.stack([x1.flatten(), x2.flatten()], dim=1)).to(run.device)


def _neurons(run: Run, grid: int = 50, **_: Any) -> dict[str, np.ndarray]:
    """Each input feature's and each hidden unit's value over the plane: (units, grid, grid)
    per layer (key 'input' for the features); only layers with a vector output."""
    x = _plane_inputs(run, grid)
    names = _hidden_names(run)
    with _capture(run.model, names) as outs:
        run.model(x)
    maps = {"input": x.T.reshape(-1, grid, grid)}
    for name in names:
        if outs[name].ndim == 2:
            maps[name] = outs[name].T.reshape(-1, grid, grid)
    return {k: _np(v) for k, v in maps.items()}


def _boundary(run: Run, grid: int = 100, **_: Any) -> np.ndarray:
    """The model's answer over the plane: P(class 1) (grid, grid) for binary data, class
    probabilities (C, grid, grid) for multiclass, the value (D, grid, grid) for regression."""
    pred = objective.predict(run.task, run.model(_plane_inputs(run, grid)))
    return _np(pred.reshape(grid, grid) if pred.ndim == 1 else pred.T.reshape(-1, grid, grid))


def _check_grid(run: Run, grid: int) -> int:
    if not 2 <= grid <= run.limits.max_grid:
        raise ObserveError(f"grid must be between 2 and {run.limits.max_grid}, not {grid}")
    return grid


# --- one example through the network: images, sequences, attention ---
#
# Per-example views look at val example `sample`, or at `inputs` when a viewer gives one
# (a drawn digit, a typed name): `check_example_input` vets it when the viewer asks.


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


def _example(run: Run, sample: int = 0, inputs: Any = None, **_: Any) -> dict[str, Any]:
    """What the per-example views are looking at: the input (an image (C, H, W), a sequence
    (T, F), token ids (T,)) and, for a val example of a classification task, its class."""
    x = _example_batch(run, sample, inputs)[0]
    label = None
    if inputs is None and run.task != "regression":
        label = int(run.y_val[sample])
    return {"input": _np(x), "label": label}


def _probabilities(run: Run, sample: int = 0, inputs: Any = None, **_: Any) -> np.ndarray:
    """The model's class probabilities for one example, (C,); binary: [P(0), P(1)]."""
    if run.task == "regression":
        raise ObserveError("class probabilities need a classification task")
    p = objective.predict(run.task, run.model(_example_batch(run, sample, inputs)))[0]
    return _np(torch.stack([1 - p, p]) if run.task == "binary" else p)


def _map_layers(run: Run) -> list[str]:
    """The layers whose output is a stack of 2-D maps: convolutions and pooling."""
    kinds = (blocks.ConvBlock, nn.MaxPool2d, nn.AvgPool2d)
    return [n for n, m in run.model.named_children() if isinstance(m, kinds)]


def _feature_maps(
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
    with _capture(run.model, names) as outs:
        run.model(_example_batch(run, sample, inputs))
    return {n: _np(_fit_maps(outs[n][0], max_maps, max_map_size)) for n in names}


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


def _filters(run: Run, **_: Any) -> np.ndarray:
    """The first conv layer's kernels, (filters, in_channels, k, k)."""
    for child in run.model.children():
        if isinstance(child, blocks.ConvBlock):
            return _np(child.conv.weight)
    raise ObserveError("this model has no convolution layer")


def _hidden_states(run: Run, sample: int = 0, inputs: Any = None, **_: Any) -> np.ndarray:
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
    return _np(seen[0][0])


def _attention(run: Run, sample: int = 0, inputs: Any = None, **_: Any) -> dict[str, np.ndarray]:
    """Per attention layer, the weights (heads, T, T) for one example: row = query step."""
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
    return {n: _np(m.weights[0]) for n, m in layers.items() if m.weights is not None}


# --- the validation set ---


def _sequence_prediction(run: Run, **_: Any) -> dict[str, np.ndarray]:
    """Prediction vs truth over the first val examples (regression data), (N, D) each."""
    if run.task != "regression":
        raise ObserveError("prediction vs truth needs a regression task")
    x, y = run.x_val[:PREDICTION_WINDOW], run.y_val[:PREDICTION_WINDOW]
    return {"prediction": _np(run.model(x)), "truth": _np(y)}


def _val_classes(run: Run, memo: dict[str, Any]) -> torch.Tensor:
    """The predicted class of every val example (N,), a chunk of examples at a time; once
    per memo, as `confusion` and `misclassified` both need it (a CNN on MNIST's 2,800 val
    images takes a good part of a second on one CPU thread)."""
    if "val_classes" not in memo:
        x = run.x_val
        outs = torch.cat([run.model(x[i : i + VAL_CHUNK]) for i in range(0, len(x), VAL_CHUNK)])
        memo["val_classes"] = (
            (outs[:, 0] > 0).long() if run.task == "binary" else outs.argmax(dim=1)
        )
    classes: torch.Tensor = memo["val_classes"]
    return classes


def _confusion(run: Run, memo: dict[str, Any] | None = None, **_: Any) -> np.ndarray:
    """Counts (true class, predicted class) over the val set, (C, C)."""
    if run.task == "regression":
        raise ObserveError("a confusion matrix needs a classification task")
    classes = max(2, run.data.output_dim)
    flat = run.y_val * classes + _val_classes(run, {} if memo is None else memo)
    return _np(torch.bincount(flat, minlength=classes * classes).reshape(classes, classes))


def _misclassified(run: Run, memo: dict[str, Any] | None = None, **_: Any) -> dict[str, Any]:
    """The first MISCLASSIFIED_SHOWN val images the model gets wrong, (K, H, W) (first
    channel), their val indices, true and predicted classes, and how many are wrong."""
    if run.data.input_kind != "image" or run.task == "regression":
        raise ObserveError("misclassified examples need image classification data")
    predicted = _val_classes(run, {} if memo is None else memo)
    wrong = (predicted != run.y_val).nonzero()[:, 0]
    shown = wrong[:MISCLASSIFIED_SHOWN]
    return {
        "images": _np(run.x_val[shown, 0]),
        "index": shown.tolist(),
        "truth": run.y_val[shown].tolist(),
        "predicted": predicted[shown].tolist(),
        "count": len(wrong),
    }


# --- sequences: memory over time ---


def _time_grads(run: Run, **_: Any) -> np.ndarray:
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
            x, y = run.x_val[:STATS_BATCH], run.y_val[:STATS_BATCH]
            (grad,) = torch.autograd.grad(run.loss_fn(run.model(x), y), held[0])
    finally:
        hook.remove()
    return _np(torch.linalg.vector_norm(grad, dim=2).mean(dim=0))  # (B, T, F) -> (T,)


def _accuracy_by_length(run: Run, **_: Any) -> dict[str, list[Any]]:
    """Val accuracy when the examples are cut after their first L steps, for about
    LENGTHS_MEASURED lengths from 2 to T: how far back the network remembers. Only for data
    whose label is fixed by the first step (the memory task)."""
    if not run.data.label_at_start:
        raise ObserveError("accuracy by length needs data labelled by its first step (memory)")
    steps = run.data.input_shape[0]
    lengths = sorted({round(v) for v in np.linspace(min(2, steps), steps, LENGTHS_MEASURED)})
    x, y = run.x_val[:VAL_CHUNK], run.y_val[:VAL_CHUNK]
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


# --- inputs given by a person ---


def _predict(run: Run, inputs: Any = None, **_: Any) -> np.ndarray:
    """The model's answer for given inputs (see `_as_inputs` for the accepted forms)."""
    if inputs is None:
        raise ObserveError("predict needs inputs")
    return _np(objective.predict(run.task, run.model(_as_inputs(run, inputs))))


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


VIEWS: dict[str, Callable[..., Any]] = {
    "metrics": _metrics,
    "history": _history,
    "grad_norms": _grad_norms,
    "weight_norms": _weight_norms,
    "weights": _weights,
    "histograms": _histograms,
    "activation_stats": _activation_stats,
    "neurons": _neurons,
    "boundary": _boundary,
    "feature_maps": _feature_maps,
    "filters": _filters,
    "hidden_states": _hidden_states,
    "attention": _attention,
    "sequence_prediction": _sequence_prediction,
    "confusion": _confusion,
    "probabilities": _probabilities,
    "example": _example,
    "misclassified": _misclassified,
    "time_grads": _time_grads,
    "accuracy_by_length": _accuracy_by_length,
    "predict": _predict,
}
