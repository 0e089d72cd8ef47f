"""Class mode's routes (docs/classroom.md, docs/http-api.md): the join page and its form, the
student's own name (`/api/me`), the teacher's page and the class read-out (`/api/class`).
Admission itself (cookies, 401/403, `/?code=`) is app/web/class_gate.py's; these routes are
mounted only in class mode.
"""

from __future__ import annotations

import gzip
import json
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from app.protocol import dumps
from app.web.class_gate import client_ip, join_page, set_member_cookie, too_many
from app.web.class_overview import class_overview
from app.web.classroom import Classroom, Member, NameRefused

router = APIRouter()
MAX_FIELD = 200  # characters of a form field read at most (a name is 32, a code 32)


def classroom_of(request: Request) -> Classroom:
    classroom: Classroom = request.app.state.classroom
    return classroom


def member_of(request: Request) -> Member | None:
    member = getattr(request.state, "member", None)
    return member if isinstance(member, Member) else None


@router.get("/join", response_class=HTMLResponse, include_in_schema=False)
async def join_form(request: Request) -> Response:
    student = classroom_of(request).student_of(member_of(request))
    templates = request.app.state.templates
    admitted_as = student.name if student else None
    return join_page(templates, request, 200, "", admitted_as=admitted_as)


@router.post(
    "/join",
    responses={
        401: {"description": "The class code is not right."},
        422: {"description": "The name is refused (length, characters, or taken)."},
        429: {"description": "Too many wrong codes from this address."},
    },
)
async def join(request: Request) -> Response:
    """Joins the class with `code` and `name` (a form, or JSON), or, for a student already
    in, changes their name (no code needed). A form is answered with a redirect to the
    playground, JSON with `{"name"}`; both set the session cookie."""
    as_json = request.headers.get("content-type", "").startswith("application/json")
    fields = await read_fields(request, as_json)
    classroom, member = classroom_of(request), member_of(request)
    code, name = fields.get("code", ""), fields.get("name", "")
    student = classroom.student_of(member)

    def refuse(status: int, error: str) -> Response:
        if as_json:
            return JSONResponse({"detail": error}, status_code=status)
        templates = request.app.state.templates
        admitted_as = student.name if student else None
        return join_page(templates, request, status, error, name=name, admitted_as=admitted_as)

    if student is None or code:
        ip = client_ip(request)
        if (wait := classroom.retry_after(ip)) is not None:
            return too_many(request, wait, request.app.state.templates)
        if not classroom.code_matches(code):
            classroom.record_failure(ip)
            return refuse(401, "That class code is not right.")
    try:
        if student is None:
            student = classroom.admit(name if name.strip() else None)
        elif name.strip():
            classroom.rename(student, name)
    except NameRefused as refused:
        return refuse(422, str(refused))
    response: Response = (
        JSONResponse({"name": student.name}) if as_json else RedirectResponse("/", status_code=303)
    )
    set_member_cookie(response, classroom, Member("student", student.id))
    return response


async def read_fields(request: Request, as_json: bool) -> dict[str, str]:
    """The request's string fields, from a URL-encoded form or a JSON object (anything else
    reads as no fields), each cut to MAX_FIELD characters."""
    body = (await request.body()).decode("utf-8", errors="replace")
    pairs: list[tuple[str, Any]]
    if as_json:
        try:
            parsed = json.loads(body or "{}")
        except ValueError:
            parsed = None
        pairs = list(parsed.items()) if isinstance(parsed, dict) else []
    else:
        pairs = parse_qsl(body, keep_blank_values=True)
    return {k: v[:MAX_FIELD] for k, v in pairs if isinstance(v, str)}


@router.get("/api/me")
async def me(request: Request) -> dict[str, Any]:
    """Who this browser is in the class: `{"role", "name"}`."""
    member = member_of(request)
    student = classroom_of(request).student_of(member)
    if student is None:
        return {"role": "teacher", "name": "Teacher"}
    return {"role": "student", "name": student.name}


@router.post(
    "/api/me",
    responses={422: {"description": "The name is refused: the error says why."}},
)
async def rename(request: Request) -> Response:
    """A student picks their display name: `{"name": "..."}`."""
    fields = await read_fields(request, as_json=True)
    student = classroom_of(request).student_of(member_of(request))
    if student is None:
        return JSONResponse({"detail": "only students have a display name"}, status_code=403)
    try:
        classroom_of(request).rename(student, fields.get("name", ""))
    except NameRefused as refused:
        field, _, words = str(refused).partition(": ")
        return JSONResponse(
            {"detail": str(refused), "errors": [{"field": field, "message": words}]},
            status_code=422,
        )
    return JSONResponse({"role": "student", "name": student.name})


@router.get("/teacher", response_class=HTMLResponse, include_in_schema=False)
async def teacher_page(request: Request) -> HTMLResponse:
    templates = request.app.state.templates
    return templates.TemplateResponse(request, "teacher.html", {"version": request.app.version})


@router.get("/api/class", responses={403: {"description": "Students may not read this."}})
async def class_state(request: Request) -> Response:
    """Every student in joining order with their live run (null if none): kind, dataset,
    layers in words, step, epoch, latest losses, status and thumbnail (teacher only)."""
    overview = class_overview(classroom_of(request), request.app.state.sessions)
    return compressed_json(request, overview)


def compressed_json(request: Request, content: Any) -> Response:
    """JSON, gzipped when the client accepts it: the page reads the overview twice a second,
    and its base64 thumbnails shrink about 3 times (110 kB for 100 students: 34 kB, in
    about a millisecond at level 1)."""
    body = dumps(content).encode()  # a diverged run's NaN loss as null
    if "gzip" not in request.headers.get("accept-encoding", "").lower():
        return Response(body, media_type="application/json")
    headers = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
    return Response(gzip.compress(body, 1), media_type="application/json", headers=headers)
