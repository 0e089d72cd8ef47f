"""POST /api/examples: the first validation examples of any dataset, exactly the ones a run
with that data and seed holds as x_val[:count], in a form the page draws; bad requests get
422 naming the field. The app runs in process (httpx's ASGITransport: no workers)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi import FastAPI

from app.settings import Settings
from app.spec import ExperimentSpec
from app.train import Run
from app.web.app import create_app

CSV = "a,b,c,kind\n" + "".join(
    f"{i},{(i * 7) % 11},{i % 5 / 4},{'xyz'[i % 3]}\n" for i in range(60)
)


@pytest.fixture()
def app(tmp_path: Path) -> FastAPI:
    return create_app(Settings(data_dir=tmp_path, workers=1))


def post(app: FastAPI, body: Any, path: str = "/api/examples") -> httpx.Response:
    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            if isinstance(body, str):
                headers = {"content-type": "application/json"}
                return await client.post(path, content=body, headers=headers)
            return await client.post(path, json=body)

    return asyncio.run(send())


def upload(app: FastAPI) -> str:
    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.post("/api/uploads", content=CSV.encode())

    return str(asyncio.run(send()).json()["file"])


# One spec per input kind and task; the model only has to build for Run.
SPECS = [
    {"data": {"dataset": "digits"}},
    {"data": {"dataset": "mnist", "n_samples": 500}},
    {"data": {"dataset": "sine", "noise": 0.3}},
    {"data": {"dataset": "memory", "seq_len": 12}, "model": {"layers": [{"type": "lstm"}]}},
    {"data": {"dataset": "names", "seq_len": 6}, "model": {"layers": [{"type": "embedding"}]}},
    {"data": {"dataset": "spiral", "n_classes": 3, "features": ["x1", "x2", "sin(x1)"]}},
    {"data": {"dataset": "plane", "noise": 0.5}},
]


def check_same(kind: str, x: Any, held: np.ndarray, vocab: list[str]) -> None:
    """`x` as the endpoint sends it is `held` (one example of Run.x_val), rounded."""
    if kind == "image":
        np.testing.assert_allclose(x, held[0], atol=5e-4, rtol=0)  # the first channel
        assert all(round(v, 3) == v for row in x for v in row)
    elif kind == "tokens":
        assert x == "".join(vocab[t] for t in held.tolist())
    else:
        np.testing.assert_allclose(x, held, atol=5e-5, rtol=0)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s["data"]["dataset"])
def test_examples_are_the_runs_first_validation_examples(
    app: FastAPI, spec: dict[str, Any]
) -> None:
    r = post(app, {"data": spec["data"], "seed": 5, "count": 12})
    assert r.status_code == 200, r.text
    body = r.json()
    run = Run(ExperimentSpec.model_validate({**spec, "seed": 5}))
    data = run.data
    assert body["input_kind"] == data.input_kind and body["input_shape"] == list(data.input_shape)
    assert (body["task"], body["class_names"]) == (data.task, data.class_names)
    assert (body["feature_names"], body["vocab"]) == (data.feature_names, data.vocab)
    assert [e["index"] for e in body["examples"]] == list(range(12))
    for example, held, y in zip(body["examples"], run.x_val, run.y_val, strict=False):
        check_same(data.input_kind, example["x"], held.numpy(), data.vocab)
        if data.task == "regression":
            np.testing.assert_allclose(example["y"], y.numpy(), atol=5e-5, rtol=0)
        else:
            assert example["y"] == int(y) and isinstance(example["y"], int)


def test_examples_of_an_uploaded_csv(app: FastAPI, tmp_path: Path) -> None:
    data = {"dataset": "csv", "file": upload(app), "target": "kind"}
    body = post(app, {"data": data, "seed": 3}).json()
    run = Run(ExperimentSpec.model_validate({"data": data, "seed": 3}), data_dir=tmp_path)
    assert (body["input_kind"], body["input_shape"], body["task"]) == ("table", [3], "multiclass")
    assert (body["feature_names"], body["class_names"]) == (["a", "b", "c"], ["x", "y", "z"])
    assert len(body["examples"]) == 12  # count 16 asked by default; 60 rows hold out 12
    for example, held, y in zip(body["examples"], run.x_val, run.y_val, strict=True):
        np.testing.assert_allclose(example["x"], held.numpy(), atol=5e-5, rtol=0)
        assert example["y"] == int(y)


def test_shapes_as_the_page_draws_them(app: FastAPI) -> None:
    mnist = post(app, {"data": {"dataset": "mnist", "n_samples": 100}, "count": 3}).json()
    assert len(mnist["examples"]) == 3
    assert np.array(mnist["examples"][0]["x"]).shape == (28, 28)
    sine = post(app, {"data": {"dataset": "sum_of_sines", "seq_len": 30}}).json()
    assert len(sine["examples"]) == 16
    assert np.array(sine["examples"][0]["x"]).shape == (30, len(sine["feature_names"]))
    names = post(app, {"data": {"dataset": "names", "seq_len": 5}, "count": 64}).json()
    assert all(len(e["x"]) == 5 for e in names["examples"]) and len(names["examples"]) == 64


def test_another_seed_gives_other_examples(app: FastAPI) -> None:
    request = {"data": {"dataset": "digits"}, "count": 4}
    first = post(app, {**request, "seed": 1}).json()["examples"]
    assert post(app, {**request, "seed": 1}).json()["examples"] == first
    assert post(app, {**request, "seed": 2}).json()["examples"] != first


BAD_REQUESTS = [
    ('{"count": 0}', "count", "at least 1"),
    ('{"count": 65}', "count", "at most 64"),
    ('{"count": 2.5}', "count", "must be a valid integer"),
    ('{"seed": -1}', "seed", "at least 0"),
    ('{"data": {"dataset": "nope"}}', "data.dataset", "unknown dataset 'nope'"),
    ('{"data": {"dataset": "csv"}}', "data.file", "choose an uploaded CSV file"),
    (
        '{"data": {"dataset": "csv", "file": "absent.csv"}}',
        "data.file",
        "there is no uploaded file named 'absent.csv'",
    ),
    ('{"data": {"dataset": "sine", "seq_len": 201}}', "data.seq_len", "at most 200"),
    ('{"data": {"noise": NaN}}', "data.noise", "finite number"),
    ('{"data": {}, "extra": 1}', "extra", "Extra inputs are not permitted"),
    ("[1, 2]", "body", "must be an object"),
    ("{not json", "body", "Invalid JSON"),
]


@pytest.mark.parametrize(("body", "field", "fragment"), BAD_REQUESTS)
def test_bad_request_gets_422_naming_the_field(
    app: FastAPI, body: str, field: str, fragment: str
) -> None:
    r = post(app, body)
    assert r.status_code == 422, r.text
    payload = r.json()
    assert payload["valid"] is False and "Traceback" not in r.text
    assert any(e["field"] == field and fragment in e["message"] for e in payload["errors"]), payload


def test_body_over_64_kb_gets_413(app: FastAPI) -> None:
    r = post(app, '{"data": {"dataset": "' + "x" * 70_000 + '"}}')
    assert r.status_code == 413 and "65,536 bytes" in r.json()["detail"]
