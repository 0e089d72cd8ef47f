"""dots: two one-pixel dots per canvas, close (3-4 apart) or far (8+), balanced, seeded."""

from __future__ import annotations

import torch

from app.data import build_dataset
from app.data.dots import CLOSE, FAR, MARGIN, SIDE
from app.spec import DataSpec


def test_two_dots_whose_distance_gives_the_label() -> None:
    ds = build_dataset(DataSpec(dataset="dots"), 0)
    assert ds.input_shape == (1, SIDE, SIDE) and ds.class_names == ["close", "far"]
    assert ds.task == "binary" and (len(ds.x_train), len(ds.x_val)) == (1600, 400)
    for x, y in ((ds.x_train, ds.y_train), (ds.x_val, ds.y_val)):
        assert (x.sum((1, 2, 3)) == 2).all() and set(x.unique().tolist()) == {0.0, 1.0}
        at = x[:, 0].flatten(1).nonzero()[:, 1].reshape(-1, 2)  # (N, 2) flat indices
        rows, cols = at // SIDE, at % SIDE
        assert rows.min() >= MARGIN and rows.max() < SIDE - MARGIN
        assert cols.min() >= MARGIN and cols.max() < SIDE - MARGIN
        distance = torch.maximum((rows[:, 0] - rows[:, 1]).abs(), (cols[:, 0] - cols[:, 1]).abs())
        close = (distance >= CLOSE[0]) & (distance <= CLOSE[1])
        assert torch.equal(y == 0, close) and torch.equal(y == 1, distance >= FAR)


def test_balanced_every_distance_and_seeded() -> None:
    ds = build_dataset(DataSpec(dataset="dots", n_samples=1000), 2)
    y = torch.cat([ds.y_train, ds.y_val])
    assert torch.bincount(y).tolist() == [500, 500]
    again = build_dataset(DataSpec(dataset="dots", n_samples=1000), 2)
    other = build_dataset(DataSpec(dataset="dots", n_samples=1000), 3)
    assert torch.equal(ds.x_train, again.x_train) and not torch.equal(ds.x_train, other.x_train)
    at = torch.cat([ds.x_train, ds.x_val])[:, 0].flatten(1).nonzero()[:, 1].reshape(-1, 2)
    rows, cols = at // SIDE, at % SIDE
    distance = torch.maximum((rows[:, 0] - rows[:, 1]).abs(), (cols[:, 0] - cols[:, 1]).abs())
    assert set(distance.tolist()) == {3, 4, *range(FAR, SIDE - 2 * MARGIN)}
