"""`shifted_digits`: scikit-learn's 8×8 digits, each pasted at a random place on a 12×12 canvas.

Why: a convolution slides the same small filter over every position, so a stroke it learned
to see in one place it sees everywhere; a dense layer has a separate weight per pixel and must
learn every digit again at each of the 25 positions. The validation digits are other
handwritten digits, each at its own random place, so the validation accuracy measures how well a
network reads digits wherever they are, shifted by any amount from the training examples.
With the same number of weights a small CNN is far ahead (the convolutions lesson).

The position of each example (its top-left corner, 0-4 pixels down and right) is drawn from
the seed, independently for every example; the background is 0, pixels in [0, 1].
"""

from __future__ import annotations

import numpy as np
import torch

from app.data.base import Dataset
from app.data.images import DIGIT_NAMES, load_digits_arrays, split_images
from app.data.request import DataRequest

CANVAS = 12  # pixels per side
DIGIT = 8  # the digits' own side


def paste(images: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """Images (N, 1, 8, 8) on blank canvases (N, 1, 12, 12), top-left corners (N, 2) [row, col]."""
    n = len(images)
    canvas = np.zeros((n, 1, CANVAS, CANVAS), dtype=np.float32)
    span = np.arange(DIGIT)
    rows = corners[:, 0, None] + span  # (N, 8)
    cols = corners[:, 1, None] + span
    canvas[np.arange(n)[:, None, None], 0, rows[:, :, None], cols[:, None, :]] = images[:, 0]
    return canvas


def build_shifted_digits(req: DataRequest) -> Dataset:
    """The 8×8 digits at seeded random places on a 12×12 canvas (1,797 images, 10 classes)."""
    images, labels = load_digits_arrays()
    train, val = split_images(images, labels, req)
    make_rng, _ = req.rngs()
    corners = make_rng.integers(0, CANVAS - DIGIT + 1, (len(train) + len(val), 2))
    x = paste(images[np.concatenate([train, val])], corners)
    return Dataset(
        x_train=torch.from_numpy(x[: len(train)]),
        y_train=torch.from_numpy(labels[train]),
        x_val=torch.from_numpy(x[len(train) :]),
        y_val=torch.from_numpy(labels[val]),
        task="multiclass",
        input_kind="image",
        input_shape=(1, CANVAS, CANVAS),
        class_names=list(DIGIT_NAMES),
        output_dim=10,
    )
