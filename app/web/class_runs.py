"""Class mode's hold on websocket sessions: whose each is (set at connect, from the member the
admission middleware found), and the rule of one live run per student.

A page sends its own random id as the websocket's `tab` parameter; the sessions of one page
(a lesson's arms, each a session of its own) share it and count as one run. A start from
another page of the same student, while a run of theirs lives on an open page, is refused.
"""

from __future__ import annotations

from starlette.websockets import WebSocket

from app.web.classroom import Member, tab_of
from app.web.sessions import Session, SessionRegistry

ONE_RUN = (
    "one run per student in class: a run of yours is live in another tab or window; "
    "close it there (or stop that page) and start here"
)


def bind_session(session: Session, websocket: WebSocket) -> None:
    """Marks `session` as the connecting student's (nothing for the teacher or open mode),
    opened from the page the socket names, and queues the teacher's experiment and locks
    for it (the `class` event) if the teacher sent one."""
    member = websocket.scope.get("state", {}).get("member")
    if isinstance(member, Member) and member.role == "student":
        session.student = member.id
        session.tab = tab_of(websocket.query_params.get("tab")) or session.token
        locks = getattr(websocket.app.state, "class_locks", None)
        if locks is not None and locks.experiment is not None:
            session.outbox.put(locks.event())  # a student who joins late or reloads: the same


def start_refusal(registry: SessionRegistry, session: Session) -> str | None:
    """Why `session` may not start a run now (None: it may). The student's runs on other
    pages that no page holds any more (a closed tab waiting out its resume grace) end here,
    so leaving a tab never blocks the next one."""
    if session.student is None:
        return None
    others = [
        s
        for s in registry.sessions.values()
        if s.student == session.student and s.tab != session.tab and s.run_id is not None
    ]
    for other in others:
        if other.socket is None:
            registry.end(other)
    if any(o.socket is not None for o in others):
        return ONE_RUN
    return None
