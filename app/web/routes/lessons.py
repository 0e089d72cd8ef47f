"""The lessons: the menu, one lesson's file, and its check on a seed (docs/lessons.md).

A check trains the lesson's runs headless in a child process of its own (app/web/checks.py),
never in this process: it answers this request, bounded per client and in total (429
beyond), killed when its client leaves or its time limit passes.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import Field, ValidationError

from app.lessons import LESSONS
from app.spec import StrictModel, format_errors
from app.web.checks import run_check
from app.web.routes.api import RawBody, invalid

router = APIRouter()


class CheckRequest(StrictModel):
    seed: int = Field(0, ge=0, le=2**31 - 1, description="The seed of every run.")


@router.get("/api/lessons")
async def list_lessons() -> list[dict[str, Any]]:
    """The menu, in the course's order."""
    return [
        {"id": x.id, "order": x.order, "title": x.title, "concept": x.concept}
        for x in LESSONS.values()
    ]


@router.get("/api/lessons/{lesson_id}", responses={404: {"description": "No such lesson."}})
async def get_lesson(lesson_id: str) -> JSONResponse:
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
        429: {"description": "Too many checks at once, from this client or in all."},
        500: {"description": "The check failed on the server: the detail says why."},
        503: {"description": "The check ran past the server's time limit."},
    },
)
async def check(lesson_id: str, body: RawBody, request: Request) -> JSONResponse:
    """Trains the lesson's runs on `seed` and judges its check: `holds`, `measured` (null
    for a figure that is not finite), the verdict `lines` and each assertion."""
    lesson = LESSONS.get(lesson_id)
    if lesson is None:
        return _not_found()
    try:
        check_request = CheckRequest.model_validate_json(body or b"{}")
    except ValidationError as e:
        return invalid(format_errors(e))
    outcome = await run_check(request, lesson.id, check_request.seed)
    return JSONResponse(outcome.body, status_code=outcome.status)


def _not_found() -> JSONResponse:
    return JSONResponse(
        {"detail": f"there is no lesson with this id; the lessons are {', '.join(LESSONS)}"},
        status_code=404,
    )
