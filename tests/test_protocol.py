"""The wire format: messages validate with named errors, frames round-trip within the
quantization step (sliced maps within each slice's own), JSON never carries NaN, and the
TensorFlow-Playground view fits 20 KB."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import BaseModel, ValidationError

from app.protocol import (
    CLIENT_MESSAGE,
    MAX_GENERATED_CHARS,
    MAX_INPUT_CHARS,
    MAX_PARAM_NAME,
    MAX_PREFIX_CHARS,
    MAX_WEIGHT_EDIT,
    EditWeight,
    Generate,
    HotParams,
    Set,
    View,
    decode_frame,
    dumps,
    encode_frame,
    quantize,
    quantize_slices,
)
from app.spec import Dropout, ExperimentSpec, GanNet, GanSpec, TrainSpec, format_errors
from app.train import GanRun, Run
from app.views import MAP_VIEWS
from app.worker.frames import _split


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
        ('{"type": "step", "n": 0}', "n", "at least 1"),
        ('{"type": "step", "n": 1e9}', "n", ""),
        ('{"type": "view", "views": ["neurons"], "fps": 61}', "fps", "at most 60"),
        ('{"type": "view", "views": ["secrets"]}', "views.0", "unknown view"),
        ('{"type": "set", "params": {"lr": NaN}}', "params.lr", "finite number"),
        ('{"type": "set", "params": {"units": 3}}', "params.units", "Extra inputs"),
        (
            '{"type": "start", "spec": {"train": {"lr": 50}}}',
            "spec.train.lr",
            "at most 10",
        ),
        ('{"type": "speed", "steps_per_second": -1}', "steps_per_second", "more than 0"),
        ('{"type": "pause", "extra": 1}', "extra", "Extra inputs"),
        (
            '{"type": "edit_weight", "param": "output.linear.bias", "index": [0], "value": 1e9}',
            "value",
            "at most 1000",
        ),
        (
            '{"type": "edit_weight", "param": "output.linear.bias", "index": [0], "value": -1e9}',
            "value",
            "at least -1000",
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
            "at most 1000000",
        ),
        ('{"type": "edit_weight", "param": "w", "index": [-1], "value": 1}', "index.0", ""),
        ('{"type": "edit_weight", "param": "w", "index": [0]}', "value", "is missing"),
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


def test_sliced_maps_are_quantized_per_slice_over_their_own_range() -> None:
    faint = np.linspace(0.0, 0.01, 9, dtype=np.float32).reshape(3, 3)
    bright = np.linspace(-50.0, 50.0, 9, dtype=np.float32).reshape(3, 3)
    stack = np.stack([faint, bright, np.full((3, 3), np.nan, np.float32)])
    frame = encode_frame({}, {"fm": stack, "whole": stack}, {}, sliced=frozenset({"fm"}))
    header, arrays = decode_frame(frame)
    entry = {a["name"]: a for a in header["arrays"]}
    assert entry["fm"]["min"] == [0.0, -50.0, 0.0]  # the all-NaN slice: 0..0
    assert entry["fm"]["max"] == pytest.approx([0.01, 50.0, 0.0])
    assert isinstance(entry["whole"]["min"], float)  # not sliced: one range, as before
    # Each slice keeps its detail: the faint one within half its own step, not bright's.
    np.testing.assert_allclose(arrays["fm"][0], faint, atol=0.01 / 510 + 1e-7)
    np.testing.assert_allclose(arrays["fm"][1], bright, atol=100 / 510 + 1e-5)
    assert (arrays["fm"][2] == 0).all()
    assert np.unique(arrays["whole"][0]).size == 1  # one range flattens the faint map


def test_each_slice_has_the_bytes_of_a_map_of_its_own() -> None:
    rng = np.random.default_rng(1)
    stack = rng.normal(size=(5, 4, 6)).astype(np.float32) * np.arange(1, 6)[:, None, None]
    stack[2, 0, 0], stack[3, 1, 1] = np.inf, np.nan
    q, lo, hi = quantize_slices(stack)
    for i, one in enumerate(stack):
        q_one, lo_one, hi_one = quantize(one)
        np.testing.assert_array_equal(q[i], q_one)
        assert (lo[i], hi[i]) == (lo_one, hi_one)


def test_sliced_frames_with_no_slice_or_one_value() -> None:
    empty = np.zeros((0, 28, 28), np.float32)  # no misclassified images
    maps = {"none": empty, "scalar": np.float32(2.0), "flat": np.ones((2, 3))}
    header, arrays = decode_frame(encode_frame({}, maps, {}, sliced=frozenset(maps)))
    entry = {a["name"]: a for a in header["arrays"]}
    assert (entry["none"]["min"], entry["none"]["shape"]) == ([], [0, 28, 28])
    assert arrays["none"].shape == (0, 28, 28)
    assert entry["scalar"]["min"] == 2.0  # no axis to slice: one range
    np.testing.assert_array_equal(arrays["flat"], 1.0)


@pytest.mark.parametrize(
    ("raw", "field", "fragment"),
    [
        ({"input": "e" * (MAX_INPUT_CHARS + 1)}, "input", "at most 1000 characters"),
        ({"input": [[0.5] * 65] * 64}, "input", "at most 4096 numbers"),
        ({"input": [["a"]]}, "input", "a text or lists of numbers"),
        ({"input": [[True]]}, "input", "a text or lists of numbers"),
        ({"input": 3}, "input", "a text or lists of numbers"),
        ({"input": [[[[[0.5]]]]]}, "input", "at most 4 deep"),
    ],
)
def test_a_view_input_is_bounded(raw: dict, field: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        CLIENT_MESSAGE.validate_json(json.dumps({"type": "view", "views": ["example"], **raw}))
    errors = format_errors(info.value)
    assert errors[0]["field"].endswith(field) and fragment in errors[0]["message"], errors
    assert "eee" not in str(errors)


def test_a_view_input_may_be_a_64x64_image_or_a_text() -> None:
    image = CLIENT_MESSAGE.validate_python({"type": "view", "input": [[0.5] * 64] * 64})
    text = CLIENT_MESSAGE.validate_python({"type": "view", "input": "e" * MAX_INPUT_CHARS})
    assert isinstance(image, View) and isinstance(text, View)
    assert CLIENT_MESSAGE.validate_python({"type": "view"}).input is None
    with pytest.raises(ValidationError):
        CLIENT_MESSAGE.validate_json('{"type": "view", "input": [[NaN]]}')


@pytest.mark.parametrize(
    ("raw", "field", "fragment"),
    [
        ({"prefix": "e" * (MAX_PREFIX_CHARS + 1)}, "prefix", "at most 100 characters"),
        ({"length": 0}, "length", "at least 1"),
        ({"length": MAX_GENERATED_CHARS + 1}, "length", "at most 500"),
        ({"temperature": 0.01}, "temperature", "at least 0.05"),
        ({"temperature": 5.5}, "temperature", "at most 5"),
        ({"id": -1}, "id", "at least 0"),
    ],
)
def test_generate_is_bounded(raw: dict, field: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        CLIENT_MESSAGE.validate_json(json.dumps({"type": "generate", **raw}))
    errors = format_errors(info.value)
    assert errors[0]["field"].endswith(field) and fragment in errors[0]["message"], errors


def test_generate_defaults() -> None:
    message = CLIENT_MESSAGE.validate_python({"type": "generate", "id": 4, "prefix": "em"})
    assert isinstance(message, Generate)
    assert (message.id, message.prefix, message.length, message.temperature) == (4, "em", 50, 1.0)


# --- the frame static/js/frame.js is checked against (tests/js/frame.test.mjs) ---

JS_SLICED_FIXTURE = Path(__file__).parent / "js" / "sliced_frame.json"


def sliced_frame_fixture() -> dict[str, Any]:
    """A frame with a sliced map (ranges as lists), made by encode_frame, and what Python
    decodes from it, as JSON for the JavaScript decoder's tests."""
    fm = np.stack(
        [
            np.linspace(0.0, 0.01, 6, dtype=np.float32).reshape(2, 3),
            np.linspace(-50.0, 50.0, 6, dtype=np.float32).reshape(2, 3),
            np.full((2, 3), np.nan, np.float32),  # no finite value: 0..0
        ]
    )
    maps = {"feature_maps/conv2d0": fm, "boundary": np.linspace(0, 1, 4).reshape(2, 2)}
    exact = {"probabilities": np.array([0.25, 0.75], np.float32)}
    meta = {"run": "r1", "step": 3, "epoch": 0, "values": {"feature_maps_channels/conv2d0": 64}}
    frame = encode_frame(meta, maps, exact, sliced=frozenset({"feature_maps/conv2d0"}))
    header, decoded = decode_frame(frame)
    body = frame[4 + int.from_bytes(frame[:4], "little") :]
    arrays = {}
    for spec in header["arrays"]:
        raw = body[spec["offset"] : spec["offset"] + int(np.prod(spec["shape"]))]
        arrays[spec["name"]] = {
            **{k: spec[k] for k in ("dtype", "shape") + (("min", "max") if "min" in spec else ())},
            **({"bytes": list(raw)} if spec["dtype"] == "uint8" else {}),
            "values": [float(v) for v in decoded[spec["name"]].ravel()],
        }
    header = {k: v for k, v in header.items() if k != "arrays"}
    frame_base64 = base64.b64encode(frame).decode()
    return {"frame_base64": frame_base64, "header": header, "arrays": arrays}


def test_the_javascript_sliced_frame_fixture_is_current() -> None:
    """tests/js/sliced_frame.json must be what encode_frame makes today; to rewrite it:
    python -c "from tests.test_protocol import write_js_fixture; write_js_fixture()" """
    expected = json.loads(json.dumps(sliced_frame_fixture()))
    assert json.loads(JS_SLICED_FIXTURE.read_text()) == expected


def write_js_fixture() -> None:
    JS_SLICED_FIXTURE.write_text(json.dumps(sliced_frame_fixture(), indent=1) + "\n")


def _schema(model: type[BaseModel], field: str) -> dict[str, Any]:
    """A field's type and bounds as JSON Schema (its name, default and words aside)."""
    prop = model.model_json_schema()["properties"][field]
    return {k: v for k, v in prop.items() if k not in ("default", "description", "title")}


def test_hot_params_are_the_runs_live_settings_with_the_specs_bounds() -> None:
    """Every setting a run takes live is in `set`, and each one's type and bounds are
    those of the spec field it changes (a bound copied by hand would drift)."""
    assert set(HotParams.model_fields) == Run.HOT | GanRun.HOT
    sources = {name: (TrainSpec, name) for name in Run.HOT - {"dropout"}} | {
        "dropout": (Dropout, "p"),
        "g_lr": (GanNet, "lr"),
        "d_lr": (GanNet, "lr"),
        "d_steps": (GanSpec, "d_steps"),
        "gan_loss": (GanSpec, "loss"),
        "train_only": (GanSpec, "train_only"),
        "max_steps": (GanSpec, "max_steps"),
    }
    for name, (model, field) in sources.items():
        assert _schema(HotParams, name) == _schema(model, field), name
    assert _schema(GanSpec, "batch_size") == _schema(HotParams, "batch_size")


def test_set_sends_only_the_settings_given() -> None:
    """The worker gets the message dumped: no default may reset a setting not sent."""
    message = CLIENT_MESSAGE.validate_json(
        '{"type": "set", "params": {"grad_clip": null, "early_stopping": {"patience": 3}}}'
    )
    assert isinstance(message, Set)
    assert message.model_dump() == {
        "type": "set",
        "params": {
            "grad_clip": None,
            "early_stopping": {"patience": 3, "min_delta": 0.0, "restore_best": True},
        },
    }
