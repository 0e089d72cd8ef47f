"""Skip (residual) connections and the separate activation layer: what the forward pass
computes, and the validator's words when a skip's shapes cannot be added."""

from __future__ import annotations

import pytest
import torch

from app.nn import ModelInput, SpecError, build_model
from app.spec import ActivationLayer, BatchNorm, Dense, Skip

WIDE = ModelInput((4,), "points", "regression", 1)


def test_skip_adds_the_input_of_the_skipped_layers() -> None:
    torch.manual_seed(0)
    layers = [Dense(units=4, activation="tanh"), Dense(units=4, activation="tanh"), Skip()]
    model, report = build_model(layers, WIDE)
    x = torch.randn(5, 4)
    with torch.no_grad():
        inner = model.dense1(model.dense0(x))
        expected = model.output(inner + x)  # the skip adds dense0's input
        assert torch.allclose(model(x), expected)
    assert [r.params for r in report.layers[:3]] == [20, 20, 0]
    assert report.layers[2].note == "adds layer 1's input to layer 2's output"


def test_activation_layer_after_batch_norm() -> None:
    torch.manual_seed(0)
    layers = [Dense(units=4, activation="linear"), BatchNorm(), ActivationLayer(activation="relu")]
    model, _ = build_model(layers, WIDE)
    model.eval()
    x = torch.randn(5, 4)
    with torch.no_grad():
        normed = model.batchnorm1(model.dense0(x))
        assert torch.equal(model.activation2(normed), torch.relu(normed))
        assert (normed < 0).any()  # so relu had something to cut


@pytest.mark.parametrize(
    ("layers", "field", "message"),
    [
        (
            [Dense(units=8), Skip(over=1)],
            "model.layers.1",
            "skip adds the input of layer 1 (a vector of 4 values) to the output of layer 1 "
            "(a vector of 8 values); the shapes must match",
        ),
        (
            [Dense(units=4), Skip(over=2)],
            "model.layers.1",
            "skip over 2 layers needs 2 layers before it; it has 1 layer",
        ),
    ],
)
def test_skip_shapes_are_checked(layers: list, field: str, message: str) -> None:
    with pytest.raises(SpecError) as error:
        build_model(layers, WIDE, device="meta")
    assert (error.value.field, error.value.message) == (field, message)


def test_gradient_reaches_the_first_of_20_layers_through_skips() -> None:
    """The residual lesson's premise at initialisation: through 20 sigmoid layers the first
    layer's gradient is orders of magnitude smaller than the last's; with a skip around every
    pair it is not."""

    def first_over_last(skips: bool) -> float:
        torch.manual_seed(0)
        layers: list = []
        for _ in range(10):
            layers += [Dense(units=8, activation="sigmoid"), Dense(units=8, activation="sigmoid")]
            layers += [Skip(over=2)] if skips else []
        model, _ = build_model([Dense(units=8, activation="linear"), *layers], WIDE)
        model(torch.randn(64, 4)).pow(2).mean().backward()
        dense = [m for n, m in model.named_children() if n.startswith("dense")]
        first, last = dense[1].linear.weight.grad, dense[-1].linear.weight.grad
        assert first is not None and last is not None
        return float(first.norm() / last.norm())

    assert first_over_last(skips=False) < 1e-4
    assert first_over_last(skips=True) > 1e-2
