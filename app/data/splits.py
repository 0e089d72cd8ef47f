"""Seeded train/validation splits shared by every dataset."""

from __future__ import annotations

import numpy as np
import torch


def count_val(n: int, val_fraction: float) -> int:
    """Validation examples out of `n`: the rounded fraction, leaving at least one on each side."""
    return max(1, min(n - 1, round(n * val_fraction)))


def split_indices(
    n: int, val_fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """A seeded permutation of range(n) cut into (train indices, validation indices)."""
    order = rng.permutation(n)
    n_val = count_val(n, val_fraction)
    return order[n_val:], order[:n_val]


def take(array: np.ndarray, index: np.ndarray, dtype: torch.dtype) -> torch.Tensor:
    """Rows `index` of `array` as a contiguous CPU tensor of `dtype` (a copy, never a view)."""
    return torch.from_numpy(np.ascontiguousarray(array[index])).to(dtype)
