"""The seam between the pool (web process) and its workers: how a command reaches a
worker and how its events come back. This module is the in-machine transport (spawned
processes, a queue for commands, a pipe for events); a distributed one (e.g. Redis streams
to worker hosts) provides the same `spawn`, `WorkerLink` and `receive` without touching
the protocol, the pool's bookkeeping or the sessions.

Why a pipe per worker for events, not one shared queue: a worker killed while holding a
shared queue's write lock would wedge every other worker's events. With a pipe each, a
dead worker breaks only its own pipe, and its EOF tells the pool at once.
"""

from __future__ import annotations

from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from typing import cast

from app.settings import Settings
from app.train.processes import process_context
from app.worker.api import Command, Event
from app.worker.process import worker_main

_CTX = process_context()


class WorkerLink:
    """One worker process as the pool reaches it."""

    def __init__(self, process: BaseProcess, commands: Queue[Command], events: Connection) -> None:
        self.process, self.commands, self.events = process, commands, events

    def send(self, command: Command) -> None:
        """Queues a command without blocking; a dead worker's commands are dropped (its
        runs have been failed already)."""
        try:
            self.commands.put_nowait(command)
        except (ValueError, OSError):
            pass

    def alive(self) -> bool:
        return self.process.is_alive()

    def exit_reason(self) -> str:
        code = self.process.exitcode
        return f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"

    def end(self, timeout: float) -> None:
        """Waits up to `timeout` for the process to exit, kills it if it has not, reaps it
        (no zombie) and closes the channels."""
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(2)
        self.commands.cancel_join_thread()  # never block on a reader that is gone
        self.commands.close()
        self.events.close()


def spawn(slot: int, settings: Settings) -> WorkerLink:
    commands: Queue[Command] = _CTX.Queue()
    receive, send = _CTX.Pipe(duplex=False)
    process = _CTX.Process(
        target=worker_main,
        name=f"nnp-worker-{slot}",
        daemon=True,
        args=(slot, commands, send, settings.model_dump_json()),
    )
    process.start()
    send.close()  # only the worker writes; our copy would keep the pipe open after it dies
    return WorkerLink(process, commands, receive)


def receive(links: dict[int, WorkerLink], timeout: float) -> list[tuple[int, Event | None]]:
    """Events that arrived from any of `links` within `timeout`, as (slot, event); event
    None means that worker's channel closed (it died)."""
    by_pipe = {link.events: slot for slot, link in links.items()}
    arrived: list[tuple[int, Event | None]] = []
    for ready in wait(list(by_pipe), timeout=timeout):
        pipe = cast(Connection, ready)
        try:
            arrived.append((by_pipe[pipe], pipe.recv()))
        except (EOFError, OSError):
            arrived.append((by_pipe[pipe], None))
    return arrived
