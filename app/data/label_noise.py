"""Label noise: a seeded fraction of the labels replaced by another class.

Real labels are often wrong (a tired annotator, a blurry photo), in the examples we train on
and in those we test on alike, so both parts get the same fraction of wrong labels. A network
big enough to memorise its training set learns the wrong labels too: its training loss falls
towards 0, and the confidence that takes makes it confidently wrong on new examples, so its
validation loss climbs far above the ~0.5 a calibrated model scores with 20 % noise (the
overfitting lesson). Clean validation labels would show this only where a validation point
happens to fall near a memorised mistake, which for small data sets is luck.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from app.data.base import DataError, Dataset

# The third stream of a seed's SeedSequence; DataRequest.rngs() uses the first two, so
# flipping never changes which points are drawn or how they are split.
FLIP_STREAM = 2


def flip_labels(data: Dataset, fraction: float, seed: int) -> Dataset:
    """`data` with round(fraction × N) labels of each part (train, val), picked at random,
    each moved to another class drawn uniformly (the other one for binary data)."""
    if fraction == 0:
        return data
    if data.task == "regression":
        raise DataError("flip changes class labels; it needs classification data", "data.flip")
    n_classes = max(len(data.class_names), 2)
    rng = np.random.default_rng(np.random.SeedSequence(seed % 2**64, spawn_key=(FLIP_STREAM,)))
    y_train, y_val = (flip_some(y, fraction, n_classes, rng) for y in (data.y_train, data.y_val))
    return dataclasses.replace(data, y_train=y_train, y_val=y_val)


def flip_some(
    y: torch.Tensor, fraction: float, n_classes: int, rng: np.random.Generator
) -> torch.Tensor:
    """A copy of the class indices `y` (N,) with round(fraction × N) of them changed."""
    picked = torch.from_numpy(rng.permutation(len(y))[: round(fraction * len(y))])
    # A shift of 1..C-1 classes (mod C) always lands on a different class.
    shift = torch.from_numpy(rng.integers(1, n_classes, len(picked)))
    flipped = y.clone()
    flipped[picked] = (flipped[picked] + shift) % n_classes
    return flipped
