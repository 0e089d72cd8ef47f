"""JSON API: health, the catalog the page builds its controls from, and spec validation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from app.nn import SpecError
from app.settings import Settings
from app.spec import ExperimentSpec, format_errors
from app.validation import check_spec

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
        # Building the data and the (meta) model takes milliseconds to a second: off the loop.
        summary = await run_in_threadpool(
            check_spec, spec, data_dir=settings.data_dir, limits=settings.limits
        )
    except SpecError as e:
        return invalid([{"field": e.field, "message": e.message}])
    return JSONResponse({"valid": True, "spec": spec.model_dump(), **summary})


def invalid(errors: list[dict[str, str]]) -> JSONResponse:
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return JSONResponse({"valid": False, "detail": detail, "errors": errors}, status_code=422)
