"""In class mode a run belongs to the student who started it: each student lists their own
runs only, and another student's run is 404, through the class gate (docs/http-api.md,
"Runs"; app/web/owners.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.client import connect
from app.web.classroom import COOKIE
from tests.servers import class_mode_server
from tests.web.test_classroom import student, teacher

pytestmark = pytest.mark.slow

SPEC = {
    "seed": 1,
    "data": {"dataset": "xor", "n_samples": 100},
    "model": {"layers": [{"type": "dense", "units": 4, "activation": "tanh"}]},
    "train": {"batch_size": 20, "max_epochs": 2},
}


@pytest.fixture(scope="module")
def class_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from class_mode_server(tmp_path_factory, "class-runs")


async def train(url: str, http: httpx.Client) -> None:
    headers = {"Cookie": f"{COOKIE}={http.cookies[COOKIE]}"}
    async with await connect(url, additional_headers=headers) as c:
        await c.start(SPEC)
        await c.wait_for(lambda e: e["type"] == "done", timeout=30)


def listed(http: httpx.Client) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while not (runs := http.get("/api/runs").json()["runs"]) or runs[0]["status"] != "done":
        assert time.monotonic() < deadline, runs
        time.sleep(0.05)  # the writer thread records it moments after the events
    return runs


def test_each_student_lists_only_their_own_runs(class_server: str) -> None:
    with student(class_server, "Ada") as ada, student(class_server, "Bob") as bob:
        asyncio.run(train(class_server, ada))
        asyncio.run(train(class_server, bob))
        ada_runs, bob_runs = listed(ada), listed(bob)
        assert len(ada_runs) == len(bob_runs) == 1
        assert ada_runs[0]["id"] != bob_runs[0]["id"]
        assert bob.get(f"/api/runs/{ada_runs[0]['id']}").status_code == 404
        assert ada.get(f"/api/runs/{ada_runs[0]['id']}").json()["epochs"] == 2
    with httpx.Client(base_url=class_server, timeout=10) as stranger:
        assert stranger.get("/api/runs").status_code == 401  # the class gate, as every route


def test_the_teachers_reset_all_starts_each_run_a_new_record(class_server: str) -> None:
    """ "Reset all" resets the runs from the server's side (not the student's socket): the
    run, which was playing, trains again from scratch as a new record; each record has
    its own two epochs."""
    with student(class_server, "Cy") as cy, teacher(class_server) as boss:

        async def train_then_reset() -> None:
            headers = {"Cookie": f"{COOKIE}={cy.cookies[COOKIE]}"}
            async with await connect(class_server, additional_headers=headers) as c:
                await c.start(SPEC)
                await c.wait_for(lambda e: e["type"] == "done", timeout=30)
                answer = await asyncio.to_thread(boss.post, "/api/class/reset")
                assert answer.status_code == 200 and answer.json()["reset"] >= 1
                # (not a status at step 0: a socket gets the latest status only, and the
                # retrained run may be past 0 before it is sent)
                await c.wait_for(lambda e: e["type"] == "class" and e["reset"], timeout=30)
                await c.wait_for(lambda e: e["type"] == "done", timeout=30)

        asyncio.run(train_then_reset())
        deadline = time.monotonic() + 10
        while True:
            runs = cy.get("/api/runs").json()["runs"]
            if len(runs) == 2 and all(r["status"] == "done" for r in runs):
                break
            assert time.monotonic() < deadline, runs
            time.sleep(0.05)  # the writer thread records it moments after the events
        for run in runs:
            metrics = cy.get(f"/api/runs/{run['id']}").json()["metrics"]
            assert [p["epoch"] for p in metrics] == [1, 2]
