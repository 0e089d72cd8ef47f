"""Real uvicorn servers on free loopback ports, with real worker processes, for the tests
that talk to the app as a client does (tests/web over HTTP and websockets, tests/page in a
browser)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from app.settings import Settings
from app.web.app import create_app, server_options


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(settings: Settings) -> Iterator[str]:
    """Serves create_app(settings) in a thread until the block ends; yields its base URL."""
    port = free_port()
    options = {**server_options(settings), "host": "127.0.0.1", "port": port}
    config = uvicorn.Config(create_app(settings), **options, log_level="warning")
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
