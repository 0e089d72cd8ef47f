"""A real server process killed mid-run (SIGTERM, and kill -9) and started again on the
same data dir: the completed run comes back identical (metrics and weights), the run that
was training comes back "interrupted" at its last checkpoint, and `reopen` then `resume`
continue it from that checkpoint's weights, optimizer state, step and epoch."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.client import connect
from tests.servers import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[2]
OWNER = {"Cookie": "nnp_owner=" + "r" * 32}
SPEC = {
    "seed": 4,
    "data": {"dataset": "xor", "n_samples": 200},
    "model": {"layers": [{"type": "dense", "units": 4, "activation": "tanh"}]},
    "train": {"optimizer": "adam", "lr": 0.03, "batch_size": 20, "max_epochs": 4},
}
ENDLESS = SPEC | {"train": SPEC["train"] | {"max_epochs": None, "lr": 0.001}}


@contextmanager
def server(data_dir: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    env = os.environ | {
        "NNP_DATA_DIR": str(data_dir),
        "NNP_WORKERS": "1",
        "NNP_CHECKPOINT_S": "0.3",
    }
    env.pop("NNP_DATABASE_URL", None)
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "the server exited"
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)  # polling for the port, with a deadline
        yield url, process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(20)


def runs(url: str) -> dict[str, dict[str, Any]]:
    listed = httpx.get(url + "/api/runs", headers=OWNER, timeout=10).json()["runs"]
    return {r["id"]: httpx.get(url + f"/api/runs/{r['id']}", headers=OWNER).json() for r in listed}


def weights_digest(data_dir: Path, run_id: str) -> str:
    (path,) = (data_dir / "checkpoints" / run_id).glob("last-*.safetensors")
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def kill_mid_run(
    url: str, data_dir: Path, process: subprocess.Popen[bytes], how: int
) -> dict[str, dict[str, Any]]:
    """Run 1 trains to its end; run 2 trains until it has a checkpoint past epoch 2, its
    socket open, and then the server is killed under it."""
    async with await connect(url, additional_headers=OWNER) as done_run:
        await done_run.start(SPEC)
        await done_run.wait_for(lambda e: e["type"] == "done", timeout=60)
    async with await connect(url, additional_headers=OWNER) as training:
        await training.start(ENDLESS)
        before = await asyncio.to_thread(wait_for_records, url, both_checkpointed)
        for run_id, run in before.items():  # the finished run's weights, before the kill
            if run["status"] == "done":
                run["digest"] = weights_digest(data_dir, run_id)
        process.send_signal(how)
        await asyncio.to_thread(process.wait, 30)
    return before


def both_checkpointed(found: dict[str, dict[str, Any]]) -> bool:
    live = [r for r in found.values() if r["status"] == "running"]
    return len(found) == 2 and bool(live) and (live[0]["checkpoint"] or {}).get("epoch", 0) >= 2


def wait_for_records(url: str, ready: Any) -> dict[str, dict[str, Any]]:
    deadline = time.monotonic() + 20
    while True:
        found = runs(url)
        if ready(found):
            return found
        assert time.monotonic() < deadline, found
        time.sleep(0.1)


def test_a_restart_keeps_completed_runs_and_resumes_interrupted_ones(tmp_path: Path) -> None:
    """kill -9 with a run training; restart: the finished run is identical, the other is
    interrupted and continues from its checkpoint once reopened; then SIGTERM while it
    trains again, and the same holds after the second restart."""
    with server(tmp_path) as (url, process):
        before = asyncio.run(kill_mid_run(url, tmp_path, process, signal.SIGKILL))
    done_id = next(i for i, r in before.items() if r["status"] == "done")
    digest = before[done_id].pop("digest")
    live_id = next(i for i in before if i != done_id)

    with server(tmp_path) as (url, process):
        checkpoint = check_restarted(url, tmp_path, before[done_id], digest, live_id)
        asyncio.run(reopen_and_continue(url, live_id, checkpoint, process))

    with server(tmp_path) as (url, _):
        later = check_restarted(url, tmp_path, before[done_id], digest, live_id)
        assert later["epoch"] > checkpoint["epoch"] + 3  # the checkpoint the reopened run made


def check_restarted(
    url: str, data_dir: Path, done: dict[str, Any], digest: str, live_id: str
) -> dict[str, Any]:
    """The finished run as it was, the live one interrupted; its checkpoint."""
    after = runs(url)
    assert set(after) == {done["id"], live_id}
    assert after[done["id"]] == done  # metrics, status, best: identical
    assert weights_digest(data_dir, done["id"]) == digest
    interrupted = after[live_id]
    assert interrupted["status"] == "interrupted"
    checkpoint = interrupted["checkpoint"]
    assert checkpoint["epoch"] >= 2
    epochs = [p["epoch"] for p in interrupted["metrics"]]
    assert epochs == list(range(1, len(epochs) + 1))  # every epoch once, in order
    assert len(epochs) >= checkpoint["epoch"]
    return dict(checkpoint)


async def reopen_and_continue(
    url: str, run_id: str, checkpoint: dict[str, Any], process: subprocess.Popen[bytes]
) -> None:
    """Reopens the run at its checkpoint, trains it on, and stops the server (SIGTERM)
    once a checkpoint past 3 more epochs is recorded."""
    async with await connect(url, additional_headers=OWNER) as c:
        await c.send({"type": "reopen", "id": run_id})
        first = await c.wait_for(lambda e: e["type"] == "status", timeout=60)
        assert (first["state"], first["step"], first["epoch"]) == (
            "paused",
            checkpoint["step"],
            checkpoint["epoch"],
        )
        await c.resume()
        point = await c.wait_for(lambda e: e["type"] == "metrics", timeout=20)
        assert point["points"][0]["epoch"] == checkpoint["epoch"] + 1

        def further(found: dict[str, dict[str, Any]]) -> bool:
            saved = found[run_id]["checkpoint"]
            return found[run_id]["status"] == "running" and saved["epoch"] > checkpoint["epoch"] + 3

        await asyncio.to_thread(wait_for_records, url, further)
        process.send_signal(signal.SIGTERM)
        await asyncio.to_thread(process.wait, 30)
