"""Workers held "starting" for as long as a test needs them to be."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from app.worker import transport


class HeldReady:
    """Keeps a pool from hearing `ready` from its workers of `slots` until `release`: a
    worker forked from the fork server (app/train/processes.py) is ready in milliseconds,
    before a test could look at it starting. Their other events pass.

    Every pool in this process reads through the patched `receive` (a server another test
    left running, say), so a held event goes back only to the reader of its own worker."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, slots: set[int]) -> None:
        self.slots, self.lock = set(slots), threading.Lock()
        self.held: list[tuple[transport.WorkerLink, int, Any]] = []
        receive = transport.receive

        def holding(links: dict[int, transport.WorkerLink], timeout: float) -> list[Any]:
            arrived = receive(links, timeout)
            with self.lock:
                mine = [h for h in self.held if h[1] not in self.slots and links.get(h[1]) is h[0]]
                self.held = [h for h in self.held if h not in mine]
                passed = [(slot, event) for _, slot, event in mine]
                for slot, event in arrived:
                    if slot in self.slots and event is not None and event["type"] == "ready":
                        self.held.append((links[slot], slot, event))
                    else:
                        passed.append((slot, event))
            return passed

        monkeypatch.setattr(transport, "receive", holding)

    def release(self, slot: int) -> None:
        """The pool hears this slot's `ready` (held, or to come) at its next read."""
        with self.lock:
            self.slots.discard(slot)
