"""The wire format: messages validate with named errors, frames round-trip within the
quantization step, JSON never carries NaN, and the TensorFlow-Playground view fits 20 KB."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pydantic import ValidationError

from app.protocol import (
    CLIENT_MESSAGE,
    MAX_PARAM_NAME,
    MAX_WEIGHT_EDIT,
    EditWeight,
    decode_frame,
    dumps,
    encode_frame,
)
from app.spec import ExperimentSpec, format_errors
from app.train import Run
from app.worker.hosted import MAP_VIEWS, _split


def test_frame_round_trip_within_one_quantization_step() -> None:
    rng = np.random.default_rng(0)
    maps = {"a": rng.normal(size=(3, 10, 10)).astype(np.float32), "flat": np.zeros((4, 4))}
    exact = {"w": rng.normal(size=(5, 2)).astype(np.float32)}
    header, arrays = decode_frame(encode_frame({"run": "r", "step": 3}, maps, exact))
    assert (header["type"], header["run"], header["step"]) == ("frame", "r", 3)
    step = (maps["a"].max() - maps["a"].min()) / 255
    np.testing.assert_allclose(arrays["a"], maps["a"], atol=step / 2 + 1e-6)
    np.testing.assert_array_equal(arrays["flat"], 0.0)
    np.testing.assert_allclose(arrays["w"], exact["w"], rtol=1e-3, atol=1e-3)  # float16


def test_non_finite_values_never_reach_json() -> None:
    text = dumps(
        {"type": "metrics", "points": [{"val_loss": float("nan"), "lr": float("inf"), "ok": 1.5}]}
    )
    assert json.loads(text)["points"][0] == {"val_loss": None, "lr": None, "ok": 1.5}
    maps = {"m": np.array([[np.nan, 1.0], [np.inf, 3.0]])}
    header, arrays = decode_frame(encode_frame({}, maps, {"w": np.array([np.nan])}))
    assert np.isfinite(arrays["m"]).all() and np.isfinite(arrays["w"]).all()
    json.loads(json.dumps(header), parse_constant=pytest.fail)


def test_tensorflow_playground_view_fits_20_kb() -> None:
    """49 neuron maps at 10x10 (7 input features + 6 layers of 7), the 100x100 output map
    and every weight: under 20 KB as uint8 maps and float16 weights."""
    spec = ExperimentSpec.model_validate(
        {
            "data": {
                "dataset": "spiral",
                "features": ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"],
            },
            "model": {"layers": [{"type": "dense", "units": 7, "activation": "tanh"}] * 6},
        }
    )
    run = Run(spec)
    observed = run.observe("neurons", "weights", grid=10)
    observed["boundary"] = run.observe("boundary", grid=100)["boundary"]
    maps, exact, values = {}, {}, {}
    for name, value in observed.items():
        _split(name, value, maps if name in MAP_VIEWS else exact, values)
    assert sum(m.shape[0] for m in maps.values() if m.ndim == 3) == 49
    frame = encode_frame({"run": "r", "step": 0, "epoch": 0}, maps, exact)
    assert len(frame) <= 20 * 1024, len(frame)


@pytest.mark.parametrize(
    ("raw", "field", "fragment"),
    [
        ('{"type": "teleport"}', "", "does not match any of the expected tags"),
        ('{"type": "step", "n": 0}', "n", "greater than or equal to 1"),
        ('{"type": "step", "n": 1e9}', "n", ""),
        ('{"type": "view", "views": ["neurons"], "fps": 61}', "fps", "less than or equal to 60"),
        ('{"type": "view", "views": ["secrets"]}', "views.0", "unknown view"),
        ('{"type": "set", "params": {"lr": NaN}}', "params.lr", "finite number"),
        ('{"type": "set", "params": {"units": 3}}', "params.units", "Extra inputs"),
        (
            '{"type": "start", "spec": {"train": {"lr": 50}}}',
            "spec.train.lr",
            "less than or equal to 10",
        ),
        ('{"type": "speed", "steps_per_second": -1}', "steps_per_second", "greater than 0"),
        ('{"type": "pause", "extra": 1}', "extra", "Extra inputs"),
        (
            '{"type": "edit_weight", "param": "output.linear.bias", "index": [0], "value": 1e9}',
            "value",
            "less than or equal to 1000",
        ),
        (
            '{"type": "edit_weight", "param": "output.linear.bias", "index": [0], "value": -1e9}',
            "value",
            "greater than or equal to -1000",
        ),
        (
            '{"type": "edit_weight", "param": "output.linear.bias", "index": [0], "value": NaN}',
            "value",
            "finite number",
        ),
        (
            '{"type": "edit_weight", "param": "w", "index": [0, 0, 0, 0, 0], "value": 1}',
            "index",
            "at most 4 items",
        ),
        (
            '{"type": "edit_weight", "param": "w", "index": [1000001], "value": 1}',
            "index.0",
            "less than or equal to 1000000",
        ),
        ('{"type": "edit_weight", "param": "w", "index": [-1], "value": 1}', "index.0", ""),
        ('{"type": "edit_weight", "param": "w", "index": [0]}', "value", "Field required"),
        ('{"type": "edit_weight", "param": "", "index": [0], "value": 1}', "param", ""),
    ],
)
def test_client_messages_name_the_field(raw: str, field: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        CLIENT_MESSAGE.validate_json(raw)
    errors = format_errors(info.value)
    assert any(e["field"].endswith(field) and fragment in e["message"] for e in errors), errors


def test_weights_beyond_float16_are_clipped_without_warnings() -> None:
    exact = {"w": np.array([1e6, -np.inf, np.inf, 2.0], dtype=np.float32)}
    _, arrays = decode_frame(encode_frame({}, {}, exact))
    assert arrays["w"].tolist() == [65504.0, -65504.0, 65504.0, 2.0]


def test_a_long_unknown_view_is_not_echoed() -> None:
    with pytest.raises(ValidationError) as info:
        CLIENT_MESSAGE.validate_json(json.dumps({"type": "view", "views": ["x" * 5000]}))
    assert "x" * 40 not in str(format_errors(info.value))


def test_edit_weight_bounds() -> None:
    ok = CLIENT_MESSAGE.validate_json(
        '{"type": "edit_weight", "param": "dense0.linear.weight", "index": [1, 0], "value": 0.5}'
    )
    assert isinstance(ok, EditWeight)
    assert (ok.param, ok.index, ok.value) == ("dense0.linear.weight", [1, 0], 0.5)
    edge = {"type": "edit_weight", "param": "p" * MAX_PARAM_NAME, "index": []}
    assert CLIENT_MESSAGE.validate_python({**edge, "value": MAX_WEIGHT_EDIT})
    with pytest.raises(ValidationError) as info:
        CLIENT_MESSAGE.validate_json(json.dumps({**edge, "param": "p" * 201, "value": 0}))
    errors = format_errors(info.value)
    assert errors[0]["field"].endswith("param") and "at most 200" in errors[0]["message"]
    assert "p" * 201 not in str(errors)
