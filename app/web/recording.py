"""The runs database as the server holds it: opened (and migrated) at start, the runs the
previous server left live marked interrupted, the recorder hung on `app.state`."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.settings import Settings
from app.store import repository as repo
from app.store.database import database_url, open_database
from app.store.recorder import Bounds, Recorder

log = logging.getLogger(__name__)


def open_store(settings: Settings) -> sessionmaker[Session]:
    """The database, migrated to the latest schema; live runs of a previous server become
    interrupted."""
    sessions = open_database(database_url(settings.database_url, settings.data_dir))
    with sessions.begin() as db:
        if count := repo.interrupt_live(db):
            log.info("%d runs the previous server left live are now interrupted", count)
    return sessions


def open_recorder(settings: Settings) -> Recorder | None:
    """The recorder, or None when recording is off or the database cannot be opened (the
    server then serves and trains without it, and says why in its log)."""
    if not settings.record_runs:
        return None
    try:
        sessions = open_store(settings)
    except Exception:
        log.exception("the runs database could not be opened: runs are not recorded")
        return None
    bounds = Bounds(settings.runs_per_owner, settings.runs_total, settings.store_queue)
    return Recorder(sessions, settings.checkpoints_dir, bounds, asyncio.get_running_loop())


def keep_thumbnail(recorder: Recorder, record_id: str, thumbnail: dict[str, Any]) -> None:
    """The picture a checkpoint event carries, kept with that checkpoint: queued behind
    the checkpoint's own write, on the same writer thread (a full queue drops it, as any
    write, with the run's "not saved" warning)."""
    if record_id not in recorder.recordings:
        return  # nothing of this run is recorded any more: neither was its checkpoint

    def write(db: Session) -> None:
        repo.save_thumbnail(db, record_id, thumbnail)

    recorder.writer.submit(record_id, "thumbnail", write)
