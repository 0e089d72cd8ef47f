"""The HTTP API against a real uvicorn server: health, catalog, validate, points, 413, 422
(never 500)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import numpy as np
import pytest

from app.data import DATASETS
from app.spec import LAYER_TYPES, ExperimentSpec
from app.train import Run


def test_healthz(client: httpx.Client) -> None:
    r = client.get("/healthz")
    assert (r.status_code, r.json()) == (200, {"status": "ok"})


def test_page_and_static_files(client: httpx.Client) -> None:
    r = client.get("/")
    assert r.status_code == 200 and "NN Playground" in r.text
    css = client.get("/static/css/site.css")
    assert css.status_code == 200 and "--accent" in css.text


def test_the_gan_page_is_served(client: httpx.Client) -> None:
    r = client.get("/gan")
    assert r.status_code == 200 and "js/gan/main.js" in r.text and 'href="/"' in r.text
    assert client.get("/static/js/gan/main.js").status_code == 200
    assert 'href="/gan"' in client.get("/").text


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
    ('{"train": {"lr": -1}}', "train.lr", "more than 0"),
    (
        '{"model": {"layers": [{"type": "dense", "units": -1}]}}',
        "model.layers.0.units",
        "at least 1",
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


# --- POST /api/points ---


def test_points_returns_both_splits_rounded(client: httpx.Client) -> None:
    body = {"data": {"dataset": "spiral", "n_samples": 200, "noise": 0.2, "n_classes": 3}}
    r = client.post("/api/points", json={**body, "seed": 7})
    assert r.status_code == 200, r.text
    points = r.json()
    assert set(points) == {"domain", "task", "n_classes", "train", "val"}
    assert (points["domain"], points["task"], points["n_classes"]) == ([-6.0, 6.0], "multiclass", 3)
    train, val = points["train"], points["val"]
    assert len(train["x"]) == len(train["y"]) == 100 == len(val["x"]) == len(val["y"])
    coordinates = [c for xy in train["x"] + val["x"] for c in xy]
    assert all(len(xy) == 2 for xy in train["x"] + val["x"])
    assert all(-6 <= c <= 6 and round(c, 4) == c for c in coordinates)
    assert set(train["y"]) == {0, 1, 2}
    other = client.post("/api/points", json={**body, "seed": 8}).json()
    assert other["train"]["x"] != train["x"]


@pytest.mark.parametrize(
    "data",
    [
        {"dataset": "spiral", "n_samples": 200, "noise": 0.2, "n_classes": 3},
        {"dataset": "xor", "val_fraction": 0.3},
        {"dataset": "multi_gaussian", "n_samples": 300, "noise": 0.5, "features": ["x1^2"]},
    ],
)
def test_points_are_the_ones_a_run_trains_on(client: httpx.Client, data: dict) -> None:
    points = client.post("/api/points", json={"data": data, "seed": 11}).json()
    run = Run(ExperimentSpec.model_validate({"data": data, "seed": 11}))
    assert points["task"] == run.task
    for split, xy, y in (
        ("train", run.data.points_train, run.data.y_train),
        ("val", run.data.points_val, run.data.y_val),
    ):
        assert xy is not None
        np.testing.assert_allclose(points[split]["x"], xy.numpy(), atol=5e-5, rtol=0)
        if run.task == "regression":
            np.testing.assert_allclose(points[split]["y"], y[:, 0].numpy(), atol=5e-5, rtol=0)
        else:
            assert points[split]["y"] == y.tolist()


BAD_POINTS = [
    ('{"data": {"dataset": "digits"}}', "data.dataset", "digits is image data"),
    ('{"data": {"dataset": "mnist"}}', "data.dataset", "points exist only for the 2-D sets"),
    ('{"data": {"dataset": "sine"}}', "data.dataset", "sine is sequence data"),
    ('{"data": {"dataset": "names"}}', "data.dataset", "names is tokens data"),
    ('{"data": {"dataset": "csv", "file": "a.csv"}}', "data.dataset", "csv is table data"),
    ('{"data": {"dataset": "nope"}}', "data.dataset", "unknown dataset"),
    ('{"seed": -1}', "seed", "at least 0"),
    ('{"seed": 2147483648}', "seed", "at most 2147483647"),
    ('{"data": {"n_samples": 5}}', "data.n_samples", "at least 10"),
    ('{"data": {"n_samples": 100001}}', "data.n_samples", "at most 100000"),
    ('{"data": {"noise": NaN}}', "data.noise", "finite number"),
    ('{"data": {"dataset": "moons", "n_classes": 3}}', "data.n_classes", "only 2 classes"),
    ('{"data": {}, "extra": 1}', "extra", "Extra inputs are not permitted"),
    ("[1, 2]", "body", "must be an object"),
    ("{not json", "body", "Invalid JSON"),
]


@pytest.mark.parametrize(("body", "field", "fragment"), BAD_POINTS)
def test_points_422_names_the_field(
    client: httpx.Client, body: str, field: str, fragment: str
) -> None:
    r = client.post("/api/points", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    payload = r.json()
    assert payload["valid"] is False and "Traceback" not in r.text
    assert any(e["field"] == field and fragment in e["message"] for e in payload["errors"]), payload


def test_points_body_over_64kb_gets_413(client: httpx.Client) -> None:
    big = json.dumps({"data": {"dataset": "x" * 70_000}})
    r = client.post("/api/points", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413
