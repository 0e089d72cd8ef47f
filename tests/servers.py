"""Real uvicorn servers on free loopback ports, with real worker processes, for the tests
that talk to the app as a client does (tests/web over HTTP and websockets, tests/page in a
browser)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from app.settings import Settings
from app.web.app import create_app, server_options

# The app behind each URL `running` serves, for tests that look at its pool.
SERVED_APPS: dict[str, FastAPI] = {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(settings: Settings, workers_ready: bool = True) -> Iterator[str]:
    """Serves create_app(settings) in a thread until the block ends; yields its base URL.
    The server answers before its workers are ready; with `workers_ready` (the default)
    this waits for them too, so a test's timings measure training, not start-up."""
    port = free_port()
    options = {**server_options(settings), "host": "127.0.0.1", "port": port}
    app = create_app(settings)
    config = uvicorn.Config(app, **options, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60  # the worker processes start with the app
    while not srv.started:
        assert thread.is_alive(), "uvicorn failed to start"
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    while workers_ready and not all(w.ready.is_set() for w in app.state.pool._workers.values()):
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.02)
    url = f"http://127.0.0.1:{port}"
    SERVED_APPS[url] = app
    try:
        yield url
    finally:
        SERVED_APPS.pop(url, None)
        srv.should_exit = True
        thread.join(timeout=20)


def data_server(
    tmp_path_factory: pytest.TempPathFactory, name: str, **settings: Any
) -> Iterator[str]:
    """A real server with its own data folder (so its own runs database) and these
    settings, for a module's fixture to `yield from`."""
    with running(Settings(data_dir=tmp_path_factory.mktemp(name), **settings)) as url:
        yield url


# The class code and teacher key of every class-mode test (docs/classroom.md).
CLASS_CODE, TEACHER_KEY = "ROOM42", "teacher-key-123456"


def class_mode_server(
    tmp_path_factory: pytest.TempPathFactory, name: str, **settings: Any
) -> Iterator[str]:
    """A real server in class mode with one worker and its own data folder, for a module's
    fixture to `yield from`."""
    config = Settings(
        data_dir=tmp_path_factory.mktemp(name),
        workers=1,
        class_code=CLASS_CODE,
        teacher_key=TEACHER_KEY,
        **settings,
    )
    with running(config) as url:
        yield url
