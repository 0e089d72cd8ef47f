"""A lesson for the whole class (docs/classroom.md, docs/http-api.md).

The teacher's routes (`/api/class/lesson...`: the admission middleware answers a student
403) open a lesson for everyone, read the answers' distribution, show the verdict, end it.
Every admitted page reads `GET /api/class-lesson` (which lesson is open, no answer in it)
and a student answers with `POST /api/class-lesson/answer`. Mounted only in class mode.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import Field, ValidationError

from app.lessons import LESSONS
from app.spec import StrictModel, format_errors
from app.web.class_lesson import AnswerRefused, ClassLesson, ClassLessonHolder
from app.web.classroom import Classroom, Member
from app.web.routes.api import invalid
from app.web.routes.class_control import TEACHER_ONLY

router = APIRouter()
NO_LESSON = "no lesson is open for the class now"


class OpenRequest(StrictModel):
    lesson: str = Field(..., max_length=40, description="The lesson's id (GET /api/lessons).")


class AnswerRequest(StrictModel):
    id: str = Field(..., max_length=40, description="The class lesson's id, as read.")
    choice: int | None = Field(..., ge=0, le=5, description="The choice's index; null: skip.")


def holder_of(request: Request) -> ClassLessonHolder:
    holder: ClassLessonHolder = request.app.state.class_lesson
    return holder


def tally_of(request: Request, current: ClassLesson) -> dict[str, Any]:
    classroom: Classroom = request.app.state.classroom
    return current.tally(len(classroom.students))


def refused(status: int, words: str) -> JSONResponse:
    return JSONResponse({"detail": words}, status_code=status)


@router.post(
    "/api/class/lesson",
    responses={**TEACHER_ONLY, 422: {"description": "No such lesson: the words list them."}},
)
async def open_lesson(request: Request) -> JSONResponse:
    """Opens `{"lesson": id}` for the class (students' pages open it within seconds),
    replacing any lesson open, with no answers yet."""
    try:
        wanted = OpenRequest.model_validate_json(await request.body())
    except ValidationError as e:
        return invalid(format_errors(e))
    lesson = LESSONS.get(wanted.lesson)
    if lesson is None:
        shown = wanted.lesson[:40]
        words = f"{shown!r} is not a lesson; the lessons are {', '.join(LESSONS)}"
        return invalid([{"field": "lesson", "message": words}])
    holder_of(request).current = current = ClassLesson(lesson)
    return JSONResponse(tally_of(request, current))


@router.get("/api/class/lesson", responses=TEACHER_ONLY)
async def lesson_answers(request: Request) -> dict[str, Any]:
    """The answers' distribution so far (and the verdict once shown); `{"id": null}` when
    no lesson is open."""
    current = holder_of(request).current
    return tally_of(request, current) if current is not None else {"id": None}


@router.post(
    "/api/class/lesson/verdict", responses={**TEACHER_ONLY, 409: {"description": NO_LESSON}}
)
async def show_verdict(request: Request) -> JSONResponse:
    """Closes the answers and shows the right one and how many predicted it."""
    current = holder_of(request).current
    if current is None:
        return refused(409, NO_LESSON)
    current.revealed = True
    return JSONResponse(tally_of(request, current))


@router.delete("/api/class/lesson", responses=TEACHER_ONLY)
async def end_lesson(request: Request) -> dict[str, Any]:
    holder_of(request).current = None
    return {"id": None}


@router.get("/api/class-lesson")
async def class_lesson_now(request: Request) -> dict[str, Any]:
    """The lesson open for the class, `{"id", "lesson", "title"}`, or `{"id": null}`."""
    current = holder_of(request).current
    return current.public() if current is not None else {"id": None}


@router.post(
    "/api/class-lesson/answer",
    responses={
        403: {"description": "Only a student answers."},
        409: {"description": "No such lesson open now, or the verdict was shown."},
        422: {"description": "The choice is not one of the question's."},
    },
)
async def answer(request: Request) -> JSONResponse:
    """A student's answer to the open lesson's question, `{"id", "choice"}` (null: skipped);
    a new answer replaces theirs until the teacher shows the verdict."""
    member = getattr(request.state, "member", None)
    if not isinstance(member, Member) or member.is_teacher:
        return refused(403, "only a student answers the class's question")
    try:
        given = AnswerRequest.model_validate_json(await request.body())
    except ValidationError as e:
        return invalid(format_errors(e))
    current = holder_of(request).current
    if current is None or current.id != given.id:
        return refused(409, "this lesson is no longer open for the class")
    try:
        current.answer(member.id, given.choice)
    except AnswerRefused as e:
        status = 409 if current.revealed else 422
        return refused(status, str(e))
    return JSONResponse({"id": current.id, "choice": given.choice})
