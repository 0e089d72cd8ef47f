"""The teacher's challenge and its leaderboard (docs/classroom.md, docs/http-api.md).

`/api/class/challenge` (set, end) and `/api/class/leaderboard` are the teacher's: the
admission middleware answers a student 403 there. A student reads `/api/challenge`: the goal
and their own place, not their classmates'. Mounted only in class mode.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from app.spec import format_errors
from app.web.class_challenge import (
    Challenge,
    ChallengeHolder,
    leaderboard,
    own_standing,
    public_board,
)
from app.web.classroom import Classroom, Member
from app.web.routes.api import invalid
from app.web.routes.class_control import TEACHER_ONLY
from app.web.sessions import SessionRegistry

router = APIRouter()


def holder_of(request: Request) -> ChallengeHolder:
    holder: ChallengeHolder = request.app.state.class_challenge
    return holder


def board_of(request: Request, challenge: Challenge) -> dict[str, Any]:
    classroom: Classroom = request.app.state.classroom
    registry: SessionRegistry = request.app.state.sessions
    return leaderboard(challenge, classroom, registry)


@router.post(
    "/api/class/challenge",
    responses={**TEACHER_ONLY, 422: {"description": "A field of the goal is invalid."}},
)
async def set_challenge(request: Request) -> JSONResponse:
    """Sets the class's goal `{"dataset", "metric", "max_neurons", "max_layers"}`,
    replacing the last one; students' pages show it within a few seconds."""
    try:
        challenge = Challenge.model_validate_json(await request.body())
    except ValidationError as e:
        return invalid(format_errors(e))
    holder_of(request).challenge = challenge
    return JSONResponse({"challenge": challenge.view()})


@router.delete("/api/class/challenge", responses=TEACHER_ONLY)
async def end_challenge(request: Request) -> dict[str, Any]:
    holder_of(request).challenge = None
    return {"challenge": None}


@router.get("/api/class/leaderboard", responses=TEACHER_ONLY)
async def class_leaderboard(request: Request) -> dict[str, Any]:
    """Every qualifying run ranked, best first, from the server's own metrics; the runs
    that break the goal's dataset or limits, with the reason; those with no score yet."""
    challenge = holder_of(request).challenge
    if challenge is None:
        return {"challenge": None, "ranked": [], "not_qualifying": [], "no_score": []}
    return public_board(board_of(request, challenge))


@router.get("/api/challenge")
async def my_challenge(request: Request) -> dict[str, Any]:
    """The goal, and for a student their own rank (or why their run does not qualify)."""
    challenge = holder_of(request).challenge
    if challenge is None:
        return {"challenge": None}
    member = getattr(request.state, "member", None)
    if not isinstance(member, Member) or member.is_teacher:
        return {"challenge": challenge.view()}
    return own_standing(board_of(request, challenge), member.id)
