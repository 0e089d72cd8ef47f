"""What the server, the CLI and the tests do with the runs database, one function per
question or change; each takes an open `Session` and leaves committing to its caller."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from app.store.checkpoints import copy_file, remove_run_files, run_folder, write_file
from app.store.models import CheckpointRow, MetricRow, RunRow

LIVE = ("ready", "running", "paused")
# A thumbnail's base64 data at most: a 24x24 boundary is 768 characters, a loss curve 64.
MAX_THUMBNAIL_CHARS = 4096


def now() -> datetime:
    return datetime.now(timezone.utc)


def create_run(
    db: Session, run_id: str, owner: str, kind: str, spec: dict[str, Any], name: str = ""
) -> RunRow:
    at = now()
    row = RunRow(
        id=run_id,
        owner=owner,
        name=name or default_name(spec),
        kind=kind,
        spec=spec,
        seed=int(spec.get("seed", 0)),
        status="ready",
        reason=None,
        detail="",
        created=at,
        updated=at,
        epochs=0,
        steps=0,
        pinned=False,
    )
    db.add(row)
    return row


def default_name(spec: dict[str, Any]) -> str:
    """ "spiral, 2 layers": what a list shows before the user names the run."""
    if spec.get("kind") == "gan":
        return f"GAN on {(spec.get('data') or {}).get('dataset', 'data')}"
    layers = (spec.get("model") or {}).get("layers") or []
    dataset = (spec.get("data") or {}).get("dataset", "data")
    return f"{dataset}, {len(layers)} layer{'s' * (len(layers) != 1)}"


def record_status(
    db: Session,
    run_id: str,
    state: str,
    step: int | None,
    epoch: int | None,
    reason: str | None = None,
    detail: str = "",
) -> None:
    values: dict[str, Any] = {"status": state, "reason": reason, "detail": detail, "updated": now()}
    if step is not None:
        values["steps"] = step
    db.execute(update(RunRow).where(RunRow.id == run_id).values(**values))


def add_points(db: Session, run_id: str, points: list[dict[str, Any]]) -> None:
    """Stores metric points (one per epoch; an epoch seen before is replaced) and updates
    the run's epochs, steps, last and best points."""
    add_points_of_runs(db, {run_id: points})


def add_points_of_runs(db: Session, points_by_run: dict[str, list[dict[str, Any]]]) -> None:
    """`add_points` for many runs in three statements, whatever their number: a class of
    fast runs sends thousands of points a second. Runs deleted meanwhile are skipped."""
    wanted = [run_id for run_id, points in points_by_run.items() if points]
    if not wanted:
        return
    rows = db.scalars(select(RunRow).where(RunRow.id.in_(wanted))).all()
    values = []
    for row in rows:
        points = points_by_run[row.id]
        clean = {int(point["epoch"]): finite(point) for point in points}  # latest per epoch
        values += [{"run_id": row.id, "epoch": e, "point": p} for e, p in clean.items()]
        for point in clean.values():
            if row.best is None or better(point, row.best):
                row.best = point
        last = finite(points[-1])
        row.last, row.epochs = last, int(last["epoch"])
        row.steps = max(row.steps, int(last.get("step") or 0))
        row.updated = now()
    if values:
        db.execute(_upsert_metrics(db), values)


def _upsert_metrics(db: Session) -> Any:
    """INSERT ... ON CONFLICT (run_id, epoch) DO UPDATE, in the database's own dialect
    (SQLite and PostgreSQL both have it; they are the two the store supports)."""
    postgresql = db.get_bind().dialect.name == "postgresql"
    table = cast(Table, MetricRow.__table__)  # Core, not the ORM's bulk path: executemany
    statement = postgresql_insert(table) if postgresql else sqlite_insert(table)
    return statement.on_conflict_do_update(
        index_elements=["run_id", "epoch"],
        set_={"point": statement.excluded.point},
    )


def rewind(db: Session, run_id: str, epoch: int) -> None:
    """A run reopened at its checkpoint's `epoch`: the points it recorded after it (trained
    after the last checkpoint, then lost) go, and its epochs, last and best follow."""
    row = db.get(RunRow, run_id)
    if row is None:
        return
    db.execute(delete(MetricRow).where(MetricRow.run_id == run_id, MetricRow.epoch > epoch))
    kept = metric_points(db, run_id)
    row.epochs, row.last = epoch, (kept[-1] if kept else None)
    row.best = None
    for point in kept:
        if row.best is None or better(point, row.best):
            row.best = point
    row.updated = now()


def finite(point: dict[str, Any]) -> dict[str, Any]:
    """JSON has no NaN: non-finite numbers become null (as on the wire)."""
    return {
        k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in point.items()
    }


def _loss_of(point: dict[str, Any]) -> float | None:
    # Supervised points have val_loss (train_loss without a val set); a GAN's have neither.
    for key in ("val_loss", "train_loss"):
        if isinstance(point.get(key), (int, float)):
            return float(point[key])
    return None


def better(point: dict[str, Any], best: dict[str, Any]) -> bool:
    new, old = _loss_of(point), _loss_of(best)
    return new is not None and (old is None or new < old)


def save_checkpoint(
    db: Session,
    root: Path,
    run_id: str,
    step: int,
    epoch: int,
    weights: bytes,
    optimizer: bytes,
    val_loss: float | None,
) -> list[Path]:
    """Writes the run's latest checkpoint; also its best when `val_loss` is the lowest of
    its checkpoints so far. Files are named by step and the row names them: a crash
    before the commit leaves the row on the previous, whole files. Returns the files the
    row no longer names, to delete once committed (`remove_files`)."""
    if db.get(RunRow, run_id) is None:
        return []
    run_folder(root, run_id)  # refuses an id that is not one
    last, opt = f"{run_id}/last-{step}.safetensors", f"{run_id}/optimizer-{step}.safetensors"
    write_file(root / last, weights)
    write_file(root / opt, optimizer)
    row = db.get(CheckpointRow, run_id)
    if row is None:
        row = CheckpointRow(run_id=run_id, last_path=last, optimizer_path=opt)
        db.add(row)
    stale = [root / p for p in (row.last_path, row.optimizer_path) if p not in (last, opt)]
    if (
        val_loss is not None
        and math.isfinite(val_loss)
        and (row.best_val_loss is None or val_loss < row.best_val_loss)
    ):
        best = f"{run_id}/best-{step}.safetensors"
        copy_file(root / last, root / best)
        if row.best_path is not None and row.best_path != best:
            stale.append(root / row.best_path)
        row.best_path, row.best_val_loss = best, val_loss
    row.last_path, row.optimizer_path = last, opt
    row.step, row.epoch, row.saved = step, epoch, now()
    return stale


def save_thumbnail(db: Session, run_id: str, thumbnail: dict[str, Any]) -> None:
    """Keeps the picture taken with the run's latest checkpoint (written just before it);
    one too large to be a thumbnail is not kept."""
    row = db.get(CheckpointRow, run_id)
    data = thumbnail.get("data")
    if row is not None and isinstance(data, str) and len(data) <= MAX_THUMBNAIL_CHARS:
        row.thumbnail = finite(thumbnail)


def remove_files(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def read_checkpoint(
    db: Session, root: Path, run_id: str
) -> tuple[CheckpointRow, bytes, bytes] | None:
    """The run's latest checkpoint row with its weights and optimizer files' bytes."""
    row = db.get(CheckpointRow, run_id)
    if row is None:
        return None
    return row, (root / row.last_path).read_bytes(), (root / row.optimizer_path).read_bytes()


def list_runs(db: Session, owner: str | None) -> list[RunRow]:
    """The owner's runs (every run when None), newest first."""
    query = (
        select(RunRow)
        .options(selectinload(RunRow.checkpoint))  # one query for all, not one per run
        .order_by(RunRow.created.desc(), RunRow.id)
    )
    if owner is not None:
        query = query.where(RunRow.owner == owner)
    return list(db.scalars(query))


def get_run(db: Session, owner: str | None, run_id: str) -> RunRow | None:
    """The run if it is the owner's (any owner's when None)."""
    row = db.get(RunRow, run_id)
    return row if row is not None and (owner is None or row.owner == owner) else None


def metric_points(db: Session, run_id: str) -> list[dict[str, Any]]:
    rows = db.scalars(select(MetricRow).where(MetricRow.run_id == run_id).order_by(MetricRow.epoch))
    return [r.point for r in rows]


def delete_run(db: Session, root: Path, row: RunRow) -> None:
    db.delete(row)
    db.flush()
    remove_run_files(root, row.id)


def interrupt_live(db: Session) -> int:
    """At start: runs the previous server left live are interrupted (at their last
    checkpoint); returns how many."""
    result = db.execute(
        update(RunRow)
        .where(RunRow.status.in_(LIVE))
        .values(status="interrupted", detail="the server stopped while this run was live")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def prune(db: Session, root: Path, owner: str, per_owner: int, total: int, keep: str) -> int:
    """Deletes the oldest unpinned runs (rows and files) beyond `per_owner` runs of `owner`
    and `total` runs in all; never `keep` (the run just created). Returns how many."""
    deleted = 0
    for scope, bound in ((RunRow.owner == owner, per_owner), (None, total)):
        count_query = select(func.count()).select_from(RunRow)
        if scope is not None:
            count_query = count_query.where(scope)
        excess = int(db.scalar(count_query) or 0) - bound
        if excess <= 0:
            continue
        victims = select(RunRow).where(~RunRow.pinned, RunRow.id != keep)
        if scope is not None:
            victims = victims.where(scope)
        for row in db.scalars(victims.order_by(RunRow.created, RunRow.id).limit(excess)):
            delete_run(db, root, row)
            deleted += 1
    return deleted
