"""The server answers as soon as it is up, while its workers still import torch (18 s
under load here: every request used to wait for them), and the first `start` waits for a
worker instead of failing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import websockets

from app.settings import Settings
from app.spec import ExperimentSpec
from tests.servers import SERVED_APPS, running


async def first_metrics(url: str) -> dict[str, Any]:
    async with websockets.connect(url.replace("http", "ws") + "/ws") as ws:
        await ws.send(json.dumps({"type": "start", "spec": ExperimentSpec().model_dump()}))
        while True:
            event = json.loads(await asyncio.wait_for(ws.recv(), 60))
            assert event["type"] != "error", event
            if event["type"] == "metrics":
                return event


def test_pages_answer_before_the_workers_are_ready_and_a_start_waits(tmp_path: Path) -> None:
    with running(Settings(data_dir=tmp_path, workers=2), workers_ready=False) as url:
        workers = SERVED_APPS[url].state.pool._workers.values()
        # Spawned workers import torch for well over a second: none is ready yet.
        assert not any(w.ready.is_set() for w in workers)
        assert httpx.get(f"{url}/healthz").status_code == 200
        assert httpx.get(f"{url}/").status_code == 200
        assert asyncio.run(first_metrics(url))["points"]
