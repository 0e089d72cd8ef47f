"""Bundled images, sequences and names: their contents, not only their shapes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from app.data import build_dataset
from app.data.images import MNIST_PATH
from app.data.sequences import DISTRACTOR_GAIN, SYMBOLS
from app.data.text import MARK, load_names
from app.spec import DataSpec


@pytest.mark.parametrize(("name", "side", "total"), [("digits", 8, 1797), ("mnist", 28, 14000)])
def test_images(name: str, side: int, total: int) -> None:
    ds = build_dataset(DataSpec(dataset=name), 0)
    assert ds.input_shape == (1, side, side) and ds.class_names == [str(d) for d in range(10)]
    assert len(ds.x_train) + len(ds.x_val) == total
    assert ds.x_train.min() == 0.0 and ds.x_train.max() == 1.0


@pytest.mark.parametrize("name", ["digits", "mnist"])
def test_n_samples_caps_the_images(name: str) -> None:
    ds = build_dataset(DataSpec(dataset=name, n_samples=500, val_fraction=0.1), 2)
    assert (len(ds.x_train), len(ds.x_val)) == (450, 50)


def test_mnist_file_is_small_balanced_and_plain_arrays() -> None:
    assert MNIST_PATH.parent == Path(__file__).parents[2] / "app" / "data" / "files"
    assert MNIST_PATH.stat().st_size < 3 * 1024**2
    with np.load(MNIST_PATH, allow_pickle=False) as npz:
        assert sorted(npz.files) == ["x_test", "x_train", "y_test", "y_train"]
        assert npz["x_train"].shape == (12000, 28, 28) and npz["x_train"].dtype == np.uint8
        assert npz["x_test"].shape == (2000, 28, 28)
        assert np.bincount(npz["y_train"]).tolist() == [1200] * 10
        assert np.bincount(npz["y_test"]).tolist() == [200] * 10


@pytest.mark.parametrize("name", ["sine", "sum_of_sines"])
def test_sine_forecasting(name: str) -> None:
    ds = build_dataset(DataSpec(dataset=name, seq_len=12), 0)
    assert ds.input_shape == (12, 1) and ds.y_train.shape == (800, 1)
    assert ds.x_train.abs().max() <= 1.0 and ds.y_train.abs().max() <= 1.0
    noisy = build_dataset(DataSpec(dataset=name, seq_len=12, noise=1.0), 0)
    assert torch.equal(noisy.y_train, ds.y_train)  # noise touches the window, not the target
    spread = (noisy.x_train - ds.x_train).std()
    assert 0.4 < spread < 0.6


def test_single_sine_continues_its_window() -> None:
    """The target is the next sample of the wave the window shows: a sine obeys
    s[t+1] = 2 cos(w) s[t] - s[t-1], with w fitted from the window itself."""
    ds = build_dataset(DataSpec(dataset="sine"), 0)
    x = ds.x_train[:, :, 0].double()  # (N, T)
    two_cos = ((x[:, 2:] + x[:, :-2]) * x[:, 1:-1]).sum(1) / (x[:, 1:-1] ** 2).sum(1)
    predicted = two_cos * x[:, -1] - x[:, -2]
    assert torch.allclose(predicted.float(), ds.y_train[:, 0], atol=1e-4)


def test_memory_answer_is_the_symbol_shown_with_the_cue() -> None:
    ds = build_dataset(DataSpec(dataset="memory", seq_len=30), 0)
    assert ds.input_shape == (30, 5) and ds.class_names == SYMBOLS and ds.output_dim == 4
    assert ds.feature_names == [*SYMBOLS, "cue"]
    assert torch.equal(ds.x_train[:, 0, :4].argmax(1), ds.y_train)
    assert (ds.x_train[:, 0, 4] == 1).all() and (ds.x_train[:, 1:, 4] == 0).all()
    # One symbol at every step: the one to recall at 1, the later ones DISTRACTOR_GAIN louder.
    assert (ds.x_train[:, 0, :4].sum(-1) == 1).all()
    assert (ds.x_train[:, 1:, :4].sum(-1) == DISTRACTOR_GAIN).all()
    assert (ds.x_train[:, 1:, :4].amax(-1) == DISTRACTOR_GAIN).all()
    later = ds.x_train[:, 1:, :4].argmax(-1)  # (N, T - 1): unrelated to the answer
    agree = (later == ds.y_train[:, None]).float().mean()
    assert 0.2 < agree < 0.3


def test_names_windows() -> None:
    ds = build_dataset(DataSpec(dataset="names", seq_len=4), 0)
    vocab = ds.vocab
    assert vocab[0] == MARK and vocab == ds.class_names and vocab[1:] == sorted(vocab[1:])
    assert ds.output_dim == len(vocab) == 27
    assert int(ds.x_train.max()) < len(vocab) and int(ds.x_train.min()) >= 0
    words = set(load_names())
    assert len(words) > 5000
    starts = (ds.x_val == 0).all(1)  # a name's first window is all padding
    assert starts.sum() > 100
    text = "".join(vocab[i] for i in ds.y_val[:200].tolist())
    spelled = [w for w in text.split(MARK)[1:-1] if w]
    assert spelled and all(w in words for w in spelled)


def test_names_cap_and_split_by_name() -> None:
    ds = build_dataset(DataSpec(dataset="names", n_samples=1000, val_fraction=0.2), 0)
    assert len(ds.x_train) + len(ds.x_val) == 1000
    assert 200 <= len(ds.x_val) <= 212
    assert int(ds.y_val[-1]) == 0  # validation ends at the end of a name


def test_adding_problem_targets_are_the_marked_sums() -> None:
    from app.data import build_dataset
    from app.spec import DataSpec

    data = build_dataset(DataSpec(dataset="adding", seq_len=30, n_samples=4000), seed=5)
    x, y = data.x_train, data.y_train
    assert x.shape[1:] == (30, 2) and y.shape[1:] == (1,)
    markers = x[:, :, 1]
    assert bool((markers.sum(dim=1) == 2).all())
    assert bool((markers[:, :15].sum(dim=1) == 1).all())  # one in each half
    torch.testing.assert_close((x[:, :, 0] * markers).sum(dim=1, keepdim=True), y)
    guess_the_mean = float(((y - y.mean()) ** 2).mean())
    assert abs(guess_the_mean - 1 / 6) < 0.01
