"""Spec layers -> a named torch module, with shapes and parameter counts inferred on the way.

Each layer builder takes the input shape of one example (no batch dimension) and returns
the module and its output shape, or raises `SpecError` naming the layer and the reason.
Building on the ``meta`` device allocates nothing, so validation can count the
parameters of a 10^9-parameter request without trying to hold it.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from app.data.base import Dataset, InputKind, Task
from app.nn import blocks
from app.settings import DEFAULT_LIMITS, Limits
from app.spec import (
    GRU,
    LSTM,
    RNN,
    ActivationLayer,
    Attention,
    AvgPool2d,
    BatchNorm,
    Conv2d,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    GlobalMaxPool,
    Layer,
    LayerNorm,
    MaxPool2d,
    Reshape,
    Skip,
    StrictModel,
    Upsample,
)

Shape = tuple[int, ...]


class SpecError(ValueError):
    """The spec cannot be built; `field` is its path (``model.layers.3``), the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ModelInput:
    """What the model is built for: one example's shape and kind, and the task's output."""

    shape: Shape
    kind: InputKind
    task: Task
    output_dim: int
    vocab_size: int = 0

    @classmethod
    def of(cls, data: Dataset) -> ModelInput:
        return cls(data.input_shape, data.input_kind, data.task, data.output_dim, len(data.vocab))


@dataclass
class LayerReport:
    name: str  # the submodule's name in the built model
    type: str
    output_shape: list[int]
    params: int
    note: str = ""


@dataclass
class ModelReport:
    input_shape: list[int]
    layers: list[LayerReport] = field(default_factory=list)
    output_activation: str = ""
    total_params: int = 0
    activation_bytes: int = 0  # one training batch, forward and backward, float32
    activation_elems: int = 0  # values per example kept for backward, while building

    def add(self, name: str, kind: str, shape: list[int], module: nn.Module, note: str) -> None:
        self.layers.append(LayerReport(name, kind, shape, _count(module), note))
        if name == "output":
            self.activation_elems += math.prod(shape)

    def finish(self, batch_size: int) -> None:
        """Totals: parameters, and activation bytes (x4 bytes per float, x2 for the
        gradient kept for backward)."""
        self.total_params = sum(r.params for r in self.layers)
        self.activation_bytes = self.activation_elems * batch_size * 8


OUTPUT_ACTIVATION: dict[Task, str] = {
    "binary": "sigmoid",
    "multiclass": "softmax",
    "regression": "linear",
}


def build_model(
    layers: Sequence[Layer],
    model_input: ModelInput,
    *,
    batch_size: int = 1,
    limits: Limits = DEFAULT_LIMITS,
    device: torch.device | str = "cpu",
    output_init: str = "default",
    output_init_value: float | None = None,
) -> tuple[blocks.Network, ModelReport]:
    """Builds the hidden layers plus the task's output layer as an ``nn.Sequential`` whose
    children are named ``<type><index>`` and ``output``; checks the limits. The output
    layer's weights start as `output_init` says (ModelSpec.output_init)."""
    with torch.device(device):
        modules, report, shape = build_hidden(layers, model_input)
        if model_input.kind == "tokens" and not layers:
            raise SpecError("model.layers", "text input needs an embedding layer first")
        flat = math.prod(shape)
        output = blocks.DenseBlock(flat, model_input.output_dim, "linear", len(shape) > 1)
        blocks.init_weights(output.linear, output_init, "linear", output_init_value)
        modules["output"] = output
        report.add(
            "output",
            "dense",
            [model_input.output_dim],
            modules["output"],
            f"{OUTPUT_ACTIVATION[model_input.task]} output",
        )
        model = blocks.Network(modules)
    report.output_activation = OUTPUT_ACTIVATION[model_input.task]
    report.finish(batch_size)
    check_limits(report, limits, "model.layers")
    return model, report


def build_hidden(
    layers: Sequence[Layer], model_input: ModelInput, where: str = "model.layers"
) -> tuple[OrderedDict[str, nn.Module], ModelReport, Shape]:
    """The hidden layers' modules, named ``<type><index>``, their report, and the shape they
    output. `where` is the layer list's path in the spec, for errors. Builds on the current
    default device (``torch.device(...)`` as a context picks it)."""
    shape = model_input.shape
    report = ModelReport(input_shape=list(shape))
    modules: OrderedDict[str, nn.Module] = OrderedDict()
    inputs: list[Shape] = []  # each layer's input shape, for skips
    for index, layer in enumerate(layers):
        at = f"{where}.{index}"
        inputs.append(shape)
        _check_input_kind(layer, index, shape, model_input, at)
        if isinstance(layer, Skip):
            module, out_shape, note = _skip(layer, inputs, at)
        else:
            module, out_shape, note = LAYER_BUILDERS[type(layer)](layer, shape, at, model_input)
        name = f"{layer.type}{index}"
        modules[name] = module
        report.activation_elems += _activation_elements(layer, shape, out_shape)
        report.add(name, layer.type, list(out_shape), module, note)
        shape = out_shape
    return modules, report, shape


def check_limits(report: ModelReport, limits: Limits, where: str) -> None:
    """Raises SpecError at `where` when the model is over the parameter or memory limit."""
    if report.total_params > limits.max_params:
        raise SpecError(
            where,
            f"the model has {report.total_params:,} parameters; the limit is {limits.max_params:,}",
        )
    if report.activation_bytes > limits.max_activation_bytes:
        mb, limit = report.activation_bytes / 2**20, limits.max_activation_bytes / 2**20
        raise SpecError(
            where,
            f"one training batch needs about {mb:,.0f} MB of "
            f"activations; the limit is {limit:,.0f} MB (use smaller layers or batches)",
        )


def _count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def _describe(shape: Shape) -> str:
    if len(shape) == 1:
        return f"a vector of {shape[0]} values"
    if len(shape) == 2:
        return f"a sequence of {shape[0]} steps x {shape[1]} features"
    return "an input of shape " + "x".join(map(str, shape))


_NEEDS_IMAGE = (Conv2d, MaxPool2d, AvgPool2d, GlobalMaxPool, Upsample)
_NEEDS_SEQUENCE = (RNN, LSTM, GRU, Attention)


def _check_input_kind(layer: Layer, index: int, shape: Shape, mi: ModelInput, where: str) -> None:
    kind = layer.type
    tokens_now = mi.kind == "tokens" and index == 0
    if isinstance(layer, Embedding):
        if not tokens_now:
            raise SpecError(where, "embedding must be the first layer, on text (token) input")
        return
    if tokens_now:
        raise SpecError(
            where, f"{kind} cannot read token ids; text input needs an embedding layer first"
        )
    if isinstance(layer, _NEEDS_IMAGE) and len(shape) != 3:
        raise SpecError(
            where,
            f"{kind} needs an image (channels x height x width) but gets "
            f"{_describe(shape)}; add a reshape layer first",
        )
    if isinstance(layer, _NEEDS_SEQUENCE) and len(shape) != 2:
        raise SpecError(
            where, f"{kind} needs a sequence (steps x features) but gets {_describe(shape)}"
        )


def _activation_elements(layer: StrictModel, in_shape: Shape, out_shape: Shape) -> int:
    """Rough count of values a layer keeps for backward, per example."""
    elems = math.prod(out_shape)
    if isinstance(layer, (RNN, LSTM, GRU)):
        gates = {"rnn": 1, "gru": 3, "lstm": 4}[layer.type]
        dirs = 2 if layer.bidirectional else 1
        elems += in_shape[0] * layer.hidden * dirs * layer.layers * (gates + 1)
    if isinstance(layer, Attention):
        t, f = in_shape
        elems += layer.heads * t * t + 4 * t * f
    return elems


# --- one builder per layer type: (layer, in_shape, where, model_input) -> module, out, note ---

Built = tuple[nn.Module, Shape, str]


def _dense(layer: Dense, shape: Shape, where: str, mi: ModelInput) -> Built:
    module = blocks.DenseBlock(math.prod(shape), layer.units, layer.activation, len(shape) > 1)
    blocks.init_weights(module.linear, layer.init, layer.activation, layer.init_value)
    note = f"flattens {_describe(shape)} first" if len(shape) > 1 else ""
    return module, (layer.units,), note


def _conv2d(layer: Conv2d, shape: Shape, where: str, mi: ModelInput) -> Built:
    c, h, w = shape
    k, s = layer.kernel, layer.stride
    if k > h or k > w:
        raise SpecError(where, f"kernel {k} is larger than its {h}x{w} input")
    if layer.padding == "same":  # TensorFlow's rule: output ceil(size / stride)
        out_h, out_w = -(-h // s), -(-w // s)
        pad_h, pad_w = max((out_h - 1) * s + k - h, 0), max((out_w - 1) * s + k - w, 0)
        # (left, right, top, bottom); an even total splits with the extra on the far side
        pads = (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2)
    else:
        out_h, out_w, pads = (h - k) // s + 1, (w - k) // s + 1, (0, 0, 0, 0)
    symmetric = len(set(pads)) == 1
    conv = nn.Conv2d(c, layer.filters, k, stride=s, padding=pads[0] if symmetric else 0)
    blocks.init_weights(conv, layer.init, layer.activation, layer.init_value)
    pad = None if symmetric else nn.ZeroPad2d(pads)
    return blocks.ConvBlock(conv, layer.activation, pad), (layer.filters, out_h, out_w), ""


def _pool(layer: MaxPool2d | AvgPool2d, shape: Shape, where: str, mi: ModelInput) -> Built:
    c, h, w = shape
    k = layer.kernel
    s = layer.stride or k
    if k > h or k > w:
        raise SpecError(where, f"kernel {k} is larger than its {h}x{w} input")
    pool = nn.MaxPool2d(k, s) if isinstance(layer, MaxPool2d) else nn.AvgPool2d(k, s)
    return pool, (c, (h - k) // s + 1, (w - k) // s + 1), ""


def _global_max_pool(layer: GlobalMaxPool, shape: Shape, where: str, mi: ModelInput) -> Built:
    return blocks.GlobalMaxPool(), shape[:1], f"the largest of each {shape[1]}x{shape[2]} map"


def _upsample(layer: Upsample, shape: Shape, where: str, mi: ModelInput) -> Built:
    c, h, w = shape
    return nn.Upsample(scale_factor=layer.scale), (c, h * layer.scale, w * layer.scale), ""


def _flatten(layer: Flatten, shape: Shape, where: str, mi: ModelInput) -> Built:
    return nn.Flatten(), (math.prod(shape),), ""


def _reshape(layer: Reshape, shape: Shape, where: str, mi: ModelInput) -> Built:
    target = tuple(layer.shape)
    if math.prod(target) != math.prod(shape):
        raise SpecError(
            where,
            f"cannot reshape {math.prod(shape)} values into "
            f"{'x'.join(map(str, target))} ({math.prod(target)} values)",
        )
    return blocks.Reshape(target), target, ""


def _dropout(layer: Dropout, shape: Shape, where: str, mi: ModelInput) -> Built:
    return nn.Dropout(layer.p), shape, ""


def _batchnorm(layer: BatchNorm, shape: Shape, where: str, mi: ModelInput) -> Built:
    if len(shape) == 3:
        return nn.BatchNorm2d(shape[0]), shape, "per channel"
    if len(shape) == 2:
        return blocks.SequenceBatchNorm(shape[1]), shape, "per feature, over batch and time"
    return nn.BatchNorm1d(shape[0]), shape, "per feature"


def _layernorm(layer: LayerNorm, shape: Shape, where: str, mi: ModelInput) -> Built:
    normalized = shape if len(shape) == 3 else shape[-1:]
    return nn.LayerNorm(list(normalized)), shape, ""


def _activation(layer: ActivationLayer, shape: Shape, where: str, mi: ModelInput) -> Built:
    return blocks.ActivationBlock(layer.activation), shape, ""


def _skip(layer: Skip, inputs: list[Shape], where: str) -> Built:
    """`inputs` holds the input shape of every layer so far, this skip's last."""
    index, over = len(inputs) - 1, layer.over
    if over > index:
        have = f"{index} layer{'' if index == 1 else 's'}"
        raise SpecError(
            where, f"skip over {over} layers needs {over} layers before it; it has {have}"
        )
    start, end = inputs[index - over], inputs[index]
    if start != end:
        raise SpecError(
            where,
            f"skip adds the input of layer {index - over + 1} ({_describe(start)}) to the output "
            f"of layer {index} ({_describe(end)}); the shapes must match",
        )
    first = index - over + 1
    note = (
        f"adds layer {first}'s input"
        if over == 1
        else f"adds layer {first}'s input to layer {index}'s output"
    )
    return blocks.Skip(over), end, note


def _recurrent(layer: RNN | LSTM | GRU, shape: Shape, where: str, mi: ModelInput) -> Built:
    steps, features = shape
    cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[layer.type]
    rnn = cls(
        features,
        layer.hidden,
        num_layers=layer.layers,
        batch_first=True,
        bidirectional=layer.bidirectional,
    )
    blocks.init_recurrent(rnn, layer.init, layer.init_value)
    width = layer.hidden * (2 if layer.bidirectional else 1)
    out = (steps, width) if layer.return_sequence else (width,)
    return blocks.RecurrentBlock(rnn, layer.return_sequence), out, ""


def _embedding(layer: Embedding, shape: Shape, where: str, mi: ModelInput) -> Built:
    return nn.Embedding(mi.vocab_size, layer.dim), (shape[0], layer.dim), f"{mi.vocab_size} tokens"


def _attention(layer: Attention, shape: Shape, where: str, mi: ModelInput) -> Built:
    steps, features = shape
    if features % layer.heads:
        raise SpecError(
            where,
            f"{layer.heads} heads do not divide the {features} features; "
            "pick a number of heads that does",
        )
    if layer.positional == "sinusoidal" and features % 2:
        raise SpecError(where, f"sinusoidal positions need an even feature size, not {features}")
    temperature = 1.0 if layer.temperature is None else layer.temperature
    module = blocks.SelfAttention(
        features, layer.heads, steps, layer.positional, layer.causal, temperature
    )
    return module, shape, ""


LAYER_BUILDERS: dict[type, Callable[..., Built]] = {
    Dense: _dense,
    Conv2d: _conv2d,
    MaxPool2d: _pool,
    AvgPool2d: _pool,
    GlobalMaxPool: _global_max_pool,
    Upsample: _upsample,
    Flatten: _flatten,
    Reshape: _reshape,
    Dropout: _dropout,
    BatchNorm: _batchnorm,
    LayerNorm: _layernorm,
    ActivationLayer: _activation,
    RNN: _recurrent,
    LSTM: _recurrent,
    GRU: _recurrent,
    Embedding: _embedding,
    Attention: _attention,
}
