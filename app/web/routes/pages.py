"""The HTML page shells (the pages themselves are built by static/js): the playground at /,
the GAN page at /gan."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def index(request: Request) -> HTMLResponse:
    templates = request.app.state.templates
    context = {
        "version": request.app.version,
        "student_name": student_name(request),
        "class_role": class_role(request),
    }
    return templates.TemplateResponse(request, "index.html", context)


def student_name(request: Request) -> str | None:
    """In class mode, the student's display name (the page links it to /join to change it);
    None for the teacher and in open mode."""
    classroom = getattr(request.app.state, "classroom", None)
    if classroom is None:
        return None
    student = classroom.student_of(getattr(request.state, "member", None))
    return None if student is None else str(student.name)


def class_role(request: Request) -> str:
    """ "teacher" or "student" in class mode (the page mounts the teacher's send panel, or
    the student's locks); "" in open mode."""
    member = getattr(request.state, "member", None)
    if getattr(request.app.state, "classroom", None) is None or member is None:
        return ""
    return "teacher" if member.is_teacher else "student"


@router.get("/gan", response_class=HTMLResponse, include_in_schema=False)
async def gan(request: Request) -> HTMLResponse:
    templates = request.app.state.templates
    return templates.TemplateResponse(request, "gan.html", {"version": request.app.version})
