"""flip: the asked-for share of labels in each part changes class, seeded, nothing else moves."""

from __future__ import annotations

import pytest
import torch

from app.data import DATASETS, DataError, build_dataset
from app.spec import DataSpec


@pytest.mark.parametrize(("name", "n_classes"), [("moons", 2), ("spiral", 3), ("digits", 10)])
def test_flip_changes_that_share_of_labels_in_each_part(name: str, n_classes: int) -> None:
    classes = min(n_classes, 4)  # the spec's n_classes is for point data; digits ignore it
    clean = build_dataset(DataSpec(dataset=name, n_classes=classes, n_samples=400), 5)
    noisy = build_dataset(DataSpec(dataset=name, n_classes=classes, n_samples=400, flip=0.2), 5)
    assert torch.equal(clean.x_train, noisy.x_train) and torch.equal(clean.x_val, noisy.x_val)
    for before, after in ((clean.y_train, noisy.y_train), (clean.y_val, noisy.y_val)):
        changed = before != after
        assert int(changed.sum()) == round(0.2 * len(before))  # each changed to another class
        assert 0 <= int(after.min()) and int(after.max()) < n_classes


def test_flip_is_seeded_and_multiclass_flips_spread_over_the_other_classes() -> None:
    spec = DataSpec(dataset="digits", flip=0.5)
    first, again, other = (build_dataset(spec, s) for s in (1, 1, 2))
    assert torch.equal(first.y_train, again.y_train) and torch.equal(first.y_val, again.y_val)
    assert not torch.equal(first.y_train, other.y_train)
    clean = build_dataset(DataSpec(dataset="digits"), 1)
    changed = clean.y_train != first.y_train
    shifts = (first.y_train[changed] - clean.y_train[changed]) % 10
    assert set(shifts.tolist()) == set(range(1, 10))


def test_no_flip_is_the_data_itself_and_regression_refuses_it() -> None:
    assert torch.equal(
        build_dataset(DataSpec(dataset="moons"), 0).y_train,
        build_dataset(DataSpec(dataset="moons", flip=0.0), 0).y_train,
    )
    with pytest.raises(DataError, match="needs classification data") as caught:
        build_dataset(DataSpec(dataset="plane", flip=0.1), 0)
    assert caught.value.field == "data.flip"


def test_the_catalog_offers_flip_to_class_data_only() -> None:
    for name, info in DATASETS.items():
        assert ("flip" in info.uses) == (info.task != "regression"), name
