"""Runs the server hosts are recorded in its database from the events it relays, and the
caller's runs are served at /api/runs (docs/http-api.md, "Runs"): one real server, its
SQLite database in a temp folder, real workers, a client with its own owner cookie."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from safetensors.torch import load

from app.client import Client, Event, connect
from app.settings import Settings
from tests.servers import running

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parents[2]

SPEC = {
    "seed": 2,
    "data": {"dataset": "xor", "n_samples": 200},
    "model": {"layers": [{"type": "dense", "units": 4, "activation": "tanh"}]},
    "train": {"optimizer": "adam", "lr": 0.03, "batch_size": 20, "max_epochs": 5},
}
OWNER_A, OWNER_B = "a" * 32, "b" * 32


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("recorded")
    settings = Settings(data_dir=data_dir, workers=1, checkpoint_s=0.5, store_queue=10)
    with running(settings) as url:
        yield url, data_dir


def cookie(owner: str) -> dict[str, str]:
    return {"Cookie": f"nnp_owner={owner}"}


async def socket(url: str, owner: str) -> Client:
    return await connect(url, additional_headers=cookie(owner))


def done(e: Event) -> bool:
    return e["type"] == "done"


def test_a_finished_run_is_listed_for_its_owner_only(recorded: tuple[str, Path]) -> None:
    url, data_dir = recorded

    async def train() -> list[dict[str, Any]]:
        points: list[dict[str, Any]] = []
        async with await socket(url, OWNER_A) as c:
            await c.start(SPEC)

            def until_done(e: Event) -> bool:
                if e["type"] == "metrics":
                    points.extend(e["points"])
                return done(e)

            await c.wait_for(until_done, timeout=30)
        return points

    points = asyncio.run(train())
    with httpx.Client(base_url=url, timeout=10) as http:
        runs = wait_listed(http, OWNER_A, lambda r: r["status"] == "done" and r["checkpoint"])
        assert len(runs) == 1
        run = runs[0]
        assert run["kind"] == "playground" and run["reason"] == "max_epochs"
        assert run["epochs"] == 5 and run["spec_summary"]["dataset"] == "xor"
        assert run["best"]["val_loss"] == min(p["val_loss"] for p in points)
        one = http.get(f"/api/runs/{run['id']}", headers=cookie(OWNER_A)).json()
        assert [p["epoch"] for p in one["metrics"]] == [1, 2, 3, 4, 5]
        assert one["metrics"] == points and one["spec"]["seed"] == 2
        assert one["checkpoint"]["step"] == points[-1]["step"]
        files = sorted(p.name for p in (data_dir / "checkpoints" / run["id"]).iterdir())
        step = one["checkpoint"]["step"]
        assert files[-2:] == [f"last-{step}.safetensors", f"optimizer-{step}.safetensors"]
        assert len(files) == 3 and files[0].startswith("best-")  # replaced files deleted

        # another owner neither lists it nor reads it
        assert http.get("/api/runs", headers=cookie(OWNER_B)).json() == {"runs": []}
        other = http.get(f"/api/runs/{run['id']}", headers=cookie(OWNER_B))
        assert other.status_code == 404 and "not yours" in other.json()["detail"]

        # rename and pin; a bad name is refused in words
        changed = http.patch(
            f"/api/runs/{run['id']}",
            json={"name": "my xor", "pinned": True},
            headers=cookie(OWNER_A),
        )
        assert changed.status_code == 200
        assert (changed.json()["name"], changed.json()["pinned"]) == ("my xor", True)
        bad = http.patch(
            f"/api/runs/{run['id']}", json={"name": "x" * 500}, headers=cookie(OWNER_A)
        )
        assert bad.status_code == 422 and "name" in bad.json()["detail"]
        assert "Traceback" not in bad.text
        gone = http.delete(f"/api/runs/{run['id']}", headers=cookie(OWNER_B))
        assert gone.status_code == 404
        assert http.delete(f"/api/runs/{run['id']}", headers=cookie(OWNER_A)).status_code == 204
        assert http.get("/api/runs", headers=cookie(OWNER_A)).json() == {"runs": []}
        assert not (data_dir / "checkpoints" / run["id"]).exists()


def test_a_browser_without_an_owner_cookie_is_given_one(recorded: tuple[str, Path]) -> None:
    url, _ = recorded
    with httpx.Client(base_url=url, timeout=10) as http:
        first = http.get("/api/runs")
        assert first.json() == {"runs": []}
        assert "nnp_owner=" in first.headers["set-cookie"]
        assert "HttpOnly" in first.headers["set-cookie"]
        again = http.get("/api/runs")  # the client sends the cookie back: none is set again
        assert "set-cookie" not in again.headers


def test_a_reset_starts_a_new_record(recorded: tuple[str, Path]) -> None:
    """The run trained to its end, reset, trained again: two records, each with its own
    five epochs (none of the first run's points in the second)."""
    url, _ = recorded
    owner = "z" * 32

    async def train_twice() -> None:
        async with await socket(url, owner) as c:
            await c.start(SPEC)
            await c.wait_for(done, timeout=30)
            await c.reset()
            await c.resume()
            await c.wait_for(done, timeout=30)

    asyncio.run(train_twice())
    with httpx.Client(base_url=url, timeout=10) as http:
        runs = wait_listed(http, owner, lambda r: r["status"] == "done" and r["checkpoint"], 2)
        assert len(runs) == 2, runs
        for run in runs:
            one = http.get(f"/api/runs/{run['id']}", headers=cookie(owner)).json()
            assert [p["epoch"] for p in one["metrics"]] == [1, 2, 3, 4, 5]


def test_lesson_arms_and_gans_are_recorded_as_such(recorded: tuple[str, Path]) -> None:
    """A lesson's arm says `kind=lesson` in its socket's address; a GAN's checkpoint holds
    both its networks."""
    url, data_dir = recorded
    owner = "k" * 32
    gan = json.loads((ROOT / "examples" / "gan-gaussians.json").read_text())
    gan.pop("description")
    gan["gan"]["max_steps"] = 20

    async def train() -> None:
        async with await connect(url + "/ws?kind=lesson", additional_headers=cookie(owner)) as arm:
            await arm.start(SPEC)
            await arm.wait_for(done, timeout=30)
        async with await socket(url, owner) as c:
            await c.start(gan)
            await c.wait_for(done, timeout=60)

    asyncio.run(train())
    with httpx.Client(base_url=url, timeout=10) as http:
        runs = wait_listed(http, owner, lambda r: r["status"] == "done" and r["checkpoint"], 2)
    assert sorted(r["kind"] for r in runs) == ["gan", "lesson"]
    gan_run = next(r for r in runs if r["kind"] == "gan")
    assert gan_run["spec_summary"]["dataset"] == "gaussians8" and gan_run["steps"] == 20
    (last,) = (data_dir / "checkpoints" / gan_run["id"]).glob("last-*.safetensors")
    weights = load(last.read_bytes())
    assert {name.split(".")[0] for name in weights} == {"generator", "discriminator"}


def test_a_failing_database_warns_and_no_run_stalls(recorded: tuple[str, Path]) -> None:
    """An exclusive lock on the SQLite file makes every write wait out its timeout, then
    fail, and the queue fill: both runs (on the one worker) get a `saving` warning and go
    on training."""
    url, data_dir = recorded
    lock = sqlite3.connect(data_dir / "runs.sqlite", isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        asyncio.run(train_two_while_failing(url))
    finally:
        lock.execute("ROLLBACK")
        lock.close()


async def train_two_while_failing(url: str) -> None:
    endless = SPEC | {"train": SPEC["train"] | {"max_epochs": None}}
    async with await socket(url, OWNER_B) as first, await socket(url, OWNER_B) as innocent:
        await first.start(endless)
        await innocent.start(endless)
        warning = await first.wait_for(lambda e: e["type"] == "saving", timeout=20)
        assert warning["saved"] is False and "not being saved" in warning["message"]
        # both still train: fresh epochs arrive after the warning, at speed
        for client in (first, innocent):
            seen: list[int] = []

            def more(e: Event, seen: list[int] = seen) -> bool:
                if e["type"] == "metrics":
                    seen.extend(p["epoch"] for p in e["points"])
                return len(seen) >= 20

            await client.wait_for(more, timeout=10)


def wait_listed(http: httpx.Client, owner: str, ready: Any, count: int = 1) -> list[dict[str, Any]]:
    """The owner's runs once there are `count` and every one is `ready` (the writer thread
    records them soon after the events arrive)."""
    import time

    deadline = time.monotonic() + 10
    while True:
        runs = http.get("/api/runs", headers=cookie(owner)).json()["runs"]
        if len(runs) >= count and all(ready(r) for r in runs):
            return runs
        assert time.monotonic() < deadline, runs
        time.sleep(0.05)
