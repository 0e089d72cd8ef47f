"""`WS /ws?watch=N`: the teacher's read-only view of student N's run (N: the `number` of
`GET /api/class`), to open it large and discuss it (docs/classroom.md).

The watcher's socket gets `watching` (the run and its spec: again whenever the student starts
another run), then a copy of what the student's own socket gets (status, metrics,
frames of the views the student's page watches, errors), through an `Outbox` of its own with
the same bounds: a slow teacher's tab is closed as too slow and never slows the student.
It controls nothing: every message it sends is refused in words (the run is the student's),
and the handshake of anyone but the teacher is refused (HTTP 403).
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import WebSocket
from starlette.websockets import WebSocketDisconnect

from app.protocol import PROTOCOL_VERSION, ErrorEvent, HelloEvent, HelloLimits, dumps
from app.settings import Settings
from app.web.classroom import Classroom, Member
from app.web.guards import RateLimit, Refusal
from app.web.sessions import Outbox, Session, SessionRegistry

log = logging.getLogger(__name__)

READ_ONLY = (
    "read-only: this is the teacher's view of a student's run; it cannot start, pause, step, "
    "reset, change or view it (the student's page does)"
)
NO_RUN = (
    "watch: no run to watch: no student has that number (their `number` in GET /api/class), "
    "or they have no run now"
)
CLOSE_TOO_SLOW = 4002  # as app/web/ws.py's
SENT_TROUBLE = (WebSocketDisconnect, OSError, RuntimeError)


def watch_refusal(websocket: WebSocket, classroom: Classroom | None) -> Refusal | None:
    """Why this socket may not watch (None: it may): only the teacher of a class may."""
    member = websocket.scope.get("state", {}).get("member")
    if classroom is None or not (isinstance(member, Member) and member.is_teacher):
        return Refusal("forbidden", "only the teacher may watch a student's run")
    return None


def watched_session(
    classroom: Classroom, registry: SessionRegistry, number: str | None
) -> Session | None:
    """Student `number`'s session with a run (the one a page holds, if several)."""
    student = next((s for s in classroom.students.values() if str(s.number) == number), None)
    if student is None:
        return None
    mine = [s for s in registry.sessions.values() if s.student == student.id and s.run_id]
    mine.sort(key=lambda s: s.socket is not None, reverse=True)
    return mine[0] if mine else None


async def serve_watch(websocket: WebSocket, session: Session | None, settings: Settings) -> None:
    """Mirrors `session`'s events to this accepted socket until either side ends."""
    outbox = Outbox(settings.ws_max_pending_points, settings.ws_max_pending_events)
    outbox.keep_newest = False
    if not await send(websocket, dumps(hello(session, settings)), settings):
        return
    if session is None or session.run_id is None:  # (it may have closed during the hello)
        error = ErrorEvent(run=None, code="no_run", field="watch", message=NO_RUN)
        await send(websocket, dumps(error.wire()), settings)
        await websocket.close(1000, "no run to watch")
        return
    # Which run and network, before anything of the run: the page lays out its views first.
    if not await send(websocket, dumps(session.watching()), settings):
        return
    if session.last_status is not None:
        outbox.put(session.last_status)  # where the run is, at once
    session.watchers.add(outbox)
    try:
        tasks = [
            asyncio.create_task(forward(websocket, outbox, settings)),
            asyncio.create_task(refuse_messages(websocket, session, outbox, settings)),
        ]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        session.watchers.discard(outbox)
    if outbox.overflow:
        await close(websocket, CLOSE_TOO_SLOW, "too slow: more events waited than kept")


def hello(session: Session | None, settings: Settings) -> dict[str, object]:
    s = settings
    limits = HelloLimits(
        max_message_bytes=s.ws_max_message_bytes,
        messages_per_s=s.ws_messages_per_s,
        send_timeout_s=s.ws_send_timeout_s,
        resume_grace_s=0.0,  # nothing to resume: a watcher holds no session
        idle_timeout_s=s.ws_idle_timeout_s,
        idle_no_run_s=s.ws_idle_no_run_s,
        runs_per_session=0,
        run_time_limit_s=s.run_time_limit_s,
        max_fps=60,
        max_grid=s.limits.max_grid,
    )
    run = session.run_id if session is not None else None
    event = HelloEvent(
        protocol=PROTOCOL_VERSION, device="", session="", resumed=False, run=run, limits=limits
    )
    return event.wire()


async def forward(websocket: WebSocket, outbox: Outbox, settings: Settings) -> None:
    while not outbox.overflow:
        await outbox.wake.wait()
        if outbox.overflow:
            return
        for message in outbox.take():
            if not await send(websocket, message, settings):
                return


async def refuse_messages(
    websocket: WebSocket, session: Session, outbox: Outbox, settings: Settings
) -> None:
    """Answers every message with the refusal; too many close the socket (1008)."""
    rate = RateLimit(settings.ws_messages_per_s)
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        if not rate.allow():
            await close(websocket, 1008, "too many messages")
            return
        error = ErrorEvent(run=session.run_id, code="invalid", field="type", message=READ_ONLY)
        outbox.put(error.wire())


async def send(websocket: WebSocket, message: str | bytes, settings: Settings) -> bool:
    sending = (
        websocket.send_text(message) if isinstance(message, str) else websocket.send_bytes(message)
    )
    try:
        await asyncio.wait_for(sending, settings.ws_send_timeout_s)
    except asyncio.TimeoutError:
        log.info("a teacher's watcher socket closed as too slow")
        await close(websocket, CLOSE_TOO_SLOW, "too slow: a send took too long")
        return False
    except SENT_TROUBLE:
        return False
    return True


async def close(websocket: WebSocket, code: int, reason: str) -> None:
    try:
        await asyncio.wait_for(websocket.close(code, reason), 1.0)
    except (asyncio.TimeoutError, *SENT_TROUBLE):
        pass
