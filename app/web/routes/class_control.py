"""The teacher's control over the class (docs/classroom.md, docs/http-api.md): send an
experiment to everyone with settings locked, unlock all, pause all, reset all. Teacher only:
the admission middleware answers a student 403 on every `/api/class/` route. Mounted only
in class mode; the locks themselves are app/web/class_locks.py's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import Field, ValidationError, field_validator

from app.nn import SpecError
from app.spec import ExperimentSpec, StrictModel, format_errors
from app.web.class_locks import LOCKS, MAX_LOCKS, ClassLocks
from app.web.heavy import run_heavy
from app.web.routes.api import invalid, validate_spec
from app.web.sessions import Session, SessionRegistry

router = APIRouter()
TEACHER_ONLY: dict[int | str, dict[str, Any]] = {403: {"description": "Students may not do this."}}


class SendRequest(StrictModel):
    """The teacher's experiment and the settings to lock, named as the page's URL names
    them (`lr`, `layers`, `dataset`...)."""

    spec: ExperimentSpec
    locks: list[str] = Field(default_factory=list, max_length=MAX_LOCKS)

    @field_validator("locks")
    @classmethod
    def _known(cls, locks: list[str]) -> list[str]:
        for name in locks:
            if name not in LOCKS:
                shown = name[:40]
                raise ValueError(f"{shown!r} cannot be locked; the locks are {', '.join(LOCKS)}")
        return locks


def class_locks_of(request: Request) -> ClassLocks:
    locks: ClassLocks = request.app.state.class_locks
    return locks


def student_sessions(request: Request) -> list[Session]:
    registry: SessionRegistry = request.app.state.sessions
    return [s for s in registry.sessions.values() if s.student is not None]


def tell_students(request: Request) -> int:
    """Queues the `class` event for every student's session (one waiting for a reload
    too); the number of students' pages open now."""
    event = class_locks_of(request).event()
    sessions = student_sessions(request)
    for session in sessions:
        session.outbox.put(dict(event))
    return len({s.student for s in sessions if s.socket is not None})


@router.post(
    "/api/class/send",
    responses={**TEACHER_ONLY, 422: {"description": "The spec or a lock name is invalid."}},
)
async def send_experiment(request: Request) -> JSONResponse:
    """Sends `{"spec", "locks"}` to every student: their pages load the spec and start it;
    the server refuses a student's start or set that changes a locked setting."""
    try:
        sent = SendRequest.model_validate_json(await request.body())
    except ValidationError as e:
        return invalid(format_errors(e))
    settings = request.app.state.settings
    try:  # the same checks as /api/validate: shapes and the parameter limit
        await run_heavy(request, validate_spec, sent.spec, settings)
    except SpecError as e:
        return invalid([{"field": f"spec.{e.field}", "message": e.message}])
    experiment = class_locks_of(request).send(sent.spec.model_dump(), sent.locks)
    reached = tell_students(request)
    return JSONResponse(
        {"experiment": experiment.id, "locks": list(experiment.locks), "students": reached}
    )


@router.post("/api/class/unlock", responses=TEACHER_ONLY)
async def unlock_all(request: Request) -> dict[str, Any]:
    """Lifts every lock; the experiment stays what the students have."""
    class_locks_of(request).unlock_all()
    return {"locks": [], "students": tell_students(request)}


@router.post("/api/class/pause", responses=TEACHER_ONLY)
async def pause_all(request: Request) -> dict[str, Any]:
    """Pauses every student's run (a page reloading meanwhile finds it paused)."""
    return {"paused": command_all(request, "pause")}


@router.post("/api/class/reset", responses=TEACHER_ONLY)
async def reset_all(request: Request) -> dict[str, Any]:
    """Resets every student's run to fresh weights (as their own Reset does)."""
    return {"reset": command_all(request, "reset")}


def command_all(request: Request, kind: str) -> int:
    """Sends `kind` to every student's run; how many runs got it."""
    pool = request.app.state.pool
    count = 0
    for session in student_sessions(request):
        if session.run_id is None:
            continue
        if kind == "pause":
            session.resume_on_attach = False  # a reload must not play it again
        pool.command(session.run_id, {"type": kind})
        if kind == "reset":  # the page did not ask: it learns so, to clear its views
            session.outbox.put(class_locks_of(request).event() | {"reset": True})
        count += 1
    return count
