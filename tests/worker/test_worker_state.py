"""The worker's `state` command (app/protocol.py StateRequest): a run's weights, sent to the
web process for an export, while another run on the same worker trains on undisturbed."""

from __future__ import annotations

import asyncio
import io
import zipfile
from typing import Any

import numpy as np
import torch

from app.export import FILES, zip_from_state
from app.settings import Settings
from app.spec import ExperimentSpec
from app.train.run import Run
from app.worker.pool import WorkerPool
from tests.worker.test_pool import Inbox

SPEC = ExperimentSpec.model_validate(
    {
        "data": {"dataset": "circle", "n_samples": 200},
        "model": {"layers": [{"type": "dense", "units": 6}, {"type": "batchnorm"}]},
        "train": {"optimizer": "adam", "lr": 0.03},
    }
)
GAN = ExperimentSpec.model_validate({"kind": "gan", "gan": {}, "data": {"dataset": "ring"}})


def test_state_is_the_runs_weights_and_the_neighbour_keeps_training() -> None:
    async def main() -> None:
        pool = WorkerPool(Settings(workers=1))
        await pool.start()
        try:
            await check(pool)
        finally:
            await pool.stop()

    asyncio.run(main())


async def check(pool: WorkerPool) -> None:
    innocent = Inbox()
    pool.open_run(ExperimentSpec().model_dump(), innocent)  # on the same (only) worker
    owner = Inbox()
    run = pool.open_run(SPEC.model_dump(), owner, paused=True)
    pool.command(run, {"type": "step", "n": 20})
    await owner.until(lambda e: e["type"] == "status" and e["step"] == 20)
    before = await innocent.until(lambda e: e["type"] == "status" and e["step"] > 0)

    state = await pool.fetch_state(run, timeout=20)
    assert state is not None and state["step"] == 20 and state["tensors"] is not None
    alone = Run(SPEC)
    alone.step(20)
    expected = alone.model.state_dict()
    assert set(state["tensors"]) == set(expected)
    for name, raw in state["tensors"].items():
        got = np.frombuffer(raw["data"], dtype=raw["dtype"]).reshape(raw["shape"])
        assert torch.allclose(torch.from_numpy(got.copy()), expected[name], atol=1e-5), name
    assert not [e for e in owner.events if e["type"] == "state"]  # never to the run's owner

    with zipfile.ZipFile(io.BytesIO(zip_from_state(state, None, Settings().limits))) as z:
        assert sorted(z.namelist()) == sorted(FILES)

    # The innocent run trained on meanwhile, and still does.
    step = before["step"]
    await innocent.until(lambda e: e["type"] == "status" and e["step"] > step + 50)

    gan = pool.open_run(GAN.model_dump(), Inbox(), paused=True)
    answer: dict[str, Any] | None = await pool.fetch_state(gan, timeout=20)
    assert answer is not None and answer["tensors"] is None
    assert answer["detail"] == "a gan run cannot be exported yet, only supervised"
    assert await pool.fetch_state("no-such-run", timeout=1) is None
