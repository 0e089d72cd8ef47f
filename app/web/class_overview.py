"""The teacher's read-out of the class (`GET /api/class`), built from the web process's own
state: the students the classroom admitted and the sessions holding their runs, with the
spec each run was started with, the latest status and metrics point the workers sent, and
the latest thumbnail of each run's output (app/worker/thumbnail.py).

Reading the overview is what tells the workers that a teacher watches: each read renews,
for THUMBNAIL_LEASE_S, the thumbnails of every run it lists (one small command per run every
half lease at most), so they stop soon after the teacher's page closes.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from app.store.views import layers_summary
from app.web.classroom import Classroom, Student
from app.web.sessions import Session, SessionRegistry

# Seconds a run keeps sending thumbnails after the overview was last read.
THUMBNAIL_LEASE_S = 5.0


def class_overview(classroom: Classroom, registry: SessionRegistry) -> dict[str, Any]:
    """`{"students": [{"name", "run"}]}` in the order they joined; `run` is null for a
    student with no live run."""
    runs = live_runs(registry)
    renew_thumbnails(registry, runs.values())
    students = sorted(classroom.students.values(), key=lambda s: s.number)
    return {"students": [student_entry(s, runs.get(s.id)) for s in students]}


def live_runs(registry: SessionRegistry) -> dict[str, Session]:
    """Each student's session with a run, by student id. A lesson's arms are several
    sessions: the one attached to a page speaks for it."""
    runs: dict[str, Session] = {}
    for session in registry.sessions.values():
        if session.student is not None and session.run_id is not None:
            known = runs.get(session.student)
            if known is None or (known.socket is None and session.socket is not None):
                runs[session.student] = session
    return runs


def renew_thumbnails(registry: SessionRegistry, sessions: Iterable[Session]) -> None:
    """Keeps the listed runs' thumbnails coming while the teacher reads the overview."""
    hz = registry.settings.class_thumbnail_hz
    now = time.monotonic()
    for session in sessions:
        if hz > 0 and session.run_id is not None and now >= session.thumbnail_renew_at:
            lease = {"type": "thumbnail", "hz": hz, "for_s": THUMBNAIL_LEASE_S}
            registry.pool.command(session.run_id, lease)
            session.thumbnail_renew_at = now + THUMBNAIL_LEASE_S / 2


def student_entry(student: Student, session: Session | None) -> dict[str, Any]:
    run = run_summary(session) if session is not None else None
    # `number` (the order of joining) names the student to the teacher's viewer socket.
    return {"name": student.name, "number": student.number, "run": run}


def run_summary(session: Session) -> dict[str, Any]:
    spec = session.spec or {}
    status = session.last_status or {}
    point = session.last_point or {}
    return {
        "kind": spec.get("kind", "supervised"),
        "dataset": (spec.get("data") or {}).get("dataset"),
        "layers": layers_summary(spec),
        "step": status.get("step", 0),
        "epoch": status.get("epoch", 0),
        "train_loss": point.get("train_loss"),
        "val_loss": point.get("val_loss"),
        "status": status.get("state", "starting"),
        "thumbnail": thumbnail_entry(session.thumbnail),
    }


def thumbnail_entry(event: dict[str, Any] | None) -> dict[str, Any] | None:
    """The run's latest thumbnail (app/worker/thumbnail.py) as the worker sent it."""
    if event is None:
        return None
    return {k: event[k] for k in ("step", "view", "shape", "lo", "hi", "data")}
