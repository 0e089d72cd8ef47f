"""Shape inference and parameter counts for every layer type, checked against torch itself:
the reported shape against a real forward pass, the count against the textbook formula."""

from __future__ import annotations

import pytest
import torch

from app.nn import LAYER_BUILDERS, ModelInput, SpecError, build_model
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
    LayerNorm,
    MaxPool2d,
    Reshape,
    Skip,
    Upsample,
)

POINTS = ModelInput((2,), "points", "binary", 1)
IMAGE = ModelInput((1, 8, 8), "image", "multiclass", 10)
SEQUENCE = ModelInput((12, 3), "sequence", "regression", 1)
TOKENS = ModelInput((8,), "tokens", "multiclass", 27, vocab_size=27)

# (model input, layers, expected (output shape, params) per hidden layer)
CASES = [
    (POINTS, [Dense(units=8), Dense(units=3)], [((8,), 2 * 8 + 8), ((3,), 8 * 3 + 3)]),
    (
        POINTS,
        [Dense(units=4), Dropout(p=0.5), BatchNorm(), LayerNorm()],
        [((4,), 12), ((4,), 0), ((4,), 8), ((4,), 8)],
    ),
    (
        POINTS,
        [Dense(units=4, activation="linear"), BatchNorm(), ActivationLayer(), Dense(units=4)]
        + [Skip(over=3)],
        [((4,), 12), ((4,), 8), ((4,), 0), ((4,), 20), ((4,), 0)],
    ),
    (
        POINTS,
        [Reshape(shape=[1, 1, 2]), Conv2d(filters=2, kernel=1)],
        [((1, 1, 2), 0), ((2, 1, 2), 1 * 2 * 1 + 2)],
    ),
    (
        IMAGE,
        [
            Conv2d(filters=4, kernel=3),
            MaxPool2d(),
            Conv2d(filters=6, kernel=3, padding="valid"),
            AvgPool2d(kernel=2),
            Flatten(),
            Dense(units=5),
        ],
        [
            ((4, 8, 8), 1 * 4 * 9 + 4),
            ((4, 4, 4), 0),
            ((6, 2, 2), 4 * 6 * 9 + 6),
            ((6, 1, 1), 0),
            ((6,), 0),
            ((5,), 6 * 5 + 5),
        ],
    ),
    (
        IMAGE,
        [
            Conv2d(filters=3, kernel=3, stride=2),
            BatchNorm(),
            LayerNorm(),
            MaxPool2d(kernel=2, stride=1),
        ],
        [((3, 4, 4), 1 * 3 * 9 + 3), ((3, 4, 4), 6), ((3, 4, 4), 2 * 48), ((3, 3, 3), 0)],
    ),
    (IMAGE, [Conv2d(filters=2, kernel=4)], [((2, 8, 8), 1 * 2 * 16 + 2)]),  # even 'same'
    (IMAGE, [Upsample(scale=3), MaxPool2d(kernel=2)], [((1, 24, 24), 0), ((1, 12, 12), 0)]),
    (
        IMAGE,
        [Conv2d(filters=5, kernel=3), GlobalMaxPool(), Dense(units=3)],
        [((5, 8, 8), 1 * 5 * 9 + 5), ((5,), 0), ((3,), 5 * 3 + 3)],
    ),
    (
        SEQUENCE,
        [RNN(hidden=5, return_sequence=True), LSTM(hidden=4, bidirectional=True)],
        [((12, 5), 5 * (3 + 5) + 2 * 5), ((8,), 2 * 4 * (4 * (5 + 4) + 2 * 4))],
    ),
    (
        SEQUENCE,
        [GRU(hidden=4, layers=2, return_sequence=True), BatchNorm(), Dense(units=2)],
        [
            ((12, 4), 3 * (4 * (3 + 4) + 2 * 4) + 3 * (4 * (4 + 4) + 2 * 4)),
            ((12, 4), 8),
            ((2,), 48 * 2 + 2),
        ],
    ),
    (
        TOKENS,
        [Embedding(dim=6), Attention(heads=2), LayerNorm(), LSTM(hidden=3)],
        [((8, 6), 27 * 6), ((8, 6), 4 * 6 * 6 + 4 * 6), ((8, 6), 12), ((3,), 4 * (3 * 9 + 6))],
    ),
    (
        TOKENS,
        [Embedding(dim=4), Attention(heads=4, positional="learned", causal=True)],
        [((8, 4), 27 * 4), ((8, 4), 4 * 4 * 4 + 4 * 4 + 8 * 4)],
    ),
]


def _example_batch(mi: ModelInput) -> torch.Tensor:
    if mi.kind == "tokens":
        return torch.randint(0, mi.vocab_size, (3, *mi.shape))
    return torch.randn(3, *mi.shape)


@pytest.mark.parametrize(("mi", "layers", "expected"), CASES)
def test_shapes_and_params_match_torch(mi: ModelInput, layers: list, expected: list) -> None:
    torch.manual_seed(0)
    model, report = build_model(layers, mi)
    seen = {}
    for name, child in model.named_children():
        child.register_forward_hook(lambda _m, _i, out, name=name: seen.__setitem__(name, out))
    out = model(_example_batch(mi))
    assert out.shape == (3, mi.output_dim)
    hidden = report.layers[:-1]
    assert [(tuple(r.output_shape), r.params) for r in hidden] == expected
    for r in report.layers:
        assert tuple(seen[r.name].shape[1:]) == tuple(r.output_shape), r.name
    assert report.total_params == sum(p.numel() for p in model.parameters())
    head_in = expected[-1][0]
    flat = int(torch.tensor(head_in).prod())
    assert report.layers[-1].params == flat * mi.output_dim + mi.output_dim


def test_every_layer_type_has_a_case() -> None:
    covered = {type(layer) for _, layers, _ in CASES for layer in layers}
    assert covered == set(LAYER_BUILDERS) | {Skip}  # a skip is built from earlier shapes


def test_global_max_pool_keeps_each_maps_largest_value_wherever_it_is() -> None:
    model, _ = build_model([GlobalMaxPool()], IMAGE)
    x = torch.zeros(2, 1, 8, 8)
    x[0, 0, 1, 6], x[1, 0, 7, 0] = 3.0, 3.0  # the same dot in two places
    pooled = model.globalmaxpool0(x)
    assert pooled.shape == (2, 1) and pooled.tolist() == [[3.0], [3.0]]
    x.requires_grad_(True)
    model.globalmaxpool0(x).sum().backward()
    assert x.grad is not None and x.grad.sum() == 2  # the gradient reaches only the maxima


def test_submodules_are_named_after_the_spec_layers() -> None:
    model, _ = build_model([Dense(units=3), Dropout(), Dense(units=2)], POINTS)
    assert [name for name, _ in model.named_children()] == [
        "dense0",
        "dropout1",
        "dense2",
        "output",
    ]


@pytest.mark.parametrize(
    ("mi", "layers", "field", "fragment"),
    [
        (POINTS, [Conv2d()], "model.layers.0", "needs an image"),
        (POINTS, [Dense(), MaxPool2d()], "model.layers.1", "add a reshape layer first"),
        (POINTS, [LSTM()], "model.layers.0", "needs a sequence"),
        (IMAGE, [RNN()], "model.layers.0", "needs a sequence"),
        (POINTS, [GlobalMaxPool()], "model.layers.0", "needs an image"),
        (IMAGE, [GlobalMaxPool(), MaxPool2d()], "model.layers.1", "needs an image"),
        (IMAGE, [Conv2d(kernel=9)], "model.layers.0", "kernel 9 is larger than its 8x8 input"),
        (
            IMAGE,
            [MaxPool2d(), MaxPool2d(), MaxPool2d(kernel=3)],
            "model.layers.2",
            "kernel 3 is larger than its 2x2 input",
        ),
        (POINTS, [Reshape(shape=[3])], "model.layers.0", "cannot reshape 2 values"),
        (TOKENS, [Dense()], "model.layers.0", "embedding layer first"),
        (TOKENS, [], "model.layers", "embedding layer first"),
        (SEQUENCE, [Embedding()], "model.layers.0", "embedding must be the first layer"),
        (SEQUENCE, [Attention(heads=2)], "model.layers.0", "do not divide the 3 features"),
        (IMAGE, [Dense(units=1024)] * 6, "model.layers", "parameters; the limit is 5,000,000"),
        (
            ModelInput((1, 28, 28), "image", "multiclass", 10),
            [Conv2d(filters=256, kernel=11)] * 30,
            "model.layers",
            "the limit is 5,000,000",
        ),
    ],
)
def test_impossible_stacks_name_the_layer(mi, layers, field, fragment) -> None:
    with pytest.raises(SpecError) as info:
        build_model(layers, mi, device="meta")
    assert info.value.field == field
    assert fragment in info.value.message


def test_a_billion_parameters_is_refused_without_allocating() -> None:
    big = ModelInput((1, 28, 28), "image", "multiclass", 10)
    layers = [Conv2d(filters=256, kernel=3), Dense(units=1024), *[Dense(units=1024)] * 30]
    with pytest.raises(SpecError, match="parameters; the limit"):
        build_model(layers, big, device="meta")  # ~230 M parameters: would need ~1 GB


def test_activation_memory_budget() -> None:
    big = ModelInput((1, 28, 28), "image", "multiclass", 10)
    with pytest.raises(SpecError, match="MB of activations"):
        build_model([Conv2d(filters=256, kernel=3)] * 2, big, batch_size=4096, device="meta")


@pytest.mark.parametrize("init", ["xavier", "he", "zeros"])
def test_initializers(init: str) -> None:
    torch.manual_seed(0)
    model, _ = build_model([Dense(units=64, init=init, activation="relu")], POINTS)
    w, b = model.dense0.linear.weight, model.dense0.linear.bias
    assert torch.count_nonzero(b) == 0
    if init == "zeros":
        assert torch.count_nonzero(w) == 0
    elif init == "he":
        assert (
            abs(float(w.detach().std()) - (2 / 2) ** 0.5) < 0.25
        )  # std sqrt(2 / fan_in), fan_in 2
    else:
        bound = (6 / (2 + 64)) ** 0.5 * 2**0.5  # relu gain sqrt(2)
        assert float(w.detach().abs().max()) <= bound + 1e-6
