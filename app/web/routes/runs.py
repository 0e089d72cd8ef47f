"""The caller's recorded runs (docs/http-api.md, "Runs"): list, one with its metrics
history, rename or pin, delete. The caller is the owner `app/web/owners.py` names; another
owner's run answers 404, as one that does not exist. Database work runs in FastAPI's thread
pool (these handlers are plain functions), never on the event loop."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field
from sqlalchemy.orm import Session, sessionmaker

from app.spec import StrictModel
from app.store import repository as repo
from app.store.views import run_detail, run_summary
from app.web.owners import owner_of

router = APIRouter()
NOT_FOUND = {"detail": "no such run: it does not exist, or it is not yours"}
NOT_RECORDED = {"detail": "this server does not record runs (its database is off or failed)"}


class RunChange(StrictModel):
    """A PATCH body: the fields to change."""

    name: str | None = Field(None, min_length=1, max_length=120, description="The run's name.")
    pinned: bool | None = Field(None, description="A pinned run is never deleted to make room.")


def _database(request: Request) -> sessionmaker[Session] | None:
    recorder = getattr(request.app.state, "recorder", None)
    return None if recorder is None else recorder.sessions


@router.get("/api/runs")
def list_runs(request: Request) -> Any:
    database, owner = _database(request), owner_of(request)
    if database is None:
        return JSONResponse(NOT_RECORDED, status_code=503)
    if owner is None:
        return {"runs": []}
    with database() as db:
        return {"runs": [run_summary(row) for row in repo.list_runs(db, owner)]}


@router.get("/api/runs/{run_id}")
def get_run(request: Request, run_id: str) -> Any:
    database = _database(request)
    if database is None:
        return JSONResponse(NOT_RECORDED, status_code=503)
    with database() as db:
        row = _owned(db, request, run_id)
        return JSONResponse(NOT_FOUND, status_code=404) if row is None else run_detail(row)


@router.patch("/api/runs/{run_id}")
def change_run(request: Request, run_id: str, change: RunChange) -> Any:
    database = _database(request)
    if database is None:
        return JSONResponse(NOT_RECORDED, status_code=503)
    with database.begin() as db:
        row = _owned(db, request, run_id)
        if row is None:
            return JSONResponse(NOT_FOUND, status_code=404)
        if change.name is not None:
            row.name = change.name.strip() or row.name
        if change.pinned is not None:
            row.pinned = change.pinned
        db.flush()
        return run_summary(row)


@router.delete("/api/runs/{run_id}", status_code=204)
def delete_run(request: Request, run_id: str) -> Response:
    database = _database(request)
    if database is None:
        return JSONResponse(NOT_RECORDED, status_code=503)
    with database.begin() as db:
        row = _owned(db, request, run_id)
        if row is None:
            return JSONResponse(NOT_FOUND, status_code=404)
        repo.delete_run(db, request.app.state.settings.checkpoints_dir, row)
    return Response(status_code=204)


def _owned(db: Session, request: Request, run_id: str) -> Any:
    owner = owner_of(request)
    if owner is None or len(run_id) > 32:
        return None
    return repo.get_run(db, owner, run_id)
