"""2-D point datasets in the style of TensorFlow Playground (tensorflow/playground, dataset.ts).

Every point lives in the square `DOMAIN` (both coordinates in [-6, 6], in plane units).
Our `noise` runs from 0 to 1; TensorFlow Playground's slider runs from 0 to 0.5, so each
generator first halves it (`tf_noise`) and then follows the original recipe. As in the
original, noise in `circle`, `xor`, `plane` and `multi_gaussian` jitters the point used to
compute the label (labels near a boundary flip; the points stay put), while in `gaussian`,
`spiral` and `moons` it moves the points themselves.

Random draws never depend on the noise value, so for one seed the noise slider moves the same
points rather than drawing new ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from app.data.base import Dataset
from app.data.request import DataRequest
from app.data.splits import split_indices, take

DOMAIN = (-6.0, 6.0)
RADIUS = 6.0  # half the side of the domain, as in TF Playground's regression sets

# (N, 2) coordinates and (N,) labels: int64 classes or float64 regression values.
Generated = tuple[np.ndarray, np.ndarray]
Generator = Callable[[int, float, int, np.random.Generator], Generated]

FEATURE_FUNCTIONS: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1 * x1,
    "x2^2": lambda x1, x2: x2 * x2,
    "x1*x2": lambda x1, x2: x1 * x2,
    "sin(x1)": lambda x1, x2: torch.sin(x1),
    "sin(x2)": lambda x1, x2: torch.sin(x2),
}


@dataclass(frozen=True)
class PointFeatures:
    """The map from raw points to model inputs; the same object makes the training inputs and
    the inputs over a plotting grid, so the two always agree. Inputs stay unscaled unless
    `standardized` set a shift and scale (data.normalize)."""

    names: tuple[str, ...]
    mean: tuple[float, ...] | None = None
    std: tuple[float, ...] | None = None

    def __call__(self, points: torch.Tensor) -> torch.Tensor:
        points = points.to(torch.float32)  # (M, 2)
        x1, x2 = points[:, 0], points[:, 1]
        x = torch.stack([FEATURE_FUNCTIONS[name](x1, x2) for name in self.names], dim=1)
        if self.mean is None or self.std is None:
            return x
        return (x - torch.tensor(self.mean)) / torch.tensor(self.std)  # (M, F)

    def standardized(self, points_train: torch.Tensor) -> PointFeatures:
        """The same features shifted and scaled by the training points' mean and standard
        deviation (a constant feature is only shifted), as tabular.standardize does."""
        x = PointFeatures(self.names)(points_train)
        std = x.std(dim=0, correction=0)
        scale = torch.where(std > 0, std, torch.ones_like(std))
        return PointFeatures(self.names, tuple(x.mean(dim=0).tolist()), tuple(scale.tolist()))


def tf_noise(noise: float) -> float:
    """Our 0..1 noise on TensorFlow Playground's 0..0.5 scale."""
    return 0.5 * noise


def class_sizes(n: int, k: int) -> list[int]:
    """`n` examples shared as evenly as possible among `k` classes."""
    return [n // k + (1 if c < n % k else 0) for c in range(k)]


def on_circle(r: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Points at radius `r` and `angle` (radians), measured as TF Playground does, (M, 2)."""
    return np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)


def make_circle(n: int, noise: float, k: int, rng: np.random.Generator) -> Generated:
    """A disc and k-1 concentric rings of outer radius 5; class c is the c-th band outward.

    For k = 2 this is TF Playground's circle: disc r < 2.5, ring 3.5 < r < 5. Each band but
    the first leaves an empty gap of 40% of its width on its inner side.
    """
    radius, width = 5.0, 5.0 / k
    xy, labels = [], []
    for c, m in enumerate(class_sizes(n, k)):
        low = 0.0 if c == 0 else (c + 0.4) * width
        r = rng.uniform(low, (c + 1) * width, m)
        points = on_circle(r, rng.uniform(0.0, 2 * np.pi, m))
        jitter = rng.uniform(-radius, radius, (m, 2)) * tf_noise(noise)
        band = np.floor(np.hypot(*(points + jitter).T) / width)
        xy.append(points)
        labels.append(np.minimum(band, k - 1).astype(np.int64))
    return np.concatenate(xy), np.concatenate(labels)


def make_xor(n: int, noise: float, k: int, rng: np.random.Generator) -> Generated:
    """TF Playground's XOR: class 1 where x1·x2 ≥ 0, points kept 0.3 off the axes."""
    xy = rng.uniform(-5.0, 5.0, (n, 2))
    xy += np.where(xy > 0, 0.3, -0.3)
    jitter = rng.uniform(-5.0, 5.0, (n, 2)) * tf_noise(noise)
    noisy = xy + jitter
    return xy, (noisy[:, 0] * noisy[:, 1] >= 0).astype(np.int64)


def make_gaussian(n: int, noise: float, k: int, rng: np.random.Generator) -> Generated:
    """k Gaussian blobs on a circle of radius 2√2; for k = 2, TF's blobs at (2, 2), (-2, -2).

    The variance grows with noise from 0.5 to 4 (TF's range); points are clipped to the domain.
    """
    variance = 0.5 + 7.0 * tf_noise(noise)
    xy, labels = [], []
    for c, m in enumerate(class_sizes(n, k)):
        angle = np.pi / 4 + 2 * np.pi * c / k
        center = 2 * np.sqrt(2) * np.array([np.cos(angle), np.sin(angle)])
        xy.append(center + np.sqrt(variance) * rng.standard_normal((m, 2)))
        labels.append(np.full(m, c, dtype=np.int64))
    return np.clip(np.concatenate(xy), *DOMAIN), np.concatenate(labels)


def make_spiral(n: int, noise: float, k: int, rng: np.random.Generator) -> Generated:
    """k interleaved spiral arms out to radius 5 (k = 2: TF Playground's two spirals).

    TF spaces the points evenly along each arm; we draw their places along it at random, so
    that a new seed gives new points even without noise.
    """
    xy, labels = [], []
    for c, m in enumerate(class_sizes(n, k)):
        step = rng.uniform(0.0, 1.0, m)  # place along the arm, 0 (centre) to 1
        r = 5.0 * step
        t = 1.75 * step * 2 * np.pi + 2 * np.pi * c / k
        jitter = rng.uniform(-1.0, 1.0, (m, 2)) * tf_noise(noise)
        xy.append(on_circle(r, t) + jitter)
        labels.append(np.full(m, c, dtype=np.int64))
    return np.concatenate(xy), np.concatenate(labels)


def make_moons(n: int, noise: float, k: int, rng: np.random.Generator) -> Generated:
    """Two interleaving half circles (scikit-learn's make_moons) scaled by 3.5 and centred.

    Gaussian jitter with standard deviation `noise` plane units (0.29 moon radii at most);
    points are clipped to the domain.
    """
    sizes = class_sizes(n, 2)
    outer, inner = rng.uniform(0.0, np.pi, sizes[0]), rng.uniform(0.0, np.pi, sizes[1])
    xy = np.concatenate(
        [
            np.stack([np.cos(outer), np.sin(outer)], axis=1),
            np.stack([1 - np.cos(inner), 0.5 - np.sin(inner)], axis=1),
        ]
    )
    xy = 3.5 * (xy - [0.5, 0.25]) + noise * rng.standard_normal((n, 2))
    labels = np.repeat(np.arange(2, dtype=np.int64), sizes)
    return np.clip(xy, *DOMAIN), labels


def make_plane(n: int, noise: float, k: int, rng: np.random.Generator) -> Generated:
    """TF Playground's plane: target (x1 + x2) / 10, about -1.2..1.2, from a jittered point."""
    xy = rng.uniform(-RADIUS, RADIUS, (n, 2))
    noisy = xy + rng.uniform(-RADIUS, RADIUS, (n, 2)) * tf_noise(noise)
    return xy, noisy.sum(axis=1) / 10.0


GAUSSIANS = np.array(
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]],
    dtype=np.float64,
)


def make_multi_gaussian(n: int, noise: float, k: int, rng: np.random.Generator) -> Generated:
    """TF Playground's six signed bumps: target in [-1, 1], the bump largest in absolute value,
    each falling linearly from ±1 at its centre to 0 at distance 2."""
    xy = rng.uniform(-RADIUS, RADIUS, (n, 2))
    noisy = xy + rng.uniform(-RADIUS, RADIUS, (n, 2)) * tf_noise(noise)
    distance = np.linalg.norm(noisy[:, None, :] - GAUSSIANS[None, :, :2], axis=2)  # (n, 6)
    bumps = GAUSSIANS[:, 2] * np.clip(1.0 - distance / 2.0, 0.0, 1.0)  # (n, 6)
    pick = np.abs(bumps).argmax(axis=1)
    return xy, bumps[np.arange(n), pick]


CLASSIFICATION: dict[str, Generator] = {
    "circle": make_circle,
    "xor": make_xor,
    "gaussian": make_gaussian,
    "spiral": make_spiral,
    "moons": make_moons,
}
REGRESSION: dict[str, Generator] = {"plane": make_plane, "multi_gaussian": make_multi_gaussian}


def build_points(req: DataRequest) -> Dataset:
    """Generate `req.n_samples` points of the requested set, split and featurize them."""
    name, k = req.spec.dataset, req.spec.n_classes
    make_rng, split_rng = req.rngs()
    n = req.require_n_samples()
    is_regression = name in REGRESSION
    generate = REGRESSION[name] if is_regression else CLASSIFICATION[name]
    xy, labels = generate(n, req.spec.noise, k, make_rng)
    train, val = split_indices(n, req.val_fraction, split_rng)
    featurize = PointFeatures(tuple(req.spec.features))
    points_train, points_val = take(xy, train, torch.float32), take(xy, val, torch.float32)
    if req.normalize:
        featurize = featurize.standardized(points_train)
    if is_regression:
        y_train = take(labels[:, None], train, torch.float32)  # (N, 1)
        y_val = take(labels[:, None], val, torch.float32)
    else:
        y_train, y_val = take(labels, train, torch.int64), take(labels, val, torch.int64)
    return Dataset(
        x_train=featurize(points_train),
        y_train=y_train,
        x_val=featurize(points_val),
        y_val=y_val,
        task="regression" if is_regression else ("binary" if k == 2 else "multiclass"),
        input_kind="points",
        input_shape=(len(featurize.names),),
        class_names=[] if is_regression else [str(c) for c in range(k)],
        output_dim=1 if is_regression or k == 2 else k,
        feature_names=list(featurize.names),
        points_train=points_train,
        points_val=points_val,
        domain=DOMAIN,
        featurize=featurize,
    )
