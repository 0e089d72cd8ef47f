"""Random shifts (data augmentation) and the held-out test set: pixels moved as a roll with
zeros would move them, a test set apart from training and validation, and errors that name
the field and the limit."""

from __future__ import annotations

import pytest
import torch
from pydantic import ValidationError

from app.data import DataError, build_dataset
from app.data.shifts import random_shifts, shift_images
from app.lessons import metrics
from app.lessons.metrics import Finished, MetricError
from app.lessons.trace import Trace
from app.spec import DataSpec, ExperimentSpec, format_errors
from app.train import Run

DIGITS = {"dataset": "digits", "n_samples": 400, "val_fraction": 0.25}


def moved_by_hand(image: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """(C, H, W) moved down dy and right dx, zeros in: pixel by pixel."""
    out = torch.zeros_like(image)
    height, width = image.shape[-2:]
    for r in range(height):
        for c in range(width):
            if 0 <= r - dy < height and 0 <= c - dx < width:
                out[:, r, c] = image[:, r - dy, c - dx]
    return out


def test_shift_images_moves_each_image_by_its_own_shift() -> None:
    x = torch.rand(5, 2, 6, 7)
    dy = torch.tensor([0, 1, -2, 3, -1])
    dx = torch.tensor([0, -1, 2, 0, 3])
    moved = shift_images(x, dy, dx)
    for i in range(5):
        assert torch.equal(moved[i], moved_by_hand(x[i], int(dy[i]), int(dx[i]))), i


def test_random_shifts_stay_within_the_bound_and_reach_it() -> None:
    dy, dx = random_shifts(torch.zeros(2000, 1, 8, 8), 2, torch.Generator().manual_seed(0))
    for d in (dy, dx):
        assert set(d.tolist()) == {-2, -1, 0, 1, 2}


def test_a_test_set_is_apart_and_leaves_validation_as_it_was() -> None:
    plain = build_dataset(DataSpec(**DIGITS), 3)
    with_test = build_dataset(DataSpec(**DIGITS, test_fraction=0.25), 3)
    assert plain.x_test is None and plain.y_test is None
    assert with_test.x_test is not None and with_test.y_test is not None
    assert torch.equal(with_test.x_val, plain.x_val)  # the same validation digits
    assert (len(with_test.x_train), len(with_test.x_val), len(with_test.x_test)) == (200, 100, 100)
    # every example in exactly one split: train and test together are plain's train set
    both = torch.cat([with_test.x_train, with_test.x_test]).flatten(1)
    assert sorted(map(tuple, both.tolist())) == sorted(
        map(tuple, plain.x_train.flatten(1).tolist())
    )


def test_a_shifted_test_set_moves_each_digit_by_at_most_the_shift() -> None:
    still = build_dataset(DataSpec(**DIGITS, test_fraction=0.25), 5)
    moved = build_dataset(DataSpec(**DIGITS, test_fraction=0.25, test_shift=1), 5)
    assert still.x_test is not None and moved.x_test is not None
    assert torch.equal(moved.y_test, still.y_test)  # type: ignore[arg-type]
    assert torch.equal(moved.x_val, still.x_val) and torch.equal(moved.x_train, still.x_train)
    shifts = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    found = set()
    for i in range(len(still.x_test)):
        match = [
            s for s in shifts if torch.equal(moved.x_test[i], moved_by_hand(still.x_test[i], *s))
        ]
        assert match, i
        found.update(match)
    assert len(found) >= 8  # shifts in every direction, not one fixed move
    again = build_dataset(DataSpec(**DIGITS, test_fraction=0.25, test_shift=1), 5)
    assert torch.equal(again.x_test, moved.x_test)  # type: ignore[arg-type]


def spec_errors(**data: object) -> list[dict[str, str]]:
    with pytest.raises(ValidationError) as caught:
        ExperimentSpec.model_validate({"data": {"dataset": "digits", **data}})
    return format_errors(caught.value)


def test_bad_options_are_refused_naming_the_field_and_the_limit() -> None:
    assert spec_errors(augment=4) == [
        {"field": "data.augment", "message": "augment must be at most 3"}
    ]
    assert spec_errors(test_fraction=0.6) == [
        {"field": "data.test_fraction", "message": "test fraction must be at most 0.5"}
    ]
    assert spec_errors(test_shift=-1) == [
        {"field": "data.test_shift", "message": "test shift must be at least 0"}
    ]
    (error,) = spec_errors(test_shift=2)
    assert error["field"] == "data" and "test_shift" in error["message"]
    assert "test_fraction" in error["message"]
    with pytest.raises(DataError, match="test_fraction=0.5 with val_fraction=0.5") as refused:
        build_dataset(DataSpec(**DIGITS | {"val_fraction": 0.5}, test_fraction=0.5), 0)
    assert refused.value.field == "data.test_fraction"


def augmented_run(augment: int, seed: int = 0) -> Run:
    return Run(
        ExperimentSpec.model_validate(
            {
                "seed": seed,
                "data": {**DIGITS, "augment": augment},
                "model": {"layers": [{"type": "dense", "units": 8, "activation": "relu"}]},
                "train": {"optimizer": "sgd", "lr": 0.1, "batch_size": 16},
            }
        )
    )


def test_augmentation_trains_on_shifted_batches_reproducibly() -> None:
    """The first step's gradient is that of the batch moved by the run's own shifts: the
    same run again matches; without augmentation it differs; the data stay unshifted."""
    runs = [augmented_run(2), augmented_run(2), augmented_run(0)]
    before = [p.detach().clone() for p in runs[0].model.parameters()]
    for run in runs:
        run.step(1)
    after = [[p.detach() for p in run.model.parameters()] for run in runs]
    assert all(torch.equal(a, b) for a, b in zip(after[0], after[1], strict=True))
    assert not all(torch.equal(a, b) for a, b in zip(after[0], after[2], strict=True))
    # replay the first step by hand: same order, same shifts, plain SGD
    replay = augmented_run(2)
    idx = replay._order[:16]
    x = shift_images(replay.x_train[idx], *random_shifts(replay.x_train[idx], 2, replay._augment))
    replay.model.train()
    replay.loss_fn(replay.model(x), replay.y_train[idx]).backward()
    for p0, p, moved in zip(before, replay.model.parameters(), after[0], strict=True):
        assert p.grad is not None
        assert torch.allclose(p0 - 0.1 * p.grad, moved, atol=1e-6)
    assert torch.equal(runs[0].x_train, runs[2].x_train)  # augmentation never edits the data


def test_test_accuracy_counts_the_test_set_right() -> None:
    spec = ExperimentSpec.model_validate(
        {
            "data": {**DIGITS, "test_fraction": 0.25, "test_shift": 1},
            "model": {"layers": [{"type": "dense", "units": 16, "activation": "relu"}]},
            "train": {"optimizer": "adam", "lr": 0.01},
        }
    )
    run = Run(spec)
    run.step(60)
    assert run.data.x_test is not None and run.data.y_test is not None
    with torch.no_grad():
        run.model.eval()
        expected = float((run.model(run.data.x_test).argmax(1) == run.data.y_test).float().mean())
        run.model.train()
    measured = metrics.test_accuracy(Finished(run, Trace(), 60))
    assert measured == pytest.approx(expected)
    assert 0.3 < measured < 1  # it learned something, and not the whole of a shifted test
    without = augmented_run(0)
    with pytest.raises(MetricError, match="test_fraction"):
        metrics.test_accuracy(Finished(without, Trace(), 0))


def test_the_exported_script_says_it_trains_without_augmentation() -> None:
    from app.export.script import write_script

    for augment, said in ((2, True), (0, False)):
        run = augmented_run(augment)
        script = write_script(run.spec, run.model, run.report, run.task, 0)
        assert ("by up to 2 pixels at random" in script) == said
        assert ("without augmentation" in script) == said
