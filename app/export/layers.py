"""One writer per spec layer type: the line of PyTorch that builds it in the exported script.

A writer reads the module the project built for the layer (app/nn/build.py), so the written
layer has the same sizes, padding and attribute names, and the trained weights load into it
by name. A layer type with no writer here cannot be exported: `ExportError` names it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

from app.nn import blocks
from app.spec import Layer


class ExportError(ValueError):
    """The run cannot be written out as a script; `field` names the part of the spec at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# Activation name -> the module that computes it.
ACTIVATION_CODE: dict[str, str] = {
    "relu": "nn.ReLU()",
    "leaky_relu": "nn.LeakyReLU()",
    "elu": "nn.ELU()",
    "gelu": "nn.GELU()",
    "silu": "nn.SiLU()",
    "softplus": "nn.Softplus()",
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "linear": "nn.Identity()",
}
GAINS = {"relu": "relu", "leaky_relu": "leaky_relu", "tanh": "tanh", "sigmoid": "sigmoid"}


@dataclass
class Written:
    """A layer as code: the expression that builds it, the helpers it needs, and (for a
    non-default init) the statement that re-initialises it once built. A skip has no module
    (its expression is ""): `over` > 0 says the forward pass adds back the input of the
    layer `over` places before it."""

    expression: str
    helpers: tuple[str, ...] = ()
    init: str = ""
    over: int = 0


def dense(layer: Layer, module: nn.Module, name: str) -> Written:
    assert isinstance(module, blocks.DenseBlock)
    linear = module.linear
    activation = getattr(layer, "activation", "linear")
    code = (
        f"Dense({linear.in_features}, {linear.out_features}, {ACTIVATION_CODE[activation]}, "
        f"flatten={module.flatten})"
    )
    return _with_init(Written(code, ("Dense",)), layer, f"self.{name}.linear", activation)


def conv2d(layer: Layer, module: nn.Module, name: str) -> Written:
    assert isinstance(module, blocks.ConvBlock)
    c = module.conv
    conv = (
        f"nn.Conv2d({c.in_channels}, {c.out_channels}, {c.kernel_size[0]}, "
        f"stride={c.stride[0]}, padding={c.padding[0]})"  # type: ignore[index]
    )
    pad = ""
    if isinstance(module.pad, nn.ZeroPad2d):
        pad = f", pad=nn.ZeroPad2d({tuple(module.pad.padding)})"
    activation = getattr(layer, "activation", "linear")
    code = f"Conv({conv}, {ACTIVATION_CODE[activation]}{pad})"
    return _with_init(Written(code, ("Conv",)), layer, f"self.{name}.conv", activation)


def pool(layer: Layer, module: nn.Module, name: str) -> Written:
    assert isinstance(module, (nn.MaxPool2d, nn.AvgPool2d))
    return Written(f"nn.{type(module).__name__}({module.kernel_size}, {module.stride})")


def global_max_pool(layer: Layer, module: nn.Module, name: str) -> Written:
    return Written("GlobalMaxPool()", ("GlobalMaxPool",))


def upsample(layer: Layer, module: nn.Module, name: str) -> Written:
    assert isinstance(module, nn.Upsample)
    return Written(f"nn.Upsample(scale_factor={module.scale_factor})")


def flatten(layer: Layer, module: nn.Module, name: str) -> Written:
    return Written("nn.Flatten()")


def reshape(layer: Layer, module: nn.Module, name: str) -> Written:
    assert isinstance(module, blocks.Reshape)
    return Written(f"Reshape({tuple(module.shape)})", ("Reshape",))


def dropout(layer: Layer, module: nn.Module, name: str) -> Written:
    assert isinstance(module, nn.Dropout)
    return Written(f"nn.Dropout({module.p})")


def batchnorm(layer: Layer, module: nn.Module, name: str) -> Written:
    if isinstance(module, blocks.SequenceBatchNorm):
        return Written(f"SequenceBatchNorm({module.norm.num_features})", ("SequenceBatchNorm",))
    assert isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d))
    return Written(f"nn.{type(module).__name__}({module.num_features})")


def layernorm(layer: Layer, module: nn.Module, name: str) -> Written:
    assert isinstance(module, nn.LayerNorm)
    return Written(f"nn.LayerNorm({list(module.normalized_shape)})")


def recurrent(layer: Layer, module: nn.Module, name: str) -> Written:
    assert isinstance(module, blocks.RecurrentBlock)
    r = module.rnn
    rnn = (
        f"nn.{type(r).__name__}({r.input_size}, {r.hidden_size}, num_layers={r.num_layers}, "
        f"batch_first=True, bidirectional={r.bidirectional})"
    )
    code = f"Recurrent({rnn}, return_sequence={module.return_sequence})"
    written = Written(code, ("Recurrent",))
    init, value = getattr(layer, "init", "default"), getattr(layer, "init_value", None)
    if init != "default":  # gate by gate, as blocks.init_recurrent does
        written.helpers += ("init_tensor", "init_recurrent")
        written.init = f'init_recurrent(self.{name}.rnn, "{init}", {value!r})'
    return written


def embedding(layer: Layer, module: nn.Module, name: str) -> Written:
    assert isinstance(module, nn.Embedding)
    return Written(f"nn.Embedding({module.num_embeddings}, {module.embedding_dim})")


def attention(layer: Layer, module: nn.Module, name: str) -> Written:
    assert isinstance(module, blocks.SelfAttention)
    heads, positional = getattr(layer, "heads", 1), getattr(layer, "positional", "none")
    features = module.attn.embed_dim
    steps = 0 if module.position is None else module.position.shape[0]
    if positional != "none" and not steps:
        raise ExportError(name, "attention positions without a table cannot be written out")
    if module.temperature != 1:
        raise ExportError(name, "an evaluation temperature other than 1 cannot be written out yet")
    code = f'SelfAttention({features}, {heads}, {steps}, "{positional}", causal={module.causal})'
    return Written(code, ("SelfAttention",))


def activation_layer(layer: Layer, module: nn.Module, name: str) -> Written:
    assert isinstance(module, blocks.ActivationBlock)
    return Written(ACTIVATION_CODE[getattr(layer, "activation", "relu")])


def skip(layer: Layer, module: nn.Module, name: str) -> Written:
    assert isinstance(module, blocks.Skip)
    return Written("", over=module.over)  # no parameters: the forward pass does the sum


def init_statement(target: str, init: str, activation: str, value: float | None) -> str:
    """The statement that re-initialises the linear or conv layer `target` (code), as
    blocks.init_weights does; "" for torch's default."""
    if init == "default":
        return ""
    gain = GAINS.get(activation, "linear")
    return f'init_weights({target}, "{init}", "{gain}", {value!r})'


def _with_init(written: Written, layer: Layer, target: str, activation: str) -> Written:
    init, value = getattr(layer, "init", "default"), getattr(layer, "init_value", None)
    written.init = init_statement(target, init, activation, value)
    if written.init:
        written.helpers += ("init_tensor", "init_weights")
    return written


WRITERS: dict[str, Callable[[Layer, nn.Module, str], Written]] = {
    "dense": dense,
    "conv2d": conv2d,
    "maxpool2d": pool,
    "avgpool2d": pool,
    "globalmaxpool": global_max_pool,
    "upsample": upsample,
    "flatten": flatten,
    "reshape": reshape,
    "dropout": dropout,
    "batchnorm": batchnorm,
    "layernorm": layernorm,
    "activation": activation_layer,
    "skip": skip,
    "rnn": recurrent,
    "lstm": recurrent,
    "gru": recurrent,
    "embedding": embedding,
    "attention": attention,
}


def write_layer(layer: Layer, module: nn.Module, index: int) -> Written:
    """The code for hidden layer `index`; ExportError naming the type when none can be."""
    writer = WRITERS.get(layer.type)
    if writer is None:
        raise ExportError(
            f"model.layers.{index}",
            f"layer type '{layer.type}' cannot be written out as PyTorch code yet; "
            f"the exportable types are {', '.join(sorted(WRITERS))}",
        )
    return writer(layer, module, f"{layer.type}{index}")
