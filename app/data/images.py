"""Handwritten digits: scikit-learn's bundled 8×8 `digits` and our bundled 28×28 MNIST subset.

Both pool all their images, take a seeded random subset when `n_samples` asks for fewer, and
split that by seed. Pixels are float32 in [0, 1], shaped (N, 1, H, W).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from app.data.base import DataError, Dataset
from app.data.request import DataRequest
from app.data.shifts import random_shifts, shift_images
from app.data.splits import count_val, split_indices, take

MNIST_PATH = Path(__file__).parent / "files" / "mnist_subset.npz"
DIGIT_NAMES = [str(d) for d in range(10)]
TEST_SHIFT_STREAM = 7919  # added to the seed: the test shifts' own random numbers


@lru_cache(maxsize=1)
def load_digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 digits: images (N, 1, 8, 8) float32 in [0, 1], labels (N,) int64."""
    from sklearn.datasets import load_digits  # imported late: sklearn is slow to import

    bunch = load_digits()
    images = (bunch.images / 16.0).astype(np.float32)[:, None]  # pixel counts 0..16
    images.flags.writeable = False
    labels = bunch.target.astype(np.int64)
    labels.flags.writeable = False
    return images, labels


@lru_cache(maxsize=1)
def load_mnist_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The bundled 14,000 MNIST images pooled: (N, 1, 28, 28) uint8 and (N,) int64 labels."""
    with np.load(MNIST_PATH, allow_pickle=False) as npz:
        images = np.concatenate([npz["x_train"], npz["x_test"]])[:, None]
        labels = np.concatenate([npz["y_train"], npz["y_test"]]).astype(np.int64)
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def split_images(
    images: np.ndarray, labels: np.ndarray, req: DataRequest
) -> tuple[np.ndarray, np.ndarray]:
    """Seeded (train, val) indices into the pooled arrays, at most `req.n_samples` in all."""
    _, split_rng = req.rngs()
    n = len(labels)
    subset = split_rng.permutation(n)[: req.cap(n)]
    train, val = split_indices(len(subset), req.val_fraction, split_rng)
    return subset[train], subset[val]


def cut_test(train: np.ndarray, n_all: int, req: DataRequest) -> tuple[np.ndarray, np.ndarray]:
    """(train, test): `data.test_fraction` of all `n_all` examples, taken from the end of
    the (shuffled) training indices, so the validation set is the same with or without a
    test set."""
    fraction = req.spec.test_fraction
    if fraction is None:
        return train, train[:0]
    n_test = count_val(n_all, fraction)
    if n_test >= len(train):
        raise DataError(
            f"test_fraction={fraction} with val_fraction={req.val_fraction} leaves no "
            "training examples; keep their sum under 0.95",
            "data.test_fraction",
        )
    return train[: len(train) - n_test], train[len(train) - n_test :]


def test_images(
    images: np.ndarray, labels: np.ndarray, test: np.ndarray, req: DataRequest, scale: float
) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """The test set's tensors, each image moved by up to `data.test_shift` pixels (drawn
    from the seed, apart from the other draws); (None, None) without a test set."""
    if req.spec.test_fraction is None:
        return None, None
    x = take(images, test, torch.float32) / scale
    if req.spec.test_shift:
        generator = torch.Generator().manual_seed(req.seed % 2**63 + TEST_SHIFT_STREAM)
        x = shift_images(x, *random_shifts(x, req.spec.test_shift, generator))
    return x, take(labels, test, torch.int64)


def image_dataset(
    images: np.ndarray, labels: np.ndarray, req: DataRequest, scale: float
) -> Dataset:
    """A 10-class image Dataset from pooled arrays; pixels divided by `scale` into [0, 1]."""
    train, val = split_images(images, labels, req)
    train, test = cut_test(train, len(train) + len(val), req)
    x_test, y_test = test_images(images, labels, test, req, scale)
    return Dataset(
        x_train=take(images, train, torch.float32) / scale,
        y_train=take(labels, train, torch.int64),
        x_val=take(images, val, torch.float32) / scale,
        y_val=take(labels, val, torch.int64),
        task="multiclass",
        input_kind="image",
        input_shape=tuple(images.shape[1:]),
        class_names=list(DIGIT_NAMES),
        output_dim=10,
        x_test=x_test,
        y_test=y_test,
    )


def build_digits(req: DataRequest) -> Dataset:
    """scikit-learn's 8×8 digits (1,797 images)."""
    images, labels = load_digits_arrays()
    return image_dataset(images, labels, req, scale=1.0)


def build_mnist(req: DataRequest) -> Dataset:
    """The bundled 28×28 MNIST subset (14,000 images)."""
    images, labels = load_mnist_arrays()
    return image_dataset(images, labels, req, scale=255.0)
