"""The command line's side of the runs database: `nnplayground train SPEC --save` records
its run (owner "cli"), `nnplayground runs list --json` prints every run. Both use the
database the server would (`NNP_DATABASE_URL`, else the SQLite file in the data dir)."""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from app.settings import Settings
from app.store import repository as repo
from app.store.database import database_url, open_database
from app.store.views import run_summary

if TYPE_CHECKING:
    from app.train.trainer import Trainer

CLI_OWNER = "cli"


def open_settings_database(settings: Settings) -> sessionmaker[Session]:
    return open_database(database_url(settings.database_url, settings.data_dir))


def save_run(settings: Settings, run: Trainer) -> str:
    """Records a finished CLI run: its spec, metrics history, status and checkpoint."""
    from app.train.checkpoint import capture_optimizer, capture_weights  # torch: only here

    sessions = open_settings_database(settings)
    run_id = secrets.token_hex(6)
    spec = run.spec.model_dump()
    status = run.status
    reason = status.reason or "max_steps"
    detail = status.detail or f"trained the {run.step_count} steps the command asked for"
    points = [asdict(p) for p in run.history]
    last = run.history[-1] if run.history else None
    with sessions.begin() as db:
        repo.create_run(db, run_id, CLI_OWNER, "cli", spec)
        db.flush()
        repo.prune(
            db,
            settings.checkpoints_dir,
            CLI_OWNER,
            settings.runs_per_owner,
            settings.runs_total,
            keep=run_id,
        )
    with sessions.begin() as db:
        repo.add_points(db, run_id, points)
        repo.record_status(db, run_id, "done", run.step_count, run.epoch, reason, detail)
        stale = repo.save_checkpoint(
            db,
            settings.checkpoints_dir,
            run_id,
            run.step_count,
            run.epoch,
            capture_weights(run),
            capture_optimizer(run),
            getattr(last, "val_loss", None),
        )
    repo.remove_files(stale)
    sessions.kw["bind"].dispose()
    return run_id


def list_runs_json(settings: Settings) -> str:
    """Every run in the database, newest first, as one JSON array."""
    sessions = open_settings_database(settings)
    with sessions() as db:
        runs: list[dict[str, Any]] = [
            run_summary(row) | {"owner": row.owner} for row in repo.list_runs(db, None)
        ]
    sessions.kw["bind"].dispose()
    return json.dumps(runs, allow_nan=False)


def load_saved_run(settings: Settings, run_id: str) -> tuple[dict[str, Any], bytes, bytes] | None:
    """A recorded run's spec and its last checkpoint (weights, optimizer state), for
    `nnplayground export RUN_ID`; None when there is no such run or it has no checkpoint."""
    sessions = open_settings_database(settings)
    try:
        with sessions() as db:
            row = repo.get_run(db, None, run_id)
            found = repo.read_checkpoint(db, settings.checkpoints_dir, run_id) if row else None
            if row is None or found is None:
                return None
            return row.spec, found[1], found[2]
    finally:
        sessions.kw["bind"].dispose()
