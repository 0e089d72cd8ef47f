"""A worker trains its small dense runs as one group (app/worker/grouping.py), driven here
in-process through the worker's own loop and command handler: the runs form a group, a
live change or a reset takes a run out and back in without changing its numbers, and a
group that breaks leaves its runs training alone."""

from __future__ import annotations

import queue
from typing import Any

import pytest
import torch

from app.protocol import CLIENT_MESSAGE
from app.settings import Settings
from app.spec import ExperimentSpec
from app.train import Run
from app.train.group.group import RunGroup
from app.worker.process import WorkerLoop


class Silent:
    """The worker's command queue when the test hands it commands itself."""

    def get(self, *_: Any) -> Any:
        raise queue.Empty

    def get_nowait(self) -> Any:
        raise queue.Empty


class Events:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send(self, event: dict[str, Any]) -> None:
        self.sent.append(event)


def specs() -> list[dict[str, Any]]:
    layers = [{"type": "dense", "units": u, "activation": "tanh"} for u in (6, 3)]
    return [ExperimentSpec(seed=seed).model_dump() for seed in range(4)] + [
        ExperimentSpec.model_validate({"seed": 9, "model": {"layers": layers}}).model_dump(),
        ExperimentSpec.model_validate({"seed": 7, "train": {"optimizer": "adam"}}).model_dump(),
    ]


@pytest.fixture
def loop() -> WorkerLoop:
    worker = WorkerLoop(0, Silent(), Events(), Settings(device="cpu"))  # type: ignore[arg-type]
    for i, spec in enumerate(specs()):
        worker._handle("open", f"r{i}", {"spec": spec})
    return worker


def send(loop: WorkerLoop, run_id: str, message: dict[str, Any]) -> None:
    loop._handle("message", run_id, CLIENT_MESSAGE.validate_python(message).model_dump())


def tick_until(loop: WorkerLoop, done: Any, ticks: int = 5000) -> None:
    for _ in range(ticks):
        loop.tick()
        if done():
            return
    raise AssertionError("the runs did not get there")


def test_runs_of_a_worker_train_as_groups_and_keep_their_own_numbers(loop: WorkerLoop) -> None:
    tick_until(loop, lambda: min(h.run.step_count for h in loop.runs.values()) >= 120)
    groups = {key.optimizer: entry.hosted for key, entry in loop.groups.entries.items()}
    assert sorted(h.id for h in groups["sgd"]) == ["r0", "r1", "r2", "r3", "r4"]
    assert [h.id for h in groups["adam"]] == ["r5"]  # a group of one is still faster
    for run_id in list(loop.runs):
        send(loop, run_id, {"type": "pause"})
    for i, spec in enumerate(specs()):
        together = loop.runs[f"r{i}"].run
        alone = Run(ExperimentSpec.model_validate(spec))
        alone.step(together.step_count)
        assert len(alone.history) == len(together.history) >= 4
        for a, b in zip(alone.history, together.history, strict=True):
            assert b.train_loss == pytest.approx(a.train_loss, abs=2e-5)
        for p, q in zip(alone.model.parameters(), together.model.parameters(), strict=True):
            assert torch.allclose(p, q, atol=2e-5)


def test_a_live_change_takes_a_run_out_and_back_without_changing_its_numbers(
    loop: WorkerLoop,
) -> None:
    tick_until(loop, lambda: loop.runs["r1"].run.step_count >= 40)
    at = loop.runs["r1"].run.step_count
    send(loop, "r1", {"type": "set", "params": {"lr": 0.1, "momentum": 0.5}})
    assert not any(  # its group was dissolved before the change
        h.id == "r1" for entry in loop.groups.entries.values() for h in entry.hosted
    )
    tick_until(loop, lambda: loop.runs["r1"].run.step_count >= at + 80)
    regrouped = [h.id for entry in loop.groups.entries.values() for h in entry.hosted]
    assert "r1" in regrouped
    send(loop, "r1", {"type": "pause"})
    together = loop.runs["r1"].run
    alone = Run(ExperimentSpec.model_validate(specs()[1]))
    alone.step(at)
    alone.set(lr=0.1, momentum=0.5)
    alone.step(together.step_count - at)
    for p, q in zip(alone.model.parameters(), together.model.parameters(), strict=True):
        assert torch.allclose(p, q, atol=2e-5)


def test_a_reset_run_starts_afresh_and_its_group_mates_go_on(loop: WorkerLoop) -> None:
    tick_until(loop, lambda: loop.runs["r2"].run.step_count >= 60)
    before = {i: h.run.step_count for i, h in loop.runs.items()}
    send(loop, "r2", {"type": "reset"})
    assert loop.runs["r2"].run.step_count == 0
    send(loop, "r2", {"type": "resume"})
    tick_until(loop, lambda: loop.runs["r2"].run.step_count >= 30)
    assert all(loop.runs[i].run.step_count > before[i] for i in ("r0", "r1", "r3"))


def test_a_group_that_breaks_leaves_its_runs_training_alone(
    loop: WorkerLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    tick_until(loop, lambda: min(h.run.step_count for h in loop.runs.values()) >= 10)

    def broken(self: RunGroup, budgets: Any, seconds: float) -> list[int]:
        raise RuntimeError("a bug in the batched step")

    monkeypatch.setattr(RunGroup, "train", broken)
    before = {i: h.run.step_count for i, h in loop.runs.items()}
    tick_until(loop, lambda: all(h.solo for h in loop.runs.values()))
    tick_until(loop, lambda: all(h.run.step_count > before[i] + 50 for i, h in loop.runs.items()))
    assert not loop.groups.entries
    assert all(not h.run.done for h in loop.runs.values())
