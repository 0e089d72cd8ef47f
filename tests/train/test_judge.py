"""The judge of GAN samples, trained for real: confident and right on real digits (held-out
ones too), not on noise or blank images; cached on disk as plain arrays, reloaded without
training, trained anew over a bad file, once when two threads ask at once; and its training
leaves the caller's random streams as they were."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from app.train import judge
from app.train.judge import (
    cache_path,
    judge_images,
    judge_model,
    load_judge,
    real_digits,
    train_judge,
)

DIGITS = judge.RECIPES["digits"]


@pytest.fixture(scope="module")
def digits_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder whose digits judge was trained (and cached) by first use."""
    data_dir = tmp_path_factory.mktemp("data")
    judge_model("digits", data_dir)
    return data_dir


def same_weights(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def refuse_training(*args: object, **kwargs: object) -> nn.Module:
    raise AssertionError("the judge was trained again")


@torch.no_grad()
def test_a_judge_is_confident_and_right_on_digits_it_never_saw() -> None:
    images, labels = real_digits("digits")
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))
    seen, unseen = order[:1400], order[1400:]
    model = train_judge(images[seen], labels[seen], DIGITS)
    probs = torch.softmax(model(images[unseen]), dim=1)
    top, pred = probs.max(dim=1)
    assert ((top >= 0.9) & (pred == labels[unseen])).float().mean() >= 0.9


def test_real_digits_are_judged_confident_in_all_ten_classes(digits_dir: Path) -> None:
    images, labels = real_digits("digits")
    verdict = judge_images(images, "digits", digits_dir)
    assert verdict.confident >= 0.9
    assert verdict.classes == 10
    assert sum(verdict.class_counts) == round(verdict.confident * len(images))
    assert verdict.class_counts == judge_images(images.double(), "digits", digits_dir).class_counts


def test_noise_and_blank_images_are_not_judged_digits(digits_dir: Path) -> None:
    noise = torch.rand(1000, 1, 8, 8, generator=torch.Generator().manual_seed(1))
    assert judge_images(noise, "digits", digits_dir).confident < 0.3
    for level in (0.0, 0.5, 1.0):
        assert judge_images(torch.full((20, 1, 8, 8), level), "digits", digits_dir).confident < 0.3


def test_images_of_the_wrong_shape_are_refused_and_none_judge_to_nothing(digits_dir: Path) -> None:
    with pytest.raises(ValueError, match=r"\(N, 1, 8, 8\)"):
        judge_images(torch.rand(4, 1, 28, 28), "digits", digits_dir)
    empty = judge_images(torch.zeros(0, 1, 8, 8), "digits", digits_dir)
    assert (empty.confident, empty.classes, empty.class_counts) == (0.0, 0, [0] * 10)


def test_the_judge_is_cached_as_plain_arrays_and_reloaded_without_training(
    digits_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cached = cache_path("digits", digits_dir)
    with np.load(cached, allow_pickle=False) as npz:
        assert set(npz.files) == set(judge_model("digits", digits_dir).state_dict())
    copy = cache_path("digits", tmp_path)
    copy.parent.mkdir()
    copy.write_bytes(cached.read_bytes())
    monkeypatch.setattr(judge, "train_judge", refuse_training)
    reloaded = judge_model("digits", tmp_path)  # a new folder: not in this process yet
    assert same_weights(reloaded, judge_model("digits", digits_dir))
    assert not reloaded.training


def unreadable_files(tmp_path: Path) -> list[Path]:
    """Cache files that cannot be read, or do not fit the digits judge."""
    garbage, empty, wrong_names, wrong_shapes, pickled = (
        tmp_path / f"{name}.npz" for name in ("garbage", "empty", "names", "shapes", "pickled")
    )
    garbage.write_bytes(b"not a zip file at all")
    empty.write_bytes(b"")
    np.savez(wrong_names, w=np.zeros(3, np.float32))
    np.savez(wrong_shapes, **{k: np.zeros(2, np.float32) for k in DIGITS.build().state_dict()})
    np.savez(pickled, **{k: np.array([{}], dtype=object) for k in DIGITS.build().state_dict()})
    return [garbage, empty, wrong_names, wrong_shapes, pickled]


def test_an_unreadable_or_mismatched_cache_file_is_not_loaded(tmp_path: Path) -> None:
    for path in unreadable_files(tmp_path):
        assert load_judge(path, DIGITS) is None, path.name


def test_a_corrupt_cache_file_is_trained_anew_and_replaced(
    digits_dir: Path, tmp_path: Path
) -> None:
    path = cache_path("digits", tmp_path)
    path.parent.mkdir()
    path.write_bytes(b"PK\x03\x04 truncated")
    model = judge_model("digits", tmp_path)
    assert same_weights(model, judge_model("digits", digits_dir))  # deterministic training
    reloaded = load_judge(path, DIGITS)
    assert reloaded is not None and same_weights(reloaded, model)
    assert list(path.parent.iterdir()) == [path]  # no temp file left behind


def test_first_use_training_leaves_the_callers_random_streams_as_they_were(
    tmp_path: Path,
) -> None:
    torch.manual_seed(123)
    images = torch.rand(5, 1, 8, 8)
    before = torch.random.get_rng_state()
    with torch.no_grad():  # a first use from inside no_grad still trains
        judge_images(images, "digits", tmp_path)
    assert torch.equal(torch.random.get_rng_state(), before)


def test_two_threads_asking_at_once_train_one_judge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trained: list[nn.Module] = []

    def counted(*args: object, **kwargs: object) -> nn.Module:
        trained.append(real_train(*args, **kwargs))  # type: ignore[arg-type]
        return trained[-1]

    real_train = judge.train_judge
    monkeypatch.setattr(judge, "train_judge", counted)
    got: list[nn.Module] = []
    threads = [
        threading.Thread(target=lambda: got.append(judge_model("digits", tmp_path)))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(trained) == 1
    assert len(got) == 2 and got[0] is got[1]


def test_the_mnist_judge_is_confident_on_real_digits_and_not_on_noise() -> None:
    images, _ = real_digits("mnist")
    verdict = judge_images(images, "mnist")  # no data folder: kept in this process only
    assert verdict.confident >= 0.9
    assert verdict.classes == 10
    noise = torch.rand(1000, 1, 28, 28, generator=torch.Generator().manual_seed(2))
    assert judge_images(noise, "mnist").confident < 0.3
    assert judge_images(torch.zeros(20, 1, 28, 28), "mnist").confident < 0.3
