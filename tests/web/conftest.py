"""Real uvicorn servers (tests/servers.py) with real worker processes: `server` and
`brief_server` for the duration of a test module, `ws_server` (websocket tests) for the
whole test session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.settings import Settings
from tests.servers import running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp("data")
    with running(Settings(data_dir=data_dir, workers=2)) as url:
        yield url


@pytest.fixture(scope="session")
def ws_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Default limits, except: two workers; a short send timeout (the stalled-reader test)
    and resume grace;
    no cap on runs per address (every test connects from loopback and a closed session
    keeps its run for the grace period), nor on starts and resets at once; one extra host
    name and origin allowed."""
    return Settings(
        data_dir=tmp_path_factory.mktemp("ws-data"),
        workers=2,
        ws_send_timeout_s=2.0,
        # Closed sessions keep their runs (paused) for this grace period: short, so they
        # are gone before the load tests count runs (a reconnect in the tests takes < 1 s).
        ws_resume_grace_s=3.0,
        ws_runs_per_ip=1000,
        ws_rebuild_burst=1000,  # likewise: every test's starts come from loopback
        allowed_hosts=["teacher.local"],
        allowed_origins=["http://class.example.org"],
    )


@pytest.fixture(scope="session")
def ws_server(ws_settings: Settings) -> Iterator[str]:
    """One server for all the websocket tests (its workers take seconds to start)."""
    with running(ws_settings) as url:
        yield url


@pytest.fixture(scope="module")
def brief_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Sessions that end quickly: 1 s of grace after a disconnect, 1 s idle timeout, and one
    run per client address (so a run's end shows as room for another)."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("brief-data"),
        workers=1,
        ws_resume_grace_s=1.0,
        ws_idle_timeout_s=1.0,
        ws_runs_per_ip=1,
    )
    with running(settings) as url:
        yield url


@pytest.fixture()
def client(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30) as c:
        yield c
