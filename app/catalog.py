"""The registries: every dataset, layer type, activation, initializer, optimizer, schedule
and loss, with each parameter's type, default, bounds and a one-line description.

The validator (pydantic models in app/spec.py), the model builder (app/nn), the trainer
(app/train) and `GET /api/catalog` all read these names; tests check they agree, so adding
a layer type is one spec model plus its builder.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel

from app.data import DATASETS
from app.data.gan import GAN_SETS
from app.settings import DEFAULT_LIMITS, Limits
from app.spec import (
    FEATURES,
    LAYER_TYPES,
    SPEC_VERSION,
    DataSpec,
    EarlyStopping,
    ExperimentSpec,
    GanNet,
    GanSpec,
    ModelSpec,
    TrainSpec,
)
from app.views import views_of_layer

ACTIVATIONS: dict[str, str] = {
    "relu": "max(0, x): fast, but a unit stuck below zero stops learning (dead ReLU).",
    "leaky_relu": "Like ReLU with a small slope (0.01) below zero, so no unit dies.",
    "elu": "Smooth ReLU that goes to -1 below zero.",
    "gelu": "Smooth ReLU used by Transformers.",
    "silu": "x * sigmoid(x), also called swish.",
    "softplus": "log(1 + e^x): a smooth ReLU that is never exactly zero, so no unit dies.",
    "sigmoid": "Squashes to (0, 1); saturates, so gradients vanish in deep nets.",
    "tanh": "Squashes to (-1, 1); zero-centred, saturates at the ends.",
    "linear": "No non-linearity: stacked linear layers stay one linear map.",
}

INITIALIZERS: dict[str, str] = {
    "default": "PyTorch's default (Kaiming-uniform with a=sqrt(5)).",
    "zeros": "All weights and biases zero: every neuron stays the same (the symmetry lesson).",
    "constant": "Every weight equal to init_value; biases zero: as symmetric as zeros.",
    "normal": "Normal with mean 0 and standard deviation init_value; biases zero.",
    "uniform": "Uniform on [-init_value, init_value]; biases zero.",
    "xavier": "Glorot/Xavier uniform, scaled for the activation; biases zero.",
    "he": "He/Kaiming normal, std sqrt(2 / fan-in), for ReLU nets; biases zero.",
}

OPTIMIZERS: dict[str, dict[str, Any]] = {
    "sgd": {
        "label": "SGD",
        "description": "Stochastic gradient descent, with optional (Nesterov) momentum.",
        "params": ["lr", "momentum", "nesterov", "weight_decay"],
    },
    "adam": {
        "label": "Adam",
        "description": "Adaptive moments: a per-weight step size from gradient averages.",
        "params": ["lr", "beta1", "beta2", "weight_decay"],
    },
    "adamw": {
        "label": "AdamW",
        "description": "Adam with decoupled weight decay.",
        "params": ["lr", "beta1", "beta2", "weight_decay"],
    },
    "rmsprop": {
        "label": "RMSprop",
        "description": "Divides by a running average of squared gradients.",
        "params": ["lr", "momentum", "weight_decay"],
    },
    "adagrad": {
        "label": "Adagrad",
        "description": "Step sizes shrink with the sum of past squared gradients.",
        "params": ["lr", "weight_decay"],
    },
}

SCHEDULES: dict[str, dict[str, Any]] = {
    "constant": {"description": "The same learning rate throughout.", "params": []},
    "step": {
        "description": "Multiply by lr_gamma every lr_period epochs.",
        "params": ["lr_gamma", "lr_period"],
    },
    "cosine": {
        "description": "Anneal to zero along a cosine over lr_period epochs, then restart.",
        "params": ["lr_period"],
    },
    "exponential": {"description": "Multiply by lr_gamma every epoch.", "params": ["lr_gamma"]},
}

LOSSES: dict[str, dict[str, Any]] = {
    "auto": {
        "description": "Follow the task: BCE for binary, cross-entropy for classes, MSE "
        "for regression.",
        "tasks": ["binary", "multiclass", "regression"],
    },
    "mse": {
        "description": "Mean squared error; for classes, between the softmax output and the "
        "one-hot target.",
        "tasks": ["binary", "multiclass", "regression"],
    },
    "huber": {
        "description": "Squared error near zero, absolute error far away (robust).",
        "tasks": ["binary", "regression"],
    },
    "bce": {"description": "Binary cross-entropy on a sigmoid output.", "tasks": ["binary"]},
    "cross_entropy": {"description": "Cross-entropy on a softmax output.", "tasks": ["multiclass"]},
}

OUTPUTS: dict[str, str] = {
    "binary": "1 unit, sigmoid, binary cross-entropy",
    "multiclass": "one unit per class, softmax, cross-entropy",
    "regression": "one unit per target, linear, mean squared error",
}

_BOUNDS = {
    Ge: ("min", "ge"),
    Gt: ("exclusive_min", "gt"),
    Le: ("max", "le"),
    Lt: ("exclusive_max", "lt"),
    MinLen: ("min_items", "min_length"),
    MaxLen: ("max_items", "max_length"),
}


def describe_fields(model: type[BaseModel], skip: tuple[str, ...] = ("type",)) -> dict[str, Any]:
    """Each field of a spec model: type, default, bounds, choices and description."""
    out = {}
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        entry: dict[str, Any] = {
            "type": _type_name(info.annotation),
            "description": info.description or "",
        }
        if _nullable(info.annotation):
            entry["nullable"] = True
        if info.is_required():
            entry["required"] = True
        else:
            default = info.get_default(call_default_factory=True)
            entry["default"] = default.model_dump() if isinstance(default, BaseModel) else default
        for meta in info.metadata:
            for cls, (key, attr) in _BOUNDS.items():
                if isinstance(meta, cls):
                    entry[key] = getattr(meta, attr)
        choices = _choices(info.annotation)
        if choices:
            entry["choices"] = choices
        pattern = _pattern(info.annotation)
        if pattern:
            entry["pattern"] = pattern
        entry |= _item_bounds(info.annotation)
        out[name] = entry
    return out


def _item_bounds(annotation: Any) -> dict[str, Any]:
    """A list field's bounds on each item (list[Annotated[int, Field(ge=1)]]): item_min..."""
    if typing.get_origin(annotation) is not list:
        return {}
    (item,) = typing.get_args(annotation)
    found = {}
    for meta in getattr(item, "__metadata__", ()):
        for bound in (meta, *getattr(meta, "metadata", ())):  # a Field(...) holds its bounds
            for cls, (key, attr) in _BOUNDS.items():
                if isinstance(bound, cls):
                    found[f"item_{key}"] = getattr(bound, attr)
    return found


def _pattern(annotation: Any) -> str | None:
    """A string field's regular expression, also inside Optional[Annotated[str, ...]]."""
    for arg in typing.get_args(annotation):
        for meta in getattr(arg, "__metadata__", ()):
            for inner in getattr(meta, "metadata", ()):
                if getattr(inner, "pattern", None):
                    return str(inner.pattern)
    return None


def _choices(annotation: Any) -> list[Any]:
    for arg in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(arg) is typing.Literal:
            return list(typing.get_args(arg))
    return []


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return "choice"
    if origin is list:
        return "list"
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if args:  # Optional[X] or Annotated[X, ...]
        return _type_name(args[0])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "object"
    return getattr(annotation, "__name__", str(annotation)).lower()


def _nullable(annotation: Any) -> bool:
    return type(None) in typing.get_args(annotation)


# The layer types the page offers for each kind of data, in its menu's order (the validator
# says why any other fails).
LAYER_MENUS: dict[str, list[str]] = {
    "points": ["dense", "dropout", "batchnorm", "layernorm", "activation", "skip"],
    "table": ["dense", "dropout", "batchnorm", "layernorm", "activation", "skip"],
    "image": [
        "conv2d", "maxpool2d", "avgpool2d", "globalmaxpool", "dense", "dropout", "batchnorm",
        "flatten", "activation", "skip",
    ],
    "sequence": [
        "rnn", "lstm", "gru", "attention", "dense", "dropout", "layernorm", "activation", "skip",
    ],
    "tokens": [
        "embedding", "rnn", "lstm", "gru", "attention", "dense", "dropout", "layernorm",
        "activation", "skip",
    ],
}  # fmt: skip
# The GAN page's menus: layer types for each kind of data and each side.
GAN_LAYER_MENUS: dict[str, dict[str, list[str]]] = {
    "points": {
        "generator": ["dense", "dropout", "batchnorm", "layernorm"],
        "discriminator": ["dense", "dropout", "batchnorm", "layernorm"],
    },
    "image": {
        "generator": ["dense", "reshape", "upsample", "conv2d", "batchnorm", "dropout"],
        "discriminator": [
            "conv2d", "maxpool2d", "avgpool2d", "dense", "dropout", "batchnorm", "flatten",
        ],
    },
}  # fmt: skip
SPEC_PARTS = ("version", "kind", "description", "data", "model", "train", "gan")


def build_catalog(limits: Limits) -> dict[str, Any]:
    """Everything the page needs to build its controls, in one JSON-ready document."""
    return {
        "version": SPEC_VERSION,
        "limits": limits.model_dump(),
        "datasets": {name: _dataset_entry(info) for name, info in DATASETS.items()},
        "features": FEATURES,
        "layers": {
            model.model_fields["type"].default: {
                "description": (model.__doc__ or "").strip(),
                "params": describe_fields(model),
                "views": views_of_layer(model.model_fields["type"].default),
            }
            for model in LAYER_TYPES
        },
        "activations": ACTIVATIONS,
        "initializers": INITIALIZERS,
        "optimizers": OPTIMIZERS,
        "schedules": SCHEDULES,
        "losses": LOSSES,
        "outputs": OUTPUTS,
        "layer_menus": LAYER_MENUS,
        "model_params": describe_fields(ModelSpec, skip=("layers",)),
        "spec_params": describe_fields(ExperimentSpec, skip=SPEC_PARTS),
        "data_params": describe_fields(DataSpec, skip=()),
        "train_params": describe_fields(TrainSpec, skip=()),
        "early_stopping_params": describe_fields(EarlyStopping, skip=()),
        "spec_defaults": ExperimentSpec().model_dump(),
        "gan": {
            "datasets": {
                name: {
                    "label": entry.label,
                    "description": entry.description,
                    "input_kind": entry.input_kind,
                }
                for name, entry in GAN_SETS.items()
            },
            "params": describe_fields(GanSpec, skip=("generator", "discriminator")),
            "layer_menus": GAN_LAYER_MENUS,
            "net_params": describe_fields(GanNet, skip=("layers",)),
            "losses": GAN_LOSSES,
            "spec_defaults": GAN_EXAMPLE.model_dump(exclude={"model", "train"}),
        },
    }


GAN_LOSSES = {
    "non_saturating": {
        "label": "non-saturating",
        "description": "the generator maximizes log D(G(z)): the same goal with strong "
        "gradients early (the usual choice)",
    },
    "classic": {
        "label": "classic (minimax)",
        "description": "the minimax game: the generator minimizes log(1 - D(G(z))); its "
        "gradient vanishes while the discriminator rejects every fake",
    },
    "least_squares": {
        "label": "least squares (LSGAN)",
        "description": "LSGAN: squared distances of the discriminator's output to 1 (real) "
        "and 0 (fake)",
    },
}
GAN_EXAMPLE = ExperimentSpec.model_validate(
    {"kind": "gan", "data": {"dataset": "gaussians8"}, "gan": GanSpec().model_dump()}
)


def _dataset_entry(info: Any) -> dict[str, Any]:
    return {k: v for k, v in dataclasses.asdict(info).items() if not callable(v)}


if __name__ == "__main__":  # the page's schema as the server serves it (tests/js/catalog.json)
    import json

    print(json.dumps(build_catalog(DEFAULT_LIMITS), indent=1))
