"""The HTTP API against a real uvicorn server: health, catalog, validate, 413, 422 (never 500)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from app.data import DATASETS
from app.spec import LAYER_TYPES


def test_healthz(client: httpx.Client) -> None:
    r = client.get("/healthz")
    assert (r.status_code, r.json()) == (200, {"status": "ok"})


def test_page_and_static_files(client: httpx.Client) -> None:
    r = client.get("/")
    assert r.status_code == 200 and "NN Playground" in r.text
    css = client.get("/static/css/site.css")
    assert css.status_code == 200 and "--accent" in css.text


def test_catalog_lists_everything_with_bounds(client: httpx.Client) -> None:
    catalog = client.get("/api/catalog").json()
    assert set(catalog["datasets"]) == set(DATASETS)
    assert set(catalog["layers"]) == {m.model_fields["type"].default for m in LAYER_TYPES}
    units = catalog["layers"]["dense"]["params"]["units"]
    assert units == {
        "type": "int",
        "description": "Neurons in the layer.",
        "default": 8,
        "min": 1,
        "max": 1024,
    }
    assert catalog["layers"]["dense"]["params"]["activation"]["choices"][0] == "relu"
    lr = catalog["train_params"]["lr"]
    assert (lr["exclusive_min"], lr["max"], lr["default"]) == (0.0, 10.0, 0.03)
    assert catalog["limits"]["max_params"] == 5_000_000
    assert catalog["datasets"]["spiral"]["max_classes"] == 4
    assert "sgd" in catalog["optimizers"] and "cosine" in catalog["schedules"]


def test_validate_returns_shapes_and_counts(client: httpx.Client) -> None:
    spec = {
        "data": {"dataset": "digits"},
        "model": {"layers": [{"type": "conv2d", "filters": 4}, {"type": "maxpool2d"}]},
    }
    r = client.post("/api/validate", json=spec)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["valid"] is True
    assert [layer["output_shape"] for layer in body["layers"]] == [[4, 8, 8], [4, 4, 4], [10]]
    assert [layer["params"] for layer in body["layers"]] == [40, 0, 64 * 10 + 10]
    assert body["output"] == {"units": 10, "activation": "softmax", "loss": "cross_entropy"}
    assert body["total_params"] == 40 + 650
    assert body["spec"]["train"]["lr"] == 0.03  # defaults filled in


BAD_BODIES = [
    ('{"train": {"lr": NaN}}', "train.lr", "finite number"),
    ('{"train": {"lr": Infinity}}', "train.lr", "finite number"),
    ('{"train": {"lr": 1e309}}', "train.lr", "finite number"),
    ('{"train": {"lr": -1}}', "train.lr", "greater than 0"),
    (
        '{"model": {"layers": [{"type": "dense", "units": -1}]}}',
        "model.layers.0.units",
        "greater than or equal to 1",
    ),
    (
        '{"model": {"layers": [{"type": "dense", "activation": "swish"}]}}',
        "model.layers.0.activation",
        "must be 'relu'",
    ),
    ('{"extra": 1}', "extra", "Extra inputs are not permitted"),
    (
        '{"model": {"layers": [{"type": "lstm"}]}}',
        "model.layers.0",
        "lstm needs a sequence (steps x features) but gets a vector of 2 values",
    ),
    (
        '{"data": {"dataset": "digits"}, "model": {"layers": [{"type": "conv2d", "kernel": 9}]}}',
        "model.layers.0",
        "kernel 9 is larger than its 8x8 input",
    ),
    (
        '{"data": {"dataset": "mnist"}, "model": {"layers": ['
        + ", ".join(['{"type": "dense", "units": 1024}'] * 30)
        + "]}}",
        "model.layers",
        "parameters; the limit is 5,000,000",
    ),
    ('{"data": {"dataset": "moons", "n_classes": 3}}', "data.n_classes", "only 2 classes"),
    (
        '{"data": {"dataset": "circle"}, "train": {"loss": "cross_entropy"}}',
        "train.loss",
        "does not fit a binary task",
    ),
    ('{"data": {"dataset": "nope"}}', "data.dataset", "unknown dataset"),
    (
        '{"model": {"layers": [{"type": "batchnorm"}]}, "train": {"batch_size": 1}}',
        "train.batch_size",
        "batch norm needs at least 2",
    ),
    (
        '{"data": {"dataset": "csv", "file": "absent.csv"}}',
        "data.file",
        "no uploaded file named 'absent.csv'",
    ),
    ("[1, 2]", "body", "must be an object"),
    ("{not json", "body", "Invalid JSON"),
    ("", "body", "Invalid JSON"),
    ('"' + "\\ud800" + '"', "body", ""),
]


@pytest.mark.parametrize(("body", "field", "fragment"), BAD_BODIES)
def test_validate_422_names_field_and_limit(
    client: httpx.Client, body: str, field: str, fragment: str
) -> None:
    r = client.post("/api/validate", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert any(e["field"] == field and fragment in e["message"] for e in errors), errors


def test_422_does_not_echo_the_input(client: httpx.Client) -> None:
    marker = "<script>" + "A" * 1000
    r = client.post("/api/validate", json={"train": {"optimizer": marker}})
    assert r.status_code == 422 and marker not in r.text


def test_body_over_64kb_gets_413(client: httpx.Client) -> None:
    big = json.dumps({"description": "x" * 70_000})
    r = client.post("/api/validate", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert "65,536 bytes" in r.json()["detail"]


def test_chunked_body_over_64kb_gets_413(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: the server must count
        for _ in range(100):
            yield b" " * 1024

    r = client.post("/api/validate", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_server_survives_all_of_it(client: httpx.Client) -> None:
    for body, *_ in BAD_BODIES:
        client.post("/api/validate", content=body)
    assert client.get("/healthz").status_code == 200
