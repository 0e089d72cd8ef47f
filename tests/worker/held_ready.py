"""Workers held "starting" for as long as a test needs them to be."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from app.worker import transport


class HeldReady:
    """Keeps the pool from hearing `ready` from the workers of `slots` until `release`: a
    worker forked from the fork server (app/worker/context.py) is ready in milliseconds,
    before a test could look at it starting. Their other events pass."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, slots: set[int]) -> None:
        self.slots, self.lock = set(slots), threading.Lock()
        self.held: list[tuple[int, Any]] = []
        receive = transport.receive

        def holding(links: dict[int, transport.WorkerLink], timeout: float) -> list[Any]:
            arrived = receive(links, timeout)
            with self.lock:
                released = [pair for pair in self.held if pair[0] not in self.slots]
                self.held = [pair for pair in self.held if pair[0] in self.slots]
                for slot, event in arrived:
                    if slot in self.slots and event is not None and event["type"] == "ready":
                        self.held.append((slot, event))
                    else:
                        released.append((slot, event))
            return released

        monkeypatch.setattr(transport, "receive", holding)

    def release(self, slot: int) -> None:
        """The pool hears this slot's `ready` (held, or to come) at its next read."""
        with self.lock:
            self.slots.discard(slot)
