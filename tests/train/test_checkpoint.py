"""A checkpoint (app/train/checkpoint.py) restores a run exactly: weights, every optimizer
state tensor, step, epoch and history; for a GAN both networks and both optimizers. A
checkpoint of another network is refused in words; a forged header size is refused before
anything is read."""

from __future__ import annotations

import struct

import pytest
import torch

from app.spec import ExperimentSpec
from app.train import create_run
from app.train.checkpoint import (
    CheckpointError,
    capture_optimizer,
    capture_weights,
    modules_of,
    read_metadata,
    restore,
)

MLP = {
    "seed": 5,
    "data": {"dataset": "circle", "n_samples": 100},
    "model": {"layers": [{"type": "dense", "units": 6, "activation": "relu"}]},
    "train": {"optimizer": "adam", "lr": 0.01, "batch_size": 10},
}
GAN = {
    "kind": "gan",
    "seed": 1,
    "data": {"dataset": "gaussians8"},
    "gan": {
        "generator": {"layers": [{"type": "dense", "units": 8, "activation": "relu"}]},
        "discriminator": {"layers": [{"type": "dense", "units": 8, "activation": "relu"}]},
        "batch_size": 16,
    },
}


def same_state(a: object, b: object) -> None:
    for (name, (net_a, opt_a)), (_, (net_b, opt_b)) in zip(
        modules_of(a).items(),  # type: ignore[arg-type]
        modules_of(b).items(),  # type: ignore[arg-type]
        strict=True,
    ):
        for (key, x), (_, y) in zip(
            net_a.state_dict().items(), net_b.state_dict().items(), strict=True
        ):
            assert torch.equal(x, y), f"{name}.{key}"
        state_a, state_b = opt_a.state_dict(), opt_b.state_dict()
        assert state_a["param_groups"] == state_b["param_groups"]
        for index, entries in state_a["state"].items():
            for key, value in entries.items():
                assert torch.equal(value, state_b["state"][index][key]), f"{name} {index}.{key}"


@pytest.mark.parametrize("spec", [MLP, GAN], ids=["mlp", "gan"])
def test_a_restored_run_is_the_run(spec: dict[str, object]) -> None:
    run = create_run(ExperimentSpec.model_validate(spec), "cpu")
    run.step(37)
    again = create_run(ExperimentSpec.model_validate(spec), "cpu")
    restore(again, capture_weights(run), capture_optimizer(run))
    same_state(run, again)
    assert (again.step_count, again.epoch) == (run.step_count, run.epoch)
    assert again.history == run.history


def test_each_checkpoint_carries_the_history_as_it_is_then() -> None:
    """The history is encoded a point at a time across checkpoints (app/train/checkpoint.py):
    later checkpoints add the new points, and after a reset or a restore they hold the new
    history, not the old one's texts."""
    spec = ExperimentSpec.model_validate(MLP)
    run = create_run(spec, "cpu")

    def history_in_checkpoint() -> list[object]:
        again = create_run(spec, "cpu")
        restore(again, capture_weights(run), capture_optimizer(run))
        return list(again.history)

    for steps in (30, 40):
        run.step(steps)
        assert history_in_checkpoint() == run.history
    longer = len(run.history)
    run.reset(7)
    run.step(200)  # past the old history's length, with none of its points
    assert len(run.history) > longer
    assert history_in_checkpoint() == run.history
    run.reset(8)
    run.step(20)
    assert 0 < len(run.history) < longer
    assert history_in_checkpoint() == run.history
    restored = create_run(spec, "cpu")
    restore(restored, capture_weights(run), capture_optimizer(run))
    run = restored
    run.step(10)
    assert history_in_checkpoint() == run.history


def test_a_checkpoint_of_another_network_is_refused() -> None:
    run = create_run(ExperimentSpec.model_validate(MLP), "cpu")
    wider = MLP | {"model": {"layers": [{"type": "dense", "units": 9, "activation": "relu"}]}}
    other = create_run(ExperimentSpec.model_validate(wider), "cpu")
    with pytest.raises(CheckpointError, match="do not fit this network"):
        restore(other, capture_weights(run), capture_optimizer(run))


def test_a_forged_header_size_is_refused() -> None:
    with pytest.raises(CheckpointError, match="header size"):
        read_metadata(struct.pack("<Q", 2**40) + b"{}")
