"""The database: its URL (SQLite in the data directory unless `NNP_DATABASE_URL` names
another), its engine, and its schema brought to the latest migration."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_FILE = "runs.sqlite"
MIGRATION_LOCK = 0x6E6E70  # PostgreSQL advisory lock key ("nnp") held while migrating


def database_url(configured: str | None, data_dir: Path) -> str:
    """The configured URL; by default a SQLite file in the data directory. A PostgreSQL
    URL without a driver uses psycopg 3."""
    if not configured:
        return f"sqlite:///{(data_dir / SQLITE_FILE).resolve()}"
    if configured.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + configured.split("://", 1)[1]
    return configured


def make_engine(url: str) -> Engine:
    """An engine; for SQLite, foreign keys on (deletes cascade) and a wait on a busy file
    rather than an error."""
    options: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        options["connect_args"] = {"timeout": 5, "check_same_thread": False}
    engine = create_engine(url, **options)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def upgrade(engine: Engine) -> None:
    """Brings the schema to the latest migration (alembic `upgrade head`), one process at
    a time: web replicas sharing a database start together, and two migrating at once
    both created the tables ("table alembic_version already exists"), leaving one
    without its database. The next one finds the schema at head and does nothing."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with _sqlite_file_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # held until this transaction ends
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    """An exclusive lock on a file beside a SQLite database while it migrates (SQLite's
    DDL does not wait for another connection's). Other databases: no file lock."""
    database = engine.url.database
    if engine.url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        yield
        return
    import fcntl  # POSIX; the server runs on Linux (and in its Docker image)

    with open(f"{database}.migrating", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def open_database(url: str) -> sessionmaker[Session]:
    """An engine for `url` with its schema up to date, as a session factory. A SQLite
    file's folder is created first."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    upgrade(engine)
    return sessionmaker(engine, expire_on_commit=False)
