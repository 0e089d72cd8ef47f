"""The database the repository tests run against: a fresh SQLite file per test."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.store.database import open_database


@pytest.fixture()
def database(tmp_path: Path) -> sessionmaker[Session]:
    sessions = open_database(f"sqlite:///{tmp_path / 'db' / 'runs.sqlite'}")
    yield sessions
    sessions.kw["bind"].dispose()
