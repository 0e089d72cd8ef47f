"""Lesson checks as the web process runs them: admitted per client and in total, trained in
a child process each (app/lessons/isolated.py), and killed when their client leaves or
their time is up. The web process only waits, on the event loop, never in a thread.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from starlette.requests import Request

from app.lessons.isolated import start_check, stop_check
from app.settings import Settings
from app.web.class_gate import client_key

POLL_S = 0.05  # how often a waiting check looks at its pipe, its process and its client


class CheckRefused(Exception):
    """Too many checks at once: from this client, or on the server. Its words say which."""


@dataclass
class CheckOutcome:
    status: int  # the HTTP status: 200 with the verdict, or an error
    body: dict[str, Any]


class CheckSlots:
    """Checks running, per client IP and in total. `take` reserves a place or raises
    CheckRefused; `give_back` frees it."""

    def __init__(self, per_ip: int, total: int) -> None:
        self.per_ip, self.total = per_ip, total
        self.by_ip: Counter[str] = Counter()

    def take(self, ip: str) -> None:
        if self.by_ip[ip] >= self.per_ip:
            many = "one check" if self.per_ip == 1 else f"{self.per_ip} checks"
            raise CheckRefused(
                f"at most {many} at a time from one address: wait for yours to finish"
            )
        if self.by_ip.total() >= self.total:
            raise CheckRefused(
                f"the server is running {self.total} lesson checks, its limit; "
                "try again in a moment"
            )
        self.by_ip[ip] += 1

    def give_back(self, ip: str) -> None:
        self.by_ip[ip] -= 1
        if self.by_ip[ip] <= 0:
            del self.by_ip[ip]


async def run_check(request: Request, lesson_id: str, seed: int) -> CheckOutcome:
    """Checks `lesson_id` on `seed` in a child process for this request's client, or
    refuses (429). The child is killed if the client disconnects or the settings' time
    limit passes first."""
    settings: Settings = request.app.state.settings
    slots: CheckSlots = request.app.state.check_slots
    ip = client_key(request)  # an address, or a class member behind a shared one
    try:
        slots.take(ip)
    except CheckRefused as refused:
        return CheckOutcome(429, {"detail": str(refused)})
    try:
        process, answers = start_check(lesson_id, seed, settings.torch_threads)
        try:
            return await wait_for_answer(request, process, answers, settings)
        finally:
            stop_check(process, answers)
            await reap(process)
    finally:
        slots.give_back(ip)


async def wait_for_answer(
    request: Request, process: BaseProcess, answers: Connection, settings: Settings
) -> CheckOutcome:
    limit = settings.lesson_check_time_limit_s
    deadline = time.monotonic() + limit
    while True:
        if answers.poll():
            try:
                kind, payload = answers.recv()
            except (EOFError, OSError):  # it died before answering
                return failed("the check's process ended without an answer")
            if kind == "ok":
                return CheckOutcome(200, payload)
            return CheckOutcome(500, {"detail": payload})
        if not process.is_alive():
            return failed("the check's process ended without an answer")
        if await request.is_disconnected():
            return CheckOutcome(499, {"detail": "the client left"})  # nobody reads this
        if time.monotonic() > deadline:
            detail = f"the check took longer than {limit:g} s, the server's limit; try again"
            return CheckOutcome(503, {"detail": detail})
        await asyncio.sleep(POLL_S)


def failed(why: str) -> CheckOutcome:
    return CheckOutcome(500, {"detail": f"the lesson check failed: {why}"})


async def reap(process: BaseProcess) -> None:
    """Waits (without blocking the loop) for a killed check to exit, so it leaves no
    zombie; `is_alive` collects its exit status."""
    for _ in range(200):
        if not process.is_alive():
            return
        await asyncio.sleep(0.01)
