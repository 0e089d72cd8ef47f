"""The judge: a small classifier trained on the real digits that reads out how good a GAN's
samples are. `judge_images` reports the fraction of samples it calls a digit with confidence
(max softmax probability) of at least 0.9, and how many of the ten digit classes those are.

A plain classifier is confident on almost anything, uniform noise included, which would make
that readout worthless. So the judge has an 11th class, "junk", that is never counted as a
digit: each training batch of real digits carries one junk image for every eight real ones,
drawn afresh from five kinds (uniform noise at a random contrast, a constant image, sparse
salt noise, smooth blobs, and the pixel average of two real digits of different classes).
The last kind makes it strict about blurry in-between digits, the look of a generator that
has not committed to a class. Nothing about junk is reported. Since the real digits have
spotless backgrounds, junk alone would teach "any speckle means junk" and fail a generator's
sigmoid pixels; so half the real digits in each batch are made fainter and lightly speckled
(still labelled as their digit), and junk has to differ in shape, not in background.

Each judge is trained once, deterministically (a fixed seed, with the caller's random
streams saved and restored), on all the pooled images of its dataset. It is kept in the
process and, when a data folder is given, in `data_dir/judges/{dataset}-v{VERSION}.npz` as
plain arrays (never pickles); a file that cannot be read or does not fit is trained anew.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from app.data.images import load_digits_arrays, load_mnist_arrays

log = logging.getLogger(__name__)

JudgeDataset = Literal["digits", "mnist"]
VERSION = 1  # bump when the recipe changes, so old cache files are not read
CONFIDENT = 0.9  # the max softmax probability at which a sample counts as a clear digit
DIGITS = 10
JUNK = DIGITS  # label of the 11th class
SEED = 0
BATCH = 64
JUNK_PER_BATCH = 8
LR = 2e-3
EVAL_CHUNK = 2048


@dataclass(frozen=True)
class Judgement:
    confident: float  # fraction of samples judged a digit with probability >= CONFIDENT
    classes: int  # distinct digit classes among the confident samples
    class_counts: list[int]  # (10,) confident samples per digit class


@dataclass(frozen=True)
class Recipe:
    side: int  # images are (1, side, side)
    epochs: int
    build: Callable[[], nn.Module]


def build_digits_judge() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (B, 16, 4, 4)
        nn.Flatten(), nn.Linear(16 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, DIGITS + 1),
    )  # fmt: skip


def build_mnist_judge() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 8, 5, stride=2, padding=2), nn.ReLU(),  # (B, 8, 14, 14)
        nn.Conv2d(8, 16, 5, stride=2, padding=2), nn.ReLU(),  # (B, 16, 7, 7)
        nn.Flatten(), nn.Linear(16 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, DIGITS + 1),
    )  # fmt: skip


RECIPES: dict[str, Recipe] = {
    "digits": Recipe(side=8, epochs=50, build=build_digits_judge),
    "mnist": Recipe(side=28, epochs=12, build=build_mnist_judge),
}


def real_digits(dataset: JudgeDataset) -> tuple[torch.Tensor, torch.Tensor]:
    """All pooled images of `dataset`, (N, 1, H, W) float32 in [0, 1], and their (N,) labels."""
    if dataset == "digits":
        images, labels = load_digits_arrays()
        return torch.tensor(images), torch.tensor(labels)
    images, labels = load_mnist_arrays()
    return torch.tensor(images, dtype=torch.float32) / 255.0, torch.tensor(labels)


def junk_images(
    real: torch.Tensor, labels: torch.Tensor, k: int, gen: torch.Generator
) -> torch.Tensor:
    """`k` images that are not digits, (k, 1, H, W) in [0, 1], each of one of five kinds."""
    n, _, h, w = real.shape
    level = torch.rand(k, 1, 1, 1, generator=gen)
    noise = torch.rand(k, 1, h, w, generator=gen)
    i, j = torch.randint(0, n, (2, k), generator=gen)
    blend = 0.5 * (real[i] + real[j])
    blend = torch.where((labels[i] != labels[j]).view(k, 1, 1, 1), blend, noise)
    side = max(3, h // 4)
    blobs = F.interpolate(torch.rand(k, 1, side, side, generator=gen), size=(h, w), mode="bilinear")
    kinds = torch.stack(
        [
            noise * (0.3 + 0.7 * level),  # uniform noise at a random contrast
            level.expand(k, 1, h, w),  # constant: black, grey or white
            (noise < 0.5 * level).float(),  # sparse salt noise
            blend,  # two digits of different classes averaged
            blobs,  # smooth random blobs
        ]
    )  # (5, k, 1, H, W)
    pick = torch.randint(0, len(kinds), (k,), generator=gen)
    return kinds[pick, torch.arange(k)]


def perturb_digits(real: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Real digits made a little fainter and speckled, as a generator's often are, so that
    a faint background is not what tells a digit from junk. Half are left as they were."""
    k = len(real)
    contrast = 0.6 + 0.4 * torch.rand(k, 1, 1, 1, generator=gen)
    speckle = 0.2 * torch.rand(k, 1, 1, 1, generator=gen) * torch.rand(real.shape, generator=gen)
    changed = (real * contrast + speckle).clamp(0.0, 1.0)
    keep = torch.rand(k, 1, 1, 1, generator=gen) < 0.5
    return torch.where(keep, real, changed)


def train_judge(
    images: torch.Tensor, labels: torch.Tensor, recipe: Recipe, seed: int = SEED
) -> nn.Module:
    """A judge trained on these real digits (CPU), in eval mode. Seeded from `seed` alone:
    the caller's random streams are left as they were. Gradients are on here even when the
    caller turned them off (a first use from inside `torch.no_grad`)."""
    rng = torch.random.fork_rng(devices=[])  # the CPU stream only: we train on the CPU
    with rng, torch.inference_mode(False), torch.enable_grad():
        if images.is_inference():  # made under inference mode: autograd cannot save it
            images, labels = images.clone(), labels.clone()
        torch.random.default_generator.manual_seed(seed)  # weight init
        gen = torch.Generator().manual_seed(seed)  # shuffling and junk
        model = recipe.build()
        optimizer = torch.optim.Adam(model.parameters(), lr=LR)
        junk_labels = torch.full((JUNK_PER_BATCH,), JUNK)
        for _ in range(recipe.epochs):
            for batch in torch.randperm(len(labels), generator=gen).split(BATCH):
                junk = junk_images(images, labels, JUNK_PER_BATCH, gen)
                x = torch.cat([perturb_digits(images[batch], gen), junk])  # (B + J, 1, H, W)
                y = torch.cat([labels[batch], junk_labels])  # (B + J,)
                optimizer.zero_grad(set_to_none=True)
                F.cross_entropy(model(x), y).backward()
                optimizer.step()
    return model.eval().requires_grad_(False)


def cache_path(dataset: JudgeDataset, data_dir: Path) -> Path:
    return data_dir / "judges" / f"{dataset}-v{VERSION}.npz"


def save_judge(model: nn.Module, path: Path) -> None:
    """The weights as plain arrays, written whole or not at all (temp file, then rename)."""
    arrays = {name: t.numpy() for name, t in model.state_dict().items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as file:
        np.savez(file, **arrays)  # type: ignore[arg-type]
    os.replace(file.name, path)


def load_judge(path: Path, recipe: Recipe) -> nn.Module | None:
    """The judge saved at `path`, or None when there is none or it does not fit the recipe."""
    if not path.is_file():
        return None
    model = recipe.build()
    try:
        # our own file handle: np.load leaves its own open when the file is not a zip
        with path.open("rb") as file, np.load(file, allow_pickle=False) as npz:
            state = {name: torch.from_numpy(npz[name]) for name in npz.files}
        model.load_state_dict(state, strict=True)  # names and shapes must match
    except (OSError, EOFError, ValueError, KeyError, RuntimeError, zipfile.BadZipFile) as err:
        log.warning("judge cache %s is unusable (%s); training anew", path, err)
        return None
    return model.eval().requires_grad_(False)


def load_or_train_judge(dataset: JudgeDataset, data_dir: Path | None) -> nn.Module:
    recipe = RECIPES[dataset]
    path = None if data_dir is None else cache_path(dataset, data_dir)
    model = None if path is None else load_judge(path, recipe)
    if model is not None:
        return model
    model = train_judge(*real_digits(dataset), recipe)
    if path is not None:
        try:
            save_judge(model, path)
        except OSError as err:  # a read-only data folder: keep it in this process only
            log.warning("could not cache the judge at %s: %s", path, err)
    return model


_judges: dict[tuple[str, Path | None], nn.Module] = {}
_locks: dict[tuple[str, Path | None], threading.Lock] = {}
_locks_lock = threading.Lock()


def judge_model(dataset: JudgeDataset, data_dir: Path | None = None) -> nn.Module:
    """The trained judge for `dataset`, in eval mode, on the CPU; shared, so do not change it.
    One per dataset and data folder; threads asking at once train it once (per-key lock)."""
    if dataset not in RECIPES:
        raise ValueError(f"no judge for dataset {dataset!r}; there are {sorted(RECIPES)}")
    key = (dataset, data_dir)
    with _locks_lock:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        if key not in _judges:
            _judges[key] = load_or_train_judge(dataset, data_dir)
        return _judges[key]


@torch.no_grad()
def judge_images(
    images: torch.Tensor, dataset: JudgeDataset, data_dir: Path | None = None
) -> Judgement:
    """How many of `images` (N, 1, H, W), floats in [0, 1] on any device, the judge calls a
    clear digit, and of which classes."""
    side = RECIPES[dataset].side if dataset in RECIPES else None
    if images.ndim != 4 or tuple(images.shape[1:]) != (1, side, side):
        raise ValueError(f"{dataset} images are (N, 1, {side}, {side}), not {tuple(images.shape)}")
    model = judge_model(dataset, data_dir)
    if len(images) == 0:
        return Judgement(confident=0.0, classes=0, class_counts=[0] * DIGITS)
    x = images.detach().to("cpu", torch.float32)
    probs = torch.cat([F.softmax(model(chunk), dim=1) for chunk in x.split(EVAL_CHUNK)])
    top, pred = probs.max(dim=1)  # (N,), (N,)
    confident = (top >= CONFIDENT) & (pred != JUNK)
    counts = torch.bincount(pred[confident], minlength=DIGITS + 1)[:DIGITS]
    return Judgement(
        confident=float(confident.float().mean()),
        classes=int((counts > 0).sum()),
        class_counts=[int(c) for c in counts],
    )
