"""The runs database's repository against a real database, migrated by alembic: SQLite
here (the `database` fixture; PostgreSQL where tests/store/conftest.py can start one)."""

from __future__ import annotations

from pathlib import Path

from safetensors.torch import load
from sqlalchemy import inspect
from sqlalchemy.orm import Session, sessionmaker

from app.spec import ExperimentSpec
from app.store import repository as repo
from app.store.database import database_url, open_database
from app.store.views import run_summary
from app.train import create_run
from app.train.checkpoint import capture_optimizer, capture_weights, restore

SPEC = {
    "seed": 3,
    "data": {"dataset": "xor", "n_samples": 100},
    "model": {"layers": [{"type": "dense", "units": 4, "activation": "tanh"}]},
    "train": {"optimizer": "adam", "lr": 0.03, "batch_size": 10},
}


def point(epoch: int, val_loss: float) -> dict[str, object]:
    return {"step": epoch * 7, "epoch": epoch, "train_loss": val_loss + 0.1, "val_loss": val_loss}


def test_the_default_database_is_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    url = database_url(None, tmp_path)
    assert url == f"sqlite:///{tmp_path / 'runs.sqlite'}"
    sessions = open_database(url)
    assert (tmp_path / "runs.sqlite").exists()
    tables = set(inspect(sessions.kw["bind"]).get_table_names())
    assert {"runs", "metrics", "checkpoints", "alembic_version"} <= tables
    assert database_url("postgresql://u@h/db", tmp_path) == "postgresql+psycopg://u@h/db"


def test_a_run_keeps_its_history_and_best(database: sessionmaker[Session]) -> None:
    with database.begin() as db:
        repo.create_run(db, "r1", "browser:a", "playground", SPEC)
    with database.begin() as db:
        repo.add_points(db, "r1", [point(1, 0.9), point(2, 0.5)])
        repo.add_points(db, "r1", [point(3, 0.7), point(4, float("nan"))])
        repo.record_status(db, "r1", "done", 28, 4, "max_epochs", "trained the 4 epochs")
    with database() as db:
        row = repo.get_run(db, "browser:a", "r1")
        assert row is not None
        assert (row.status, row.reason, row.epochs, row.steps) == ("done", "max_epochs", 4, 28)
        assert row.best is not None and row.best["epoch"] == 2
        assert row.last is not None and row.last["val_loss"] is None  # NaN: null, as on the wire
        assert [p["epoch"] for p in repo.metric_points(db, "r1")] == [1, 2, 3, 4]
        assert repo.get_run(db, "browser:b", "r1") is None  # another owner's: not found
        assert row.name == "xor, 1 layer"


def test_checkpoints_are_safetensors_beside_the_database(
    database: sessionmaker[Session], tmp_path: Path
) -> None:
    run = create_run(ExperimentSpec.model_validate(SPEC), "cpu")
    run.step(25)
    with database.begin() as db:
        repo.create_run(db, "r2", "o", "cli", SPEC)
    with database.begin() as db:
        weights, optimizer = capture_weights(run), capture_optimizer(run)
        assert repo.save_checkpoint(db, tmp_path, "r2", 25, 2, weights, optimizer, 0.4) == []
    with database.begin() as db:  # not best: the best stays, the last two are replaced
        stale = repo.save_checkpoint(db, tmp_path, "r2", 30, 3, weights, optimizer, 0.6)
    assert sorted(p.name for p in stale) == ["last-25.safetensors", "optimizer-25.safetensors"]
    repo.remove_files(stale)
    with database() as db:
        found = repo.read_checkpoint(db, tmp_path, "r2")
        assert found is not None
        row, weights_read, optimizer_read = found
        assert (row.step, row.best_val_loss, row.best_path) == (30, 0.4, "r2/best-25.safetensors")
    assert sorted(p.name for p in (tmp_path / "r2").iterdir()) == [
        "best-25.safetensors",
        "last-30.safetensors",
        "optimizer-30.safetensors",
    ]
    assert set(load(weights_read)) == {f"model.{k}" for k in run.model.state_dict()}
    again = create_run(ExperimentSpec.model_validate(SPEC), "cpu")
    restore(again, weights_read, optimizer_read)
    assert again.step_count == 25 and len(again.history) == len(run.history)
    with database.begin() as db:
        row2 = repo.get_run(db, "o", "r2")
        assert row2 is not None
        repo.delete_run(db, tmp_path, row2)
    assert not (tmp_path / "r2").exists()
    with database() as db:
        assert repo.read_checkpoint(db, tmp_path, "r2") is None


def test_oldest_unpinned_runs_go_first(database: sessionmaker[Session], tmp_path: Path) -> None:
    for i in range(4):
        with database.begin() as db:
            repo.create_run(db, f"p{i}", "owner", "playground", SPEC)
            if i == 0:
                db.flush()
                row = repo.get_run(db, "owner", "p0")
                assert row is not None
                row.pinned = True
    with database.begin() as db:
        repo.create_run(db, "p4", "owner", "playground", SPEC)
        db.flush()
        assert repo.prune(db, tmp_path, "owner", per_owner=3, total=100, keep="p4") == 2
    with database() as db:
        assert {r.id for r in repo.list_runs(db, "owner")} == {"p0", "p3", "p4"}


def test_live_runs_of_a_previous_server_are_interrupted(database: sessionmaker[Session]) -> None:
    with database.begin() as db:
        repo.create_run(db, "live", "o", "playground", SPEC)
        repo.create_run(db, "over", "o", "playground", SPEC)
        db.flush()
        repo.record_status(db, "live", "running", 10, 1)
        repo.record_status(db, "over", "done", 10, 1, "max_epochs")
    with database.begin() as db:
        assert repo.interrupt_live(db) == 1
    with database() as db:
        statuses = {r.id: r.status for r in repo.list_runs(db, None)}
    assert statuses == {"live": "interrupted", "over": "done"}


def test_a_reopened_run_forgets_the_points_after_its_checkpoint(
    database: sessionmaker[Session],
) -> None:
    with database.begin() as db:
        repo.create_run(db, "rw", "o", "playground", SPEC)
    with database.begin() as db:
        repo.add_points(db, "rw", [point(1, 0.9), point(2, 0.8), point(3, 0.2), point(4, 0.3)])
    with database.begin() as db:
        repo.rewind(db, "rw", 2)  # its checkpoint was at epoch 2
    with database() as db:
        row = repo.get_run(db, "o", "rw")
        assert row is not None and row.epochs == 2
        assert [p["epoch"] for p in repo.metric_points(db, "rw")] == [1, 2]
        assert row.best is not None and row.best["epoch"] == 2
        assert row.last is not None and row.last["epoch"] == 2


def test_an_epoch_seen_again_is_replaced_not_doubled(database: sessionmaker[Session]) -> None:
    with database.begin() as db:
        repo.create_run(db, "re", "browser:a", "playground", SPEC)
    with database.begin() as db:
        repo.add_points(db, "re", [point(1, 0.9), point(2, 0.8)])
    with database.begin() as db:  # epoch 2 again, and twice in one call: the latest wins
        repo.add_points(db, "re", [point(2, 0.6), point(2, 0.4), point(3, 0.5)])
    with database() as db:
        losses = [(p["epoch"], p["val_loss"]) for p in repo.metric_points(db, "re")]
        assert losses == [(1, 0.9), (2, 0.4), (3, 0.5)]
        row = repo.get_run(db, "browser:a", "re")
        assert row is not None and row.best is not None and row.best["val_loss"] == 0.4


def test_a_checkpoints_thumbnail_is_listed_with_the_run(
    database: sessionmaker[Session], tmp_path: Path
) -> None:
    """The picture a checkpoint carries is kept with it and listed in the run's summary;
    one too large to be a thumbnail, or one for a run without a checkpoint, is not kept."""
    picture = {"view": "loss", "shape": [2], "lo": 0.2, "hi": float("inf"), "data": "AP8="}
    with database.begin() as db:
        repo.create_run(db, "t1", "o", "playground", SPEC)
    with database.begin() as db:
        repo.save_thumbnail(db, "t1", picture)  # no checkpoint yet: nothing to go with
        repo.save_checkpoint(db, tmp_path, "t1", 5, 1, b"w", b"o", 0.5)
    with database() as db:
        row = repo.get_run(db, "o", "t1")
        assert row is not None and run_summary(row)["thumbnail"] is None
    with database.begin() as db:
        repo.save_thumbnail(db, "t1", picture)
    with database.begin() as db:
        repo.save_thumbnail(db, "t1", picture | {"data": "A" * (repo.MAX_THUMBNAIL_CHARS + 1)})
    with database() as db:
        (listed,) = [run_summary(r) for r in repo.list_runs(db, "o")]
        assert listed["thumbnail"] == picture | {"hi": None}  # JSON has no infinity
