"""The spec refuses bad input with an error naming the field and the limit."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from app.spec import ExperimentSpec, format_errors


def _errors(raw: str) -> list[dict[str, str]]:
    with pytest.raises(ValidationError) as info:
        ExperimentSpec.model_validate_json(raw)
    return format_errors(info.value)


def _layers(*layers: dict) -> str:
    return json.dumps({"model": {"layers": list(layers)}})


# (raw JSON, field, fragment of the message)
BAD_SPECS = [
    (_layers({"type": "dense", "units": -1}), "model.layers.0.units", "at least 1"),
    (
        _layers({"type": "dense", "units": 1025}),
        "model.layers.0.units",
        "at most 1024",
    ),
    ('{"train": {"lr": NaN}}', "train.lr", "finite number"),
    ('{"train": {"lr": Infinity}}', "train.lr", "finite number"),
    ('{"train": {"lr": -Infinity}}', "train.lr", "finite number"),
    ('{"train": {"lr": 1e309}}', "train.lr", "finite number"),
    ('{"train": {"lr": 0}}', "train.lr", "more than 0"),
    ('{"train": {"lr": -1}}', "train.lr", "more than 0"),
    ('{"train": {"lr": 11}}', "train.lr", "at most 10"),
    ('{"train": {"batch_size": 4097}}', "train.batch_size", "at most 4096"),
    ('{"data": {"n_samples": 100001}}', "data.n_samples", "at most 100000"),
    (
        _layers({"type": "dense", "activation": "swish"}),
        "model.layers.0.activation",
        "'relu', 'leaky_relu'",
    ),
    (
        _layers({"type": "conv2d", "filters": 257}),
        "model.layers.0.filters",
        "at most 256",
    ),
    (
        _layers({"type": "conv2d", "kernel": 12}),
        "model.layers.0.kernel",
        "at most 11",
    ),
    (_layers({"type": "teleport"}), "model.layers.0", "does not match any of the expected tags"),
    (_layers({"units": 3}), "model.layers.0", "Unable to extract tag"),
    ('{"seed": 1, "colour": "red"}', "colour", "Extra inputs are not permitted"),
    (
        _layers({"type": "dense", "units": 3, "bias": False}),
        "model.layers.0.bias",
        "Extra inputs are not permitted",
    ),
    (_layers(*[{"type": "dense"}] * 33), "model.layers", "at most 32 layers allowed"),
    ('{"data": {"features": ["x1", "x1"]}}', "data.features", "only once"),
    ('{"data": {"features": ["x3"]}}', "data.features.0", "'x1', 'x2'"),
    ('{"train": {"nesterov": true}}', "train", "nesterov needs"),
    ('{"data": {"file": "../../etc/passwd.csv"}}', "data.file", "should match pattern"),
    ('{"version": 2}', "version", "must be 1"),
    ('{"seed": -1}', "seed", "at least 0"),
    ('{"seed": 1.5}', "seed", "valid integer"),
    ('{"train": {"lr": "fast"}}', "train.lr", "valid number"),
    ("[]", "body", "must be an object"),
    ("{", "body", "Invalid JSON"),
]


@pytest.mark.parametrize(("raw", "field", "fragment"), BAD_SPECS)
def test_bad_spec_names_field_and_limit(raw: str, field: str, fragment: str) -> None:
    errors = _errors(raw)
    assert any(e["field"] == field and fragment in e["message"] for e in errors), errors


def test_errors_never_echo_the_input() -> None:
    secret = "x" * 50
    errors = _errors(json.dumps({"train": {"optimizer": secret}}))
    assert secret not in json.dumps(errors)


def test_defaults_are_tensorflow_playgrounds() -> None:
    spec = ExperimentSpec()
    assert spec.data.dataset == "circle"
    assert [(layer.units, layer.activation) for layer in spec.model.layers] == [
        (4, "tanh"),
        (2, "tanh"),
    ]
    assert (spec.train.lr, spec.train.batch_size, spec.train.optimizer) == (0.03, 10, "sgd")


def test_spec_round_trips_through_json() -> None:
    spec = ExperimentSpec.model_validate(
        {"seed": 7, "model": {"layers": [{"type": "conv2d"}, {"type": "lstm", "hidden": 4}]}}
    )
    assert ExperimentSpec.model_validate_json(spec.model_dump_json()) == spec
