"""The databases the repository tests run against, each test on an empty schema: SQLite
(a fresh file) and PostgreSQL (one throwaway server for the session: tests/postgres.py;
the schema is dropped and migrated again per test)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app.store.database import database_url, open_database
from tests.postgres import postgres_server


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'db' / 'runs.sqlite'}"
    else:
        url = database_url(request.getfixturevalue("postgres_url"), tmp_path)
        _empty_schema(url)
    sessions = open_database(url)
    yield sessions
    sessions.kw["bind"].dispose()


def _empty_schema(url: str) -> None:
    from app.store.database import make_engine

    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
