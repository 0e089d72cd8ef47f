"""`dots`: two dots on a 16×16 canvas; are they close (3-4 pixels apart) or far (8 or more)?

Why: it is the smallest question a single small filter cannot answer. A 3×3 convolution sees
3×3 pixels at a time, so it never sees both dots of a pair, and close and far pairs show it
exactly the same things: one dot here, one dot there. Pooling and stacking widen what each
unit sees (its receptive field): after conv-pool-conv-pool-conv one unit covers 18×18 pixels,
and the network answers almost perfectly (the receptive-field lesson).

Each dot is one pixel of value 1 on a background of 0. Distance is the Chebyshev distance
(the larger of the row and column differences): "close" pairs are 3 or 4 apart, "far" pairs 8
or more. Dots keep one pixel off the edge, so a 3×3 window ('same' padding) always sees all
of a dot's neighbourhood, and no window tells a dot near the edge from one in the middle.
Pairs are drawn uniformly among those of each class; the classes are balanced.
"""

from __future__ import annotations

import numpy as np
import torch

from app.data.base import Dataset
from app.data.points import class_sizes
from app.data.request import DataRequest
from app.data.splits import split_indices, take

SIDE = 16  # pixels per side of the canvas
MARGIN = 1  # dots keep this many pixels off the edge
CLOSE = (3, 4)  # Chebyshev distances of a "close" pair
FAR = 8  # the smallest distance of a "far" pair
CLASS_NAMES = ["close", "far"]


def draw_pairs(m: int, far: bool, rng: np.random.Generator) -> np.ndarray:
    """`m` pairs of dots (m, 2, 2) [dot, (row, col)] of one class, uniform among such pairs."""
    found: list[np.ndarray] = []
    while sum(len(f) for f in found) < m:
        pairs = rng.integers(MARGIN, SIDE - MARGIN, (4 * m, 2, 2))
        distance = np.abs(pairs[:, 0] - pairs[:, 1]).max(axis=1)
        keep = distance >= FAR if far else (distance >= CLOSE[0]) & (distance <= CLOSE[1])
        found.append(pairs[keep])
    return np.concatenate(found)[:m]


def make_dots(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Canvases x (n, 1, 16, 16) float32 and classes y (n,) int64: 0 close, 1 far."""
    sizes = class_sizes(n, 2)
    pairs = np.concatenate([draw_pairs(m, far=c == 1, rng=rng) for c, m in enumerate(sizes)])
    x = np.zeros((n, 1, SIDE, SIDE), dtype=np.float32)
    rows = np.arange(n)[:, None]
    x[rows, 0, pairs[:, :, 0], pairs[:, :, 1]] = 1.0
    return x, np.repeat(np.arange(2, dtype=np.int64), sizes)


def build_dots(req: DataRequest) -> Dataset:
    """`dots`: n_samples canvases, half close pairs and half far, split at random."""
    make_rng, split_rng = req.rngs()
    n = req.require_n_samples()
    x, y = make_dots(n, make_rng)
    train, val = split_indices(n, req.val_fraction, split_rng)
    return Dataset(
        x_train=take(x, train, torch.float32),
        y_train=take(y, train, torch.int64),
        x_val=take(x, val, torch.float32),
        y_val=take(y, val, torch.int64),
        task="binary",
        input_kind="image",
        input_shape=(1, SIDE, SIDE),
        class_names=list(CLASS_NAMES),
        output_dim=1,
    )
