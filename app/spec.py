"""The ExperimentSpec: the one JSON contract every part of the product shares.

The same document is the websocket `start` message, the URL state, the CLI's input file
and the source of code export. Every number has explicit bounds (from `DEFAULT_LIMITS`),
unknown keys are refused, and NaN/Infinity are rejected everywhere.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.settings import DEFAULT_LIMITS as L

SPEC_VERSION = 1


class StrictModel(BaseModel):
    """Refuses unknown keys and non-finite floats; the base of every spec model."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, validate_assignment=True)


Feature = Literal["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
FEATURES: dict[str, str] = {
    "x1": "the first coordinate",
    "x2": "the second coordinate",
    "x1^2": "the first coordinate squared",
    "x2^2": "the second coordinate squared",
    "x1*x2": "the product of the coordinates",
    "sin(x1)": "the sine of the first coordinate",
    "sin(x2)": "the sine of the second coordinate",
}


MAX_SHIFT = 3  # pixels an image may move, for augmentation and the shifted test set


class DataSpec(StrictModel):
    """Which dataset, and how to generate or cut it. Fields a dataset does not use are ignored
    by it; `null` means the dataset's own default (see the catalog)."""

    dataset: str = Field("circle", description="Dataset name from the catalog.")
    n_samples: int | None = Field(
        None, ge=10, le=L.max_samples, description="Examples to generate, or at most to load."
    )
    noise: float = Field(0.0, ge=0.0, le=1.0, description="Noise level, 0 (none) to 1 (a lot).")
    val_fraction: float | None = Field(
        None, ge=0.05, le=0.9, description="Fraction of the examples held out for validation."
    )
    flip: float = Field(
        0.0,
        ge=0.0,
        le=0.5,
        description="Classification only: fraction of the labels, training and validation "
        "alike, changed to another class at random (label noise).",
    )
    features: list[Feature] = Field(
        default_factory=lambda: list[Feature](["x1", "x2"]),
        min_length=1,
        max_length=len(FEATURES),
        description="Input features computed from 2-D points (TensorFlow Playground's).",
    )

    @field_validator("features")
    @classmethod
    def _features_unique(cls, features: list[str]) -> list[str]:
        if len(set(features)) != len(features):
            raise ValueError("each feature may appear only once")
        return features

    normalize: bool | None = Field(
        None,
        description="2-D points and CSV data: standardise each input feature to mean 0 and "
        "standard deviation 1, with the training split's statistics; null: the dataset's "
        "default (off for points, on for CSV).",
    )
    n_classes: int = Field(2, ge=2, le=4, description="Classes, for 2-D classification data.")
    seq_len: int | None = Field(
        None, ge=2, le=L.max_seq_len, description="Sequence (window) length, sequence data only."
    )
    file: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\.csv$")] | None = Field(
        None, description="CSV data only: the uploaded file's name in the data directory."
    )
    target: str | None = Field(
        None, min_length=1, max_length=100, description="CSV data only: the target column."
    )
    task: Literal["auto", "binary", "multiclass", "regression"] = Field(
        "auto", description="CSV data only: the task, inferred from the target when 'auto'."
    )
    points: (
        list[tuple[Annotated[float, Field(ge=-10, le=10)], Annotated[float, Field(ge=-10, le=10)]]]
        | None
    ) = Field(
        None,
        min_length=3,
        max_length=L.max_drawn_points,
        description="GAN data 'drawn' only: the points a person drew, as [x, y] pairs; the "
        "real samples are drawn around them.",
    )
    augment: int = Field(
        0,
        ge=0,
        le=MAX_SHIFT,
        description="Image data only: data augmentation. Each training batch's images move by "
        "a random whole number of pixels, up to this many in each direction (zeros fill "
        "in), drawn anew every step; validation and test images stay as they are. 0: off.",
    )
    test_fraction: float | None = Field(
        None,
        ge=0.05,
        le=0.5,
        description="digits and mnist only: the share of the examples held out as a test "
        "set, apart from training and validation: never trained on, never shown while "
        "training, for a figure measured once at the end (the validation examples stay the "
        "same with or without it; label noise, flip, leaves it alone). null: no test set.",
    )
    test_shift: int = Field(
        0,
        ge=0,
        le=MAX_SHIFT,
        description="With a test set: each test image moved by a random whole number of "
        "pixels, up to this many in each direction (zeros fill in), drawn once from the seed.",
    )

    @model_validator(mode="after")
    def _test_shift_needs_a_test_set(self) -> DataSpec:
        if self.test_shift and self.test_fraction is None:
            raise ValueError("test_shift: shifts the test set, so it needs test_fraction")
        return self


# --- Layers: a discriminated union on `type`; each class's docstring is its catalog entry. ---

Activation = Literal[
    "relu", "leaky_relu", "elu", "gelu", "silu", "softplus", "sigmoid", "tanh", "linear"
]
Init = Literal["default", "zeros", "constant", "normal", "uniform", "xavier", "he"]
INIT_VALUE_MAX = 10.0  # far beyond any useful weight scale, still finite in float32 sums

ActivationField = Annotated[
    Activation, Field(description="Non-linearity applied to the layer's output.")
]
InitField = Annotated[
    Init,
    Field(
        description="How the weights start: PyTorch's default, zeros (every neuron the same: "
        "the symmetric-weights lesson), constant, normal, uniform, xavier or he; biases start "
        "at zero for all but default."
    ),
]
InitValueField = Annotated[
    float | None,
    Field(
        ge=-INIT_VALUE_MAX,
        le=INIT_VALUE_MAX,
        validate_default=True,  # so a missing value is caught for the inits that need one
        description="The init's parameter: constant's value, normal's standard deviation, "
        "uniform's a (weights in [-a, a]); null for the other inits, which ignore it.",
    ),
]
# What init_value means to each init that needs one.
INIT_VALUE_MEANS = {"constant": "value", "normal": "standard deviation", "uniform": "bound a"}


def check_init_value(
    value: float | None, init: str | None, field: str = "init value"
) -> float | None:
    """constant, normal and uniform need their value; a spread (normal's std, uniform's a)
    must be above zero."""
    if init not in INIT_VALUE_MEANS:
        return value
    if value is None:
        raise ValueError(f"{field} is missing: the {init} init needs its {INIT_VALUE_MEANS[init]}")
    if init != "constant" and value <= 0:
        raise ValueError(f"{field} must be more than 0 for the {init} init")
    return value


class _InitValue(StrictModel):
    """Checks `init_value` against `init` (declared before it in each layer)."""

    @field_validator("init_value", check_fields=False)
    @classmethod
    def _value_fits_init(cls, value: float | None, info: ValidationInfo) -> float | None:
        return check_init_value(value, info.data.get("init"))


class Dense(_InitValue):
    """Fully connected layer; flattens a multi-dimensional input first."""

    type: Literal["dense"] = "dense"
    units: int = Field(8, ge=1, le=L.max_units, description="Neurons in the layer.")
    activation: ActivationField = "relu"
    init: InitField = "default"
    init_value: InitValueField = None


class Conv2d(_InitValue):
    """2-D convolution over an image (channels x height x width)."""

    type: Literal["conv2d"] = "conv2d"
    filters: int = Field(8, ge=1, le=L.max_filters, description="Output channels (feature maps).")
    kernel: int = Field(3, ge=1, le=L.max_kernel, description="Kernel size in pixels (square).")
    stride: int = Field(1, ge=1, le=L.max_stride, description="Step between kernel positions.")
    padding: Literal["same", "valid"] = Field(
        "same", description="'same' keeps the size (stride 1), 'valid' uses no padding."
    )
    activation: ActivationField = "relu"
    init: InitField = "default"
    init_value: InitValueField = None


class MaxPool2d(StrictModel):
    """Keeps the largest value in each window of an image."""

    type: Literal["maxpool2d"] = "maxpool2d"
    kernel: int = Field(2, ge=1, le=L.max_kernel, description="Window size (square).")
    stride: int | None = Field(
        None, ge=1, le=L.max_kernel, description="Step between windows; null: the kernel size."
    )


class AvgPool2d(StrictModel):
    """Averages each window of an image."""

    type: Literal["avgpool2d"] = "avgpool2d"
    kernel: int = Field(2, ge=1, le=L.max_kernel, description="Window size (square).")
    stride: int | None = Field(
        None, ge=1, le=L.max_kernel, description="Step between windows; null: the kernel size."
    )


class GlobalMaxPool(StrictModel):
    """Keeps each channel's largest value over the whole image: (C, H, W) -> C values, so the
    layers after it know what was found, not where."""

    type: Literal["globalmaxpool"] = "globalmaxpool"


class Upsample(StrictModel):
    """Repeats each pixel scale x scale times (nearest neighbour): how a generator grows a
    small image into a big one before a convolution smooths it."""

    type: Literal["upsample"] = "upsample"
    scale: int = Field(2, ge=2, le=4, description="Factor by which height and width grow.")


class Flatten(StrictModel):
    """Turns any input into one long vector (inserted automatically before dense layers)."""

    type: Literal["flatten"] = "flatten"


class Reshape(StrictModel):
    """Rearranges the values of each example into a new shape with the same size."""

    type: Literal["reshape"] = "reshape"
    shape: list[Annotated[int, Field(ge=1, le=100_000)]] = Field(
        ..., min_length=1, max_length=3, description="The new shape, without the batch."
    )


class Dropout(StrictModel):
    """Zeroes a random fraction of its inputs while training (regularization)."""

    type: Literal["dropout"] = "dropout"
    p: float = Field(0.2, ge=0.0, le=0.95, description="Probability of dropping each value.")


class BatchNorm(StrictModel):
    """Normalizes each feature or channel over the batch (1-D or 2-D chosen by the input)."""

    type: Literal["batchnorm"] = "batchnorm"


class LayerNorm(StrictModel):
    """Normalizes each example over its features."""

    type: Literal["layernorm"] = "layernorm"


class ActivationLayer(StrictModel):
    """A non-linearity on its own, so a layer can be normalised before it (dense with a
    linear activation, batch norm, then relu)."""

    type: Literal["activation"] = "activation"
    activation: ActivationField = "relu"


class Skip(StrictModel):
    """A residual (skip) connection: adds the input of the `over` layers before it to their
    output, so they learn a change to their input and gradients reach early layers through
    the sum. Their input and output must have the same shape."""

    type: Literal["skip"] = "skip"
    over: int = Field(
        2, ge=1, le=L.max_layers, description="How many layers back the skipped input starts."
    )


class _Recurrent(_InitValue):
    hidden: int = Field(32, ge=1, le=L.max_hidden, description="Units in the hidden state.")
    layers: int = Field(1, ge=1, le=L.max_recurrent_layers, description="Stacked layers.")
    bidirectional: bool = Field(False, description="Also read the sequence backwards.")
    return_sequence: bool = Field(
        False, description="Output every time step (true) or only the last state (false)."
    )
    init: InitField = "default"
    init_value: InitValueField = None


class RNN(_Recurrent):
    """Plain (Elman) recurrent layer with a tanh state."""

    type: Literal["rnn"] = "rnn"


class LSTM(_Recurrent):
    """Long short-term memory: gated recurrence that keeps information over long spans."""

    type: Literal["lstm"] = "lstm"


class GRU(_Recurrent):
    """Gated recurrent unit: a lighter gated recurrence."""

    type: Literal["gru"] = "gru"


class Embedding(StrictModel):
    """Maps each token id to a learned vector (text input)."""

    type: Literal["embedding"] = "embedding"
    dim: int = Field(16, ge=1, le=L.max_embedding_dim, description="Size of each token's vector.")


class Attention(StrictModel):
    """Multi-head self-attention over a sequence, with a residual connection."""

    type: Literal["attention"] = "attention"
    heads: int = Field(
        2, ge=1, le=L.max_heads, description="Attention heads; must divide the feature size."
    )
    positional: Literal["none", "sinusoidal", "learned"] = Field(
        "sinusoidal", description="Position information added to the input."
    )
    causal: bool = Field(False, description="Each step attends only to itself and earlier steps.")
    temperature: float | None = Field(
        None,
        ge=0.05,
        le=20.0,
        description="Divides the attention scores before the softmax when the network is "
        "evaluated (views, metrics, predictions): below 1 sharpens, above 1 flattens; "
        "training always uses 1. null: 1.",
    )


Layer = Annotated[
    Dense
    | Conv2d
    | MaxPool2d
    | AvgPool2d
    | GlobalMaxPool
    | Upsample
    | Flatten
    | Reshape
    | Dropout
    | BatchNorm
    | LayerNorm
    | ActivationLayer
    | Skip
    | RNN
    | LSTM
    | GRU
    | Embedding
    | Attention,
    Field(discriminator="type"),
]
LAYER_TYPES: tuple[type[StrictModel], ...] = (
    Dense,
    Conv2d,
    MaxPool2d,
    AvgPool2d,
    GlobalMaxPool,
    Upsample,
    Flatten,
    Reshape,
    Dropout,
    BatchNorm,
    LayerNorm,
    ActivationLayer,
    Skip,
    RNN,
    LSTM,
    GRU,
    Embedding,
    Attention,
)


class ModelSpec(StrictModel):
    """The hidden layers; the output layer is implied by the task."""

    layers: list[Layer] = Field(
        default_factory=lambda: list[Layer](
            [Dense(units=4, activation="tanh"), Dense(units=2, activation="tanh")]
        ),
        max_length=L.max_layers,
        description="Hidden layers, input to output.",
    )
    output_init: InitField = "default"
    output_init_value: InitValueField = None

    @field_validator("output_init_value")
    @classmethod
    def _output_value_fits_init(cls, value: float | None, info: ValidationInfo) -> float | None:
        return check_init_value(value, info.data.get("output_init"), "output init value")


# --- Training ---

Optimizer = Literal["sgd", "adam", "adamw", "rmsprop", "adagrad"]
Schedule = Literal["constant", "step", "cosine", "exponential"]
Loss = Literal["auto", "mse", "huber", "bce", "cross_entropy"]


class EarlyStopping(StrictModel):
    """Stop when the validation loss has not improved for `patience` epochs."""

    patience: int = Field(10, ge=1, le=L.max_patience, description="Epochs without improvement.")
    min_delta: float = Field(0.0, ge=0.0, le=1.0, description="Smallest change that counts.")
    restore_best: bool = Field(True, description="Go back to the best weights when stopping.")


class TrainSpec(StrictModel):
    """How to train. lr, optimizer and its parameters, regularization, dropout and batch size
    may also change live, between steps."""

    optimizer: Optimizer = Field("sgd", description="Optimizer name from the catalog.")
    lr: float = Field(0.03, gt=0.0, le=L.max_lr, description="Learning rate.")
    momentum: float = Field(0.0, ge=0.0, le=0.999, description="SGD and RMSprop momentum.")
    nesterov: bool = Field(False, description="SGD only: Nesterov momentum (needs momentum > 0).")
    beta1: float = Field(0.9, ge=0.0, lt=1.0, description="Adam/AdamW first-moment decay.")
    beta2: float = Field(0.999, ge=0.0, lt=1.0, description="Adam/AdamW second-moment decay.")
    weight_decay: float = Field(0.0, ge=0.0, le=1.0, description="L2 regularization rate.")
    l1: float = Field(0.0, ge=0.0, le=1.0, description="L1 regularization rate.")
    loss: Loss = Field("auto", description="Loss; 'auto' follows the task.")
    grad_clip: float | None = Field(
        None, gt=0.0, le=1000.0, description="Clip the gradients' total norm to this; null: never."
    )
    batch_size: int = Field(10, ge=1, le=L.max_batch_size, description="Examples per step.")
    max_epochs: int | None = Field(
        None, ge=1, le=L.max_epochs, description="Stop after this many epochs; null: never."
    )
    lr_schedule: Schedule = Field("constant", description="How the learning rate changes.")
    lr_gamma: float = Field(
        0.5, gt=0.0, le=1.0, description="step: factor every period; exponential: per epoch."
    )
    lr_period: int = Field(
        10,
        ge=1,
        le=L.max_epochs,
        description="Epochs per step (step) or per cosine cycle (cosine, then restarts).",
    )
    early_stopping: EarlyStopping | None = Field(None, description="Early stopping on val loss.")

    @model_validator(mode="after")
    def _nesterov_needs_momentum(self) -> TrainSpec:
        if self.nesterov and (self.optimizer != "sgd" or self.momentum <= 0):
            raise ValueError("nesterov needs optimizer 'sgd' with momentum > 0")
        return self


# --- Generative adversarial networks (kind "gan") ---

GanOptimizer = Literal["sgd", "adam", "rmsprop"]
GanLoss = Literal["classic", "non_saturating", "least_squares"]
TrainOnly = Literal["both", "discriminator", "generator"]


class GanNet(StrictModel):
    """One of the two networks: its hidden layers (the layer catalog) and its optimizer.
    The generator's output layer is implied by the data (2 values, or an image with sigmoid
    pixels); the discriminator's is one logit."""

    layers: list[Layer] = Field(
        default_factory=lambda: list[Layer]([Dense(units=32, activation="leaky_relu")] * 2),
        max_length=L.max_layers,
        description="Hidden layers, input to output.",
    )
    optimizer: GanOptimizer = Field("adam", description="Optimizer name.")
    lr: float = Field(1e-3, gt=0.0, le=L.max_lr, description="Learning rate.")
    beta1: float = Field(0.5, ge=0.0, lt=1.0, description="Adam's first-moment decay.")
    beta2: float = Field(0.999, ge=0.0, lt=1.0, description="Adam's second-moment decay.")
    momentum: float = Field(0.0, ge=0.0, le=0.999, description="SGD and RMSprop momentum.")


class GanSpec(StrictModel):
    """A generator turns random latent vectors into samples; a discriminator tells them from
    real ones. One training step is `d_steps` discriminator updates, then one generator
    update."""

    latent_size: int = Field(
        2, ge=1, le=L.max_latent_size, description="Numbers in each latent (noise) vector."
    )
    latent: Literal["uniform", "normal"] = Field(
        "uniform", description="Latent distribution: uniform on [-1, 1] or standard normal."
    )
    generator: GanNet = Field(default_factory=GanNet)
    discriminator: GanNet = Field(default_factory=GanNet)
    d_steps: int = Field(
        1, ge=1, le=L.max_d_steps, description="Discriminator updates per generator update."
    )
    loss: GanLoss = Field(
        "non_saturating",
        description="classic (minimax), non_saturating (the generator maximizes log D), or "
        "least_squares (LSGAN).",
    )
    train_only: TrainOnly = Field(
        "both",
        description="Freeze one side: train both, the discriminator only or the generator only.",
    )
    batch_size: int = Field(64, ge=1, le=L.max_batch_size, description="Samples per update.")
    max_steps: int | None = Field(
        None, ge=1, le=L.max_gan_steps, description="Stop after this many steps; null: never."
    )


class ExperimentSpec(StrictModel):
    """One experiment: data, hidden layers and training, reproducible from `seed`. A GAN
    (`kind: "gan"`) keeps its two networks and their training in `gan`; `model` and `train`
    must then be left out (or left at their defaults)."""

    version: Literal[1] = Field(1, description="Spec format version.")
    kind: Literal["supervised", "gan"] = Field(
        "supervised", description="supervised (inputs to targets) or gan (generate data)."
    )
    description: str = Field("", max_length=2000, description="What this experiment shows.")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seeds the data, weights and batches.")
    data: DataSpec = Field(default_factory=DataSpec)
    model: ModelSpec = Field(default_factory=ModelSpec)
    train: TrainSpec = Field(default_factory=TrainSpec)
    gan: GanSpec | None = Field(None, description="kind 'gan' only: the two networks.")

    @model_validator(mode="after")
    def _kind_matches(self) -> ExperimentSpec:
        if self.kind == "gan":
            if self.gan is None:
                raise ValueError("kind 'gan' needs a 'gan' section (generator, discriminator)")
            # Left out, or at their defaults (as a spec dumped whole and read back has them).
            unused = [
                name
                for name, default in (("model", ModelSpec()), ("train", TrainSpec()))
                if getattr(self, name) != default
            ]
            if unused:
                raise ValueError(
                    f"kind 'gan' keeps its networks in 'gan': leave out {', '.join(sorted(unused))}"
                )
        elif self.gan is not None:
            raise ValueError("'gan' is for kind 'gan' only; add \"kind\": \"gan\"")
        return self


# How a field reads in a sentence ("learning rate must be at most 10"); others read as
# their name with spaces ("batch size").
FIELD_WORDS = {
    "lr": "learning rate",
    "n_samples": "number of samples",
    "n_classes": "number of classes",
    "val_fraction": "validation share",
    "seq_len": "sequence length",
    "max_epochs": "epoch budget",
    "grad_clip": "gradient clipping",
    "lr_gamma": "schedule factor",
    "lr_period": "schedule period",
    "p": "drop rate",
    "steps_per_second": "speed",
    "fps": "frame rate",
    "n": "number of steps",
}
# What a list holds, for "keep at least one input feature".
ITEM_WORDS = {"features": "input feature", "layers": "layer", "views": "view"}
NUMBER_WORDS = {1: "one", 2: "two", 3: "three"}


def format_errors(
    error: ValidationError, prefix: tuple[str | int, ...] = ()
) -> list[dict[str, str]]:
    """Turns pydantic errors into ``{"field", "message"}`` pairs in plain words.

    The rejected value is never echoed back (it may be huge or hostile). A discriminated
    union adds the tag to the location (``model.layers.0.dense.units``); it is dropped.
    """
    tags = {layer.model_fields["type"].default for layer in LAYER_TYPES}
    out = []
    for err in error.errors(include_input=False, include_url=False):
        loc = [*prefix, *err["loc"]]
        loc = [
            p
            for i, p in enumerate(loc)
            if not (p in tags and i > 0 and isinstance(loc[i - 1], int))
        ]
        names = [p for p in loc if isinstance(p, str) and p not in ("spec", "params", "body")]
        message = _in_words(dict(err), names[-1] if names else "")
        out.append({"field": ".".join(str(p) for p in loc) or "body", "message": message})
    return out


def _in_words(err: dict[str, Any], name: str) -> str:
    """The common pydantic errors as a sentence about the field ("learning rate must be at
    most 10", "keep at least one input feature"); the rest in pydantic's words, lightly
    edited."""
    label = FIELD_WORDS.get(name, name.replace("_", " "))
    ctx = err.get("ctx") or {}
    kind = err["type"]
    bounds = {
        "less_than_equal": ("at most", "le"),
        "less_than": ("less than", "lt"),
        "greater_than_equal": ("at least", "ge"),
        "greater_than": ("more than", "gt"),
    }
    if kind in bounds and label:
        words, key = bounds[kind]
        bound = ctx[key]
        if isinstance(bound, float) and bound.is_integer():
            bound = int(bound)  # "at most 10", not "10.0"
        return f"{label} must be {words} {bound}"
    if kind in ("too_short", "too_long") and label and ctx.get("field_type") == "List":
        n = ctx["min_length" if kind == "too_short" else "max_length"]
        item = ITEM_WORDS.get(name, "item")
        count = f"{NUMBER_WORDS.get(n, n)} {item}{'' if n == 1 else 's'}"
        return f"keep at least {count}" if kind == "too_short" else f"at most {count} allowed"
    if kind == "missing" and label:
        return f"{label} is missing"
    message = str(err["msg"]).replace("Input should be", "must be").replace("Value error, ", "")
    return f"{label} {message}" if label and message.startswith("must be") else message
