"""Real data for GANs: 2-D distributions (GAN Lab's toys and points a person draws) and the
digit images, as one tensor of real samples. A GAN has no targets and no validation split:
the discriminator sees batches of these, the views draw them.

Every 2-D set lives in the square `GAN_DOMAIN`; `noise` (0-1) widens each set's spread.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from app.data.base import DataError
from app.data.images import load_digits_arrays, load_mnist_arrays
from app.spec import DataSpec

GAN_DOMAIN = (-2.0, 2.0)
RADIUS = 1.5  # of the ring and of the circle the 8 gaussians sit on
BASE_SPREAD = 0.05  # standard deviation of each 2-D set at noise 0
DEFAULT_POINTS = 2000
MODE_COUNT = 8

GanKind = Literal["points", "image"]


@dataclass(frozen=True)
class GanData:
    """Real samples (N, 2) or (N, 1, H, W), float32 on the CPU, and what the views need."""

    name: str
    real: torch.Tensor
    input_kind: GanKind
    shape: tuple[int, ...]  # one sample
    spread: float = 0.0  # 2-D sets: the standard deviation around the set's shape
    domain: tuple[float, float] | None = None  # 2-D sets: the square drawn
    modes: torch.Tensor | None = None  # (8, 2) centres, for the mode-coverage readout


@dataclass(frozen=True)
class GanSet:
    label: str  # the name a student reads on the page
    description: str
    input_kind: GanKind
    build: Callable[[DataSpec, np.random.Generator], GanData]


def spread_of(noise: float) -> float:
    return BASE_SPREAD + 0.25 * noise


def _points(name: str, xy: np.ndarray, spread: float, modes: np.ndarray | None = None) -> GanData:
    return GanData(
        name,
        torch.from_numpy(xy.astype(np.float32)),
        "points",
        (2,),
        spread,
        GAN_DOMAIN,
        None if modes is None else torch.from_numpy(modes.astype(np.float32)),
    )


def _n(spec: DataSpec) -> int:
    return spec.n_samples or DEFAULT_POINTS


def eight_centres() -> np.ndarray:
    angles = np.arange(MODE_COUNT) * 2 * math.pi / MODE_COUNT
    return RADIUS * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def gaussians8(spec: DataSpec, rng: np.random.Generator) -> GanData:
    centres, s = eight_centres(), spread_of(spec.noise)
    picks = rng.integers(0, MODE_COUNT, _n(spec))
    return _points("gaussians8", centres[picks] + rng.normal(0, s, (_n(spec), 2)), s, centres)


def ring(spec: DataSpec, rng: np.random.Generator) -> GanData:
    s, n = spread_of(spec.noise), _n(spec)
    angle = rng.uniform(0, 2 * math.pi, n)
    r = RADIUS + rng.normal(0, s, n)
    return _points("ring", np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1), s)


def line(spec: DataSpec, rng: np.random.Generator) -> GanData:
    """A slanted segment from (-1.5, -1) to (1.5, 1), spread across its direction."""
    s, n = spread_of(spec.noise), _n(spec)
    t = rng.uniform(-1, 1, n)[:, None]
    direction = np.array([1.5, 1.0])
    normal = np.array([-1.0, 1.5]) / math.hypot(1.0, 1.5)
    return _points("line", t * direction + rng.normal(0, s, (n, 1)) * normal, s)


def moons(spec: DataSpec, rng: np.random.Generator) -> GanData:
    """Two interleaving half circles, centred in the domain."""
    s, n = spread_of(spec.noise), _n(spec)
    angle = rng.uniform(0, math.pi, n)
    upper = rng.random(n) < 0.5
    x = np.where(upper, np.cos(angle), 1 - np.cos(angle)) - 0.5
    y = np.where(upper, np.sin(angle), 0.5 - np.sin(angle)) - 0.25
    return _points("moons", 1.2 * np.stack([x, y], axis=1) + rng.normal(0, s, (n, 2)), s)


def drawn(spec: DataSpec, rng: np.random.Generator) -> GanData:
    """Samples around the points a person drew: each a drawn point plus a little noise."""
    if not spec.points:
        raise DataError("the 'drawn' set needs at least 3 points in data.points", "data.points")
    lo, hi = GAN_DOMAIN
    anchors = np.asarray(spec.points, dtype=np.float64)
    if (anchors < lo).any() or (anchors > hi).any():
        raise DataError(f"every drawn point must lie in [{lo:g}, {hi:g}]", "data.points")
    s, n = spread_of(spec.noise), _n(spec)
    picks = rng.integers(0, len(anchors), n)
    return _points("drawn", anchors[picks] + rng.normal(0, s, (n, 2)), s)


def _images(name: str, images: np.ndarray, scale: float, spec: DataSpec, rng) -> GanData:
    take = rng.permutation(len(images))[: spec.n_samples or len(images)]
    real = torch.from_numpy(np.ascontiguousarray(images[np.sort(take)])).float() / scale
    return GanData(name, real, "image", tuple(real.shape[1:]))


def digits(spec: DataSpec, rng: np.random.Generator) -> GanData:
    return _images("digits", load_digits_arrays()[0], 1.0, spec, rng)


def mnist(spec: DataSpec, rng: np.random.Generator) -> GanData:
    return _images("mnist", load_mnist_arrays()[0], 255.0, spec, rng)


GAN_SETS: dict[str, GanSet] = {
    "gaussians8": GanSet(
        "8 gaussians",
        "Eight Gaussian blobs on a circle: watch for mode collapse.",
        "points",
        gaussians8,
    ),
    "ring": GanSet("ring", "A thin ring of radius 1.5.", "points", ring),
    "line": GanSet("line", "A slanted line segment.", "points", line),
    "moons": GanSet("moons", "Two interleaving half-moons.", "points", moons),
    "drawn": GanSet(
        "draw your own", "Points you draw on the plane (data.points).", "points", drawn
    ),
    "digits": GanSet(
        "digits 8×8",
        "Handwritten digits, 8×8 pixels (1,797 images): fast on a CPU.",
        "image",
        digits,
    ),
    "mnist": GanSet(
        "MNIST 28×28", "Handwritten digits, 28×28 pixels (14,000 MNIST images).", "image", mnist
    ),
}


def build_gan_data(spec: DataSpec, seed: int) -> GanData:
    """The real samples the spec names, the same for the same seed."""
    entry = GAN_SETS.get(spec.dataset)
    if entry is None:
        raise DataError(
            f"unknown GAN dataset {spec.dataset[:40]!r}; GAN datasets are {', '.join(GAN_SETS)}",
            "data.dataset",
        )
    return entry.build(spec, np.random.default_rng(seed))
