"""Real uvicorn servers on free loopback ports, with real worker processes: `server` and
`brief_server` for the duration of a test module, `ws_server` (websocket tests) for the
whole test session."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn

from app.settings import Settings
from app.web.app import create_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(settings: Settings) -> Iterator[str]:
    """Serves create_app(settings) in a thread until the block ends; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60  # the worker processes start with the app
    while not srv.started:
        assert thread.is_alive(), "uvicorn failed to start"
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=20)


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
    keeps its run for the grace period); one extra host name and origin allowed."""
    return Settings(
        data_dir=tmp_path_factory.mktemp("ws-data"),
        workers=2,
        ws_send_timeout_s=2.0,
        # Closed sessions' runs train on for this grace period: short, so they are gone
        # before the load tests measure speeds (a reconnect in the tests takes < 1 s).
        ws_resume_grace_s=3.0,
        ws_runs_per_ip=1000,
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
