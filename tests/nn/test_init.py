"""Each weight initialisation gives the distribution it names, on dense, conv, recurrent and
output layers: checked on the built weights by their spread and shape (the share within one
standard deviation tells a normal from a uniform), not by how the code calls torch."""

from __future__ import annotations

import math

import pytest
import torch
from pydantic import ValidationError

from app.nn import ModelInput, build_model
from app.spec import LSTM, Conv2d, Dense, ExperimentSpec, format_errors

POINTS = ModelInput((2,), "points", "multiclass", 64)
IMAGE = ModelInput((1, 8, 8), "image", "multiclass", 2)
SEQUENCE = ModelInput((4, 3), "sequence", "regression", 1)
NORMAL_WITHIN_ONE_STD = math.erf(1 / math.sqrt(2))  # 0.683
UNIFORM_WITHIN_ONE_STD = 1 / math.sqrt(3)  # 0.577: a uniform's std is a / sqrt(3)


def _weights(init: str, value: float, kind: str) -> tuple[torch.Tensor, int, int, torch.Tensor]:
    """The initialised weight (one gate for an LSTM), its fan in and out, and its bias."""
    torch.manual_seed(0)
    if kind == "dense":  # 256 -> 256: 65,536 weights
        model, _ = build_model(
            [Dense(units=256), Dense(units=256, init=init, init_value=value)], POINTS
        )
        return model.dense1.linear.weight, 256, 256, model.dense1.linear.bias
    if kind == "conv":  # 32 -> 64 channels, 3x3: 18,432 weights, fan in 288
        layers = [Conv2d(filters=32), Conv2d(filters=64, init=init, init_value=value)]
        model, _ = build_model(layers, IMAGE)
        conv = model.conv2d1.conv
        return conv.weight, 32 * 9, 64 * 9, conv.bias
    if kind == "lstm":  # the forget gate of the recurrent matrix: 64 x 64 (per gate)
        model, _ = build_model([LSTM(hidden=64, init=init, init_value=value)], SEQUENCE)
        rnn = model.lstm0.rnn
        return rnn.weight_hh_l0[64:128], 64, 64, rnn.bias_hh_l0
    # the output layer, 256 -> 64
    model, _ = build_model([Dense(units=256)], POINTS, output_init=init, output_init_value=value)
    return model.output.linear.weight, 256, 64, model.output.linear.bias


def _share_within(w: torch.Tensor, spread: float) -> float:
    return float((w.abs() < spread).float().mean())


KINDS = ["dense", "conv", "lstm", "output"]


@pytest.mark.parametrize("kind", KINDS)
def test_zeros_and_constant(kind: str) -> None:
    w, *_, b = _weights("zeros", 0.1, kind)
    assert torch.count_nonzero(w) == 0 and torch.count_nonzero(b) == 0
    w, *_, b = _weights("constant", -0.25, kind)
    assert torch.all(w == -0.25) and torch.count_nonzero(b) == 0


@pytest.mark.parametrize("kind", KINDS)
def test_normal_has_the_standard_deviation_asked(kind: str) -> None:
    w, *_, b = _weights("normal", 0.05, kind)
    w = w.detach()
    assert abs(float(w.mean())) < 0.005
    assert float(w.std()) == pytest.approx(0.05, rel=0.05)
    assert _share_within(w, 0.05) == pytest.approx(NORMAL_WITHIN_ONE_STD, abs=0.03)
    assert torch.count_nonzero(b) == 0


@pytest.mark.parametrize("kind", KINDS)
def test_uniform_fills_minus_a_to_a(kind: str) -> None:
    w, *_, b = _weights("uniform", 0.3, kind)
    w = w.detach()
    assert float(w.abs().max()) <= 0.3
    assert float(w.abs().max()) > 0.29  # reaches the bounds
    assert float(w.std()) == pytest.approx(0.3 / math.sqrt(3), rel=0.05)
    assert _share_within(w, 0.15) == pytest.approx(0.5, abs=0.03)  # flat: half within a/2
    assert torch.count_nonzero(b) == 0


@pytest.mark.parametrize("kind", KINDS)
def test_xavier_is_uniform_with_glorots_bound(kind: str) -> None:
    w, fan_in, fan_out, b = _weights("xavier", 0.1, kind)
    w = w.detach()
    # dense and conv layers here use relu (gain sqrt 2), an LSTM tanh (5/3), the output none
    gain = {"dense": math.sqrt(2), "conv": math.sqrt(2), "lstm": 5 / 3, "output": 1.0}[kind]
    bound = gain * math.sqrt(6 / (fan_in + fan_out))
    assert float(w.abs().max()) <= bound + 1e-6
    assert float(w.std()) == pytest.approx(bound / math.sqrt(3), rel=0.05)
    assert _share_within(w, float(w.std())) == pytest.approx(UNIFORM_WITHIN_ONE_STD, abs=0.03)
    assert torch.count_nonzero(b) == 0


@pytest.mark.parametrize("kind", KINDS)
def test_he_is_normal_with_kaimings_spread(kind: str) -> None:
    w, fan_in, _, b = _weights("he", 0.1, kind)
    w = w.detach()
    std = math.sqrt(2 / fan_in)
    assert float(w.std()) == pytest.approx(std, rel=0.05)
    assert _share_within(w, std) == pytest.approx(NORMAL_WITHIN_ONE_STD, abs=0.03)
    assert torch.count_nonzero(b) == 0


def test_default_keeps_pytorchs_own() -> None:
    w, fan_in, _, b = _weights("default", 0.1, "dense")
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform with a = sqrt(5)
    assert float(w.detach().abs().max()) <= bound and torch.count_nonzero(b) > 0


@pytest.mark.parametrize(
    ("spec", "field", "words"),
    [
        (
            {"model": {"layers": [{"type": "dense", "init": "normal", "init_value": 0}]}},
            "model.layers.0.init_value",
            "init value must be more than 0 for the normal init",
        ),
        (
            {"model": {"layers": [{"type": "lstm", "init": "uniform", "init_value": -1}]}},
            "model.layers.0.init_value",
            "init value must be more than 0 for the uniform init",
        ),
        (
            {"model": {"layers": [{"type": "conv2d", "init": "constant"}]}},
            "model.layers.0.init_value",
            "init value is missing: the constant init needs its value",
        ),
        (
            {"model": {"layers": [{"type": "conv2d", "init_value": 11}]}},
            "model.layers.0.init_value",
            "init value must be at most 10",
        ),
        (
            {"model": {"output_init": "normal", "output_init_value": 0}},
            "model.output_init_value",
            "output init value must be more than 0 for the normal init",
        ),
        (
            {"model": {"output_init": "glorot"}},
            "model.output_init",
            "output init must be 'default', 'zeros', 'constant', 'normal', 'uniform', "
            "'xavier' or 'he'",
        ),
    ],
)
def test_init_errors_name_the_field_and_the_limit(
    spec: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as error:
        ExperimentSpec.model_validate(spec)
    assert format_errors(error.value) == [{"field": field, "message": words}]


def test_constant_may_be_negative() -> None:
    layer = ExperimentSpec.model_validate(
        {"model": {"layers": [{"type": "dense", "init": "constant", "init_value": -2}]}}
    ).model.layers[0]
    assert isinstance(layer, Dense) and layer.init_value == -2
