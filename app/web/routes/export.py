"""POST /api/export: the page's Export button. The body names the caller's session
({"session": token}, the token its websocket's `hello` gave it); the session's current run
is asked for its weights through the pool (the worker's `state` command, app/protocol.py),
and the answer is written out as app/export writes `nnplayground export`'s folder, zipped:
model.py, data.npz, weights.safetensors, spec.json and model.onnx (docs/runs.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.export import ExportError, zip_from_state
from app.settings import Settings
from app.spec import format_errors
from app.web.heavy import run_heavy
from app.web.routes.api import RawBody, SettingsDep, invalid

router = APIRouter()

PATH = "/api/export"
# How long to wait for the run's worker to send its weights: a turn of training, or a
# frame being drawn, comes first; far less than this on a busy two-core server.
STATE_TIMEOUT_S = 15.0
FILENAME = "nnplayground-export.zip"


class ExportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session: str = Field(..., min_length=1, max_length=200, description="The session token.")


@router.post(PATH, response_model=None)
async def export(request: Request, body: RawBody, settings: SettingsDep) -> Response:
    try:
        token = ExportRequest.model_validate_json(body).session
    except ValidationError as e:
        return invalid(format_errors(e))
    session = request.app.state.sessions.sessions.get(token)
    if session is None or session.run_id is None:
        return _refused(404, "there is no run to export: press play (or step) first")
    state = await request.app.state.pool.fetch_state(session.run_id, STATE_TIMEOUT_S)
    if state is None:
        return _refused(503, f"the run's worker did not answer within {STATE_TIMEOUT_S:.0f} s")
    if state["tensors"] is None:
        return invalid([{"field": "run", "message": state["detail"]}])
    try:
        archive = await run_heavy(request, _zip, state, settings)
    except ExportError as e:
        return invalid([{"field": e.field, "message": e.message}])
    headers = {"content-disposition": f'attachment; filename="{FILENAME}"'}
    return Response(archive, media_type="application/zip", headers=headers)


def _zip(state: dict[str, Any], settings: Settings) -> bytes:
    return zip_from_state(state, settings.data_dir, settings.limits)


def _refused(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)
