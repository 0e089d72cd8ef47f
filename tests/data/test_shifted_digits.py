"""shifted_digits: every 8×8 digit whole on its 12×12 canvas, at seeded random places."""

from __future__ import annotations

import numpy as np
import torch

from app.data import build_dataset
from app.data.images import load_digits_arrays
from app.data.shifted_digits import CANVAS, DIGIT, paste
from app.spec import DataSpec


def test_shapes_classes_and_the_whole_digit_on_a_blank_canvas() -> None:
    ds = build_dataset(DataSpec(dataset="shifted_digits"), 0)
    assert ds.input_shape == (1, CANVAS, CANVAS) and ds.output_dim == 10
    assert (len(ds.x_train), len(ds.x_val)) == (1438, 359)
    images, labels = load_digits_arrays()
    # Every canvas holds one digit's full ink: the pooled pixel sums match the digits' own.
    canvases = torch.cat([ds.x_train, ds.x_val])
    assert sorted(canvases.sum((1, 2, 3)).tolist()) == sorted(images.sum((1, 2, 3)).tolist())
    assert 0.0 <= float(canvases.min()) and float(canvases.max()) == 1.0
    counts = torch.bincount(torch.cat([ds.y_train, ds.y_val]), minlength=10)
    assert counts.tolist() == np.bincount(labels).tolist()


def test_places_spread_over_every_offset_and_follow_the_seed() -> None:
    ds = build_dataset(DataSpec(dataset="shifted_digits"), 3)
    ink = ds.x_train[:, 0] > 0  # (N, 12, 12)
    rows = ink.any(2).float().argmax(1)  # first inked row
    cols = ink.any(1).float().argmax(1)
    offsets = set(zip(rows.tolist(), cols.tolist(), strict=True))
    assert len(offsets) > 20 and max(max(o) for o in offsets) <= CANVAS - 1
    again = build_dataset(DataSpec(dataset="shifted_digits"), 3)
    other = build_dataset(DataSpec(dataset="shifted_digits"), 4)
    assert torch.equal(ds.x_train, again.x_train) and not torch.equal(ds.x_train, other.x_train)


def test_paste_puts_the_digit_at_its_corner() -> None:
    images = np.arange(2 * DIGIT * DIGIT, dtype=np.float32).reshape(2, 1, DIGIT, DIGIT)
    canvas = paste(images, np.array([[0, 4], [3, 1]]))
    assert np.array_equal(canvas[0, 0, 0:8, 4:12], images[0, 0])
    assert np.array_equal(canvas[1, 0, 3:11, 1:9], images[1, 0])
    assert canvas.sum() == images.sum()
