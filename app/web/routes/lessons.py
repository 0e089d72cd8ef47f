"""The lessons: the menu, one lesson's file, and its check on a seed (docs/lessons.md).

A check trains the lesson's runs headless, in this process's threadpool rather than on a
worker: it is one short job (seconds, 30 s at most) that must answer this request, not a
run a socket watches. Checks share this process's CPU, so one runs at a time; a second
waits up to `CHECK_WAIT_S` for it, then is told to try again (429).
"""

from __future__ import annotations

import threading
from typing import Any

import torch
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field, ValidationError

from app.lessons import LESSONS, LessonError, check_lesson
from app.spec import StrictModel, format_errors
from app.web.routes.api import RawBody, SettingsDep, invalid

router = APIRouter()

CHECK_WAIT_S = 60.0  # how long a check waits for the one before it
BUSY = "a lesson check is already running; try again in a moment"
_checking = threading.Lock()  # process-wide on purpose: the CPU is the process's, not an app's


class CheckRequest(StrictModel):
    seed: int = Field(0, ge=0, le=2**31 - 1, description="The seed of every run.")


@router.get("/api/lessons")
def list_lessons() -> list[dict[str, Any]]:
    """The menu, in the course's order."""
    return [
        {"id": x.id, "order": x.order, "title": x.title, "concept": x.concept}
        for x in LESSONS.values()
    ]


@router.get("/api/lessons/{lesson_id}", responses={404: {"description": "No such lesson."}})
def get_lesson(lesson_id: str) -> JSONResponse:
    """The lesson's file, with every default filled in."""
    lesson = LESSONS.get(lesson_id)
    if lesson is None:
        return _not_found()
    return JSONResponse(lesson.model_dump(mode="json"))


@router.post(
    "/api/lessons/{lesson_id}/check",
    responses={
        404: {"description": "No such lesson."},
        422: {"description": "The seed is missing its bounds: the error names the field."},
        429: {"description": "Another check ran for over a minute; try again."},
    },
)
def check(lesson_id: str, body: RawBody, settings: SettingsDep) -> JSONResponse:
    """Trains the lesson's runs on `seed` and judges its check: `holds`, `measured` (null
    for a figure that is not finite), the verdict `lines` and each assertion. A plain
    `def`: the training and the wait for the lock run in the threadpool."""
    lesson = LESSONS.get(lesson_id)
    if lesson is None:
        return _not_found()
    try:
        request = CheckRequest.model_validate_json(body or b"{}")
    except ValidationError as e:
        return invalid(format_errors(e))
    if not _checking.acquire(timeout=CHECK_WAIT_S):
        return JSONResponse({"detail": BUSY}, status_code=429)
    try:
        torch.set_num_threads(settings.torch_threads)
        return JSONResponse(check_lesson(lesson, request.seed).to_json())
    except LessonError as error:  # a shipped lesson that cannot run: our bug, said plainly
        detail = f"lesson {lesson.id} cannot be checked: {error}"
        return JSONResponse({"detail": detail}, status_code=500)
    finally:
        _checking.release()


def _not_found() -> JSONResponse:
    return JSONResponse(
        {"detail": f"there is no lesson with this id; the lessons are {', '.join(LESSONS)}"},
        status_code=404,
    )
