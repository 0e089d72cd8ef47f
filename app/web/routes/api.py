"""JSON API: health, the catalog the page builds its controls from, spec validation, the
2-D points a run trains on (for drawing), and the first validation examples of any dataset
(for the page's sample strip, sequence chart and text views). CSV uploads: uploads.py."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
import torch
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import Field, ValidationError

from app.data import DATASETS, DataError, Dataset, build_dataset
from app.nn import SpecError
from app.settings import Settings
from app.spec import DataSpec, ExperimentSpec, StrictModel, format_errors
from app.validation import check_spec
from app.web.heavy import run_heavy

router = APIRouter()


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/api/catalog")
async def catalog(request: Request) -> dict[str, Any]:
    return request.app.state.catalog


@router.post(
    "/api/validate",
    responses={422: {"description": "The spec is invalid: each error names its field."}},
)
async def validate(request: Request, settings: SettingsDep) -> JSONResponse:
    """Validates an ExperimentSpec (the raw JSON body): the inferred shapes and parameter
    counts per layer, or 422 with each error's field path and the limit in plain words."""
    body = await request.body()
    try:
        spec = ExperimentSpec.model_validate_json(body)
    except ValidationError as e:
        return invalid(format_errors(e))
    try:
        # Building the data and the (meta) model takes milliseconds to a second: off the
        # loop, in the heavy routes' own few threads.
        summary = await run_heavy(request, validate_spec, spec, settings)
    except SpecError as e:
        return invalid([{"field": e.field, "message": e.message}])
    return JSONResponse({"valid": True, "spec": spec.model_dump(), **summary})


def validate_spec(spec: ExperimentSpec, settings: Settings) -> dict[str, Any]:
    return check_spec(spec, data_dir=settings.data_dir, limits=settings.limits)


class PointsRequest(StrictModel):
    """A 2-D point set, named as an ExperimentSpec names its data: the same `data` and
    `seed` give the same points."""

    data: DataSpec = Field(default_factory=DataSpec)
    seed: int = Field(0, ge=0, le=2**31 - 1, description="As ExperimentSpec.seed.")


async def raw_body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]
POINT_SETS = [name for name, info in DATASETS.items() if info.input_kind == "points"]


@router.post(
    "/api/points",
    responses={
        422: {"description": "Not a 2-D point set, or out of bounds: each error names its field."}
    },
)
async def points(request: Request, body: RawBody, settings: SettingsDep) -> JSONResponse:
    """The raw 2-D points (train and val) that a run with this `data` and `seed` trains on,
    for drawing them over the output map. Generating them (and the JSON) runs in the heavy
    routes' threads (app/web/heavy.py), off the event loop."""
    return await run_heavy(request, answer_points, body, settings)


def answer_points(body: bytes, settings: Settings) -> JSONResponse:
    try:
        request = PointsRequest.model_validate_json(body)
    except ValidationError as e:
        return invalid(format_errors(e))
    info = DATASETS.get(request.data.dataset)
    if info is not None and info.input_kind != "points":
        message = (
            f"{request.data.dataset} is {info.input_kind} data; points exist only for the "
            f"2-D sets: {', '.join(POINT_SETS)}"
        )
        return invalid([{"field": "data.dataset", "message": message}])
    try:
        # The function and seed Run uses, so these are exactly the points it trains on.
        data = build_dataset(
            request.data, request.seed, data_dir=settings.data_dir, limits=settings.limits
        )
    except DataError as e:
        return invalid([{"field": e.field, "message": str(e)}])
    return JSONResponse(point_sets(data))


def point_sets(data: Dataset) -> dict[str, Any]:
    """A point dataset as JSON: domain, task, classes (0 for regression), and per split
    the (x1, x2) coordinates and targets, rounded to 4 decimals."""
    assert data.points_train is not None and data.points_val is not None and data.domain
    return {
        "domain": list(data.domain),
        "task": data.task,
        "n_classes": len(data.class_names),
        "train": {"x": _rounded(data.points_train), "y": _targets(data.y_train)},
        "val": {"x": _rounded(data.points_val), "y": _targets(data.y_val)},
    }


def _rounded(t: torch.Tensor) -> list[Any]:
    return np.round(t.numpy().astype(np.float64), 4).tolist()


def _targets(y: torch.Tensor) -> list[Any]:
    """Class indices as ints; regression targets (N, 1) as a flat list of numbers."""
    if y.dtype == torch.int64:
        return y.tolist()
    return _rounded(y.flatten())


class ExamplesRequest(StrictModel):
    """The first `count` validation examples of the dataset `data` and `seed` name (as
    an ExperimentSpec names them)."""

    data: DataSpec = Field(default_factory=DataSpec)
    seed: int = Field(0, ge=0, le=2**31 - 1, description="As ExperimentSpec.seed.")
    count: int = Field(16, ge=1, le=64, description="Examples to return.")


@router.post(
    "/api/examples",
    responses={422: {"description": "Out of bounds or unbuildable: each error names its field."}},
)
async def examples(request: Request, body: RawBody, settings: SettingsDep) -> JSONResponse:
    """The first `count` validation examples a run with this `data` and `seed` holds, in a
    form the page can draw: images as their first channel, sequences as (steps, features),
    tokens as text. Building the data runs in the heavy routes' threads."""
    return await run_heavy(request, answer_examples, body, settings)


def answer_examples(body: bytes, settings: Settings) -> JSONResponse:
    try:
        request = ExamplesRequest.model_validate_json(body)
    except ValidationError as e:
        return invalid(format_errors(e))
    try:
        # The function and seed Run uses, so these are exactly its x_val[:count].
        data = build_dataset(
            request.data, request.seed, data_dir=settings.data_dir, limits=settings.limits
        )
    except DataError as e:
        return invalid([{"field": e.field, "message": str(e)}])
    return JSONResponse(example_views(data, request.count))


def example_views(data: Dataset, count: int) -> dict[str, Any]:
    """The dataset's facts and its first `count` validation examples as JSON."""
    n = min(count, len(data.x_val))
    return {
        "input_kind": data.input_kind,
        "input_shape": list(data.input_shape),
        "task": data.task,
        "class_names": data.class_names,
        "feature_names": data.feature_names,
        "vocab": data.vocab,
        "examples": [
            {"index": i, "x": example_input(data, i), "y": example_target(data.y_val[i])}
            for i in range(n)
        ],
    }


def example_input(data: Dataset, i: int) -> Any:
    """Validation input `i`: an image's first channel (H, W) to 3 decimals, a sequence
    (T, F) to 4, tokens as their characters, a feature vector (F,) to 4."""
    x = data.x_val[i]
    if data.input_kind == "image":
        return np.round(x[0].numpy().astype(np.float64), 3).tolist()  # (H, W)
    if data.input_kind == "tokens":
        return "".join(data.vocab[token] for token in x.tolist())  # (T,) ids
    return _rounded(x)  # sequence (T, F); points and table (F,)


def example_target(y: torch.Tensor) -> Any:
    """A class index as an int; a regression target (D,) as a list of numbers."""
    if y.dtype == torch.int64:
        return int(y.item())
    return _rounded(y.flatten())


def invalid(errors: list[dict[str, str]]) -> JSONResponse:
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return JSONResponse({"valid": False, "detail": detail, "errors": errors}, status_code=422)
