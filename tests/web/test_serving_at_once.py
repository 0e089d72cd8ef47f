"""The server answers as soon as it is up, while its workers still start (importing torch
took 18 s under load here, before workers were forked from a fork server: every request
used to wait for them), and the first `start` waits for a worker instead of failing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from app.settings import Settings
from app.spec import ExperimentSpec
from tests.servers import SERVED_APPS, running
from tests.worker.held_ready import HeldReady


async def first_metrics(url: str) -> dict[str, Any]:
    async with websockets.connect(url.replace("http", "ws") + "/ws") as ws:
        await ws.send(json.dumps({"type": "start", "spec": ExperimentSpec().model_dump()}))
        while True:
            event = json.loads(await asyncio.wait_for(ws.recv(), 60))
            assert event["type"] != "error", event
            if event["type"] == "metrics":
                return event


def test_pages_answer_before_the_workers_are_ready_and_a_start_waits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = HeldReady(monkeypatch, {0, 1})
    with running(Settings(data_dir=tmp_path, workers=2), workers_ready=False) as url:
        workers = SERVED_APPS[url].state.pool._workers.values()
        assert not any(w.ready.is_set() for w in workers)
        assert httpx.get(f"{url}/healthz").status_code == 200
        assert httpx.get(f"{url}/").status_code == 200

        async def start_then_ready() -> dict[str, Any]:
            started = asyncio.create_task(first_metrics(url))
            await asyncio.sleep(0.5)
            assert not started.done(), "a start trained with no worker ready"
            held.release(0)
            held.release(1)
            return await started

        assert asyncio.run(start_then_ready())["points"]
