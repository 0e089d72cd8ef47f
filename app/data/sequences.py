"""Sequence datasets, x (N, T, F) float32: forecasting sines, and two long-range memory tasks.

`adding` (regression; Hochreiter & Schmidhuber's adding problem): each step carries a value
drawn uniformly from [0, 1] and a marker; exactly two steps are marked, one in the first
half of the sequence and one in the second. The target is the sum of the two marked values.
Predicting the mean (1) without remembering anything scores MSE = 1/6 ≈ 0.167. The error
signal for the first marked value must travel back up to T steps: a plain RNN's gradient
fades on the way (it stays near 0.167), an LSTM's cell carries it (MSE near 0).

`sine`, `sum_of_sines` (regression): the window holds T samples of a wave, one per time
step; the target, y (N, 1), is the wave's clean value at the next step. Each example draws its
period(s) from `PERIODS` (in steps) and a uniform phase. `sum_of_sines` averages two sines of
different periods, so every wave stays within [-1, 1]. `noise` adds Gaussian noise of standard
deviation 0.5 × noise to the window only, so the best forecast must also denoise.

`memory` (multiclass recall, chance = 1 / 4): every step shows one of four symbols A-D,
one-hot on four channels; a fifth channel, "cue", is 1 at step 0 only. The target is the
symbol shown with the cue. The later symbols are drawn at random on the *same* channels and
shown `DISTRACTOR_GAIN` (20) times louder, so a network cannot simply learn to ignore some
inputs: it must store what it saw when the cue was on and then stop writing. That is what an
LSTM's (or GRU's) gates do: the input gate opens on the cue and then shuts, however loud the
later symbols, and the forget gate holds the cell. A plain tanh RNN has no gate: every input
is added into its one state, so the first loud symbol swamps the quiet one it should keep
(holding on would take recurrent weights far larger than its input weights, which training
does not find): it stays near 25% at every length. At the default T = 15 an LSTM trained as in
examples/memory-lstm-vs-rnn/ reaches 100% within 1,500 Adam steps; a longer T takes it longer.
Any prefix of an example is an example of that length with the same label. `noise` adds
Gaussian noise of standard deviation 0.5 × noise to every channel of every step.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import torch

from app.data.base import Dataset
from app.data.request import DataRequest
from app.data.splits import split_indices, take

PERIODS = np.array([6.0, 8.0, 10.0, 12.0, 16.0, 20.0])  # steps per cycle
SYMBOLS = ["A", "B", "C", "D"]
CUE = "cue"  # the channel that marks the step to remember
DISTRACTOR_GAIN = 20.0  # how much louder the memory task's later symbols are than the first


def make_waves(
    n: int, seq_len: int, noise: float, rng: np.random.Generator, n_terms: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Windows x (n, seq_len, 1) and next values y (n, 1) of means of `n_terms` sines."""
    # n_terms distinct periods per example: the first columns of a random permutation.
    pick = np.argsort(rng.random((n, len(PERIODS))), axis=1)[:, :n_terms]
    periods = PERIODS[pick][:, :, None]  # (n, terms, 1)
    phases = rng.uniform(0.0, 2 * np.pi, (n, n_terms, 1))
    steps = np.arange(seq_len + 1)[None, None, :]  # (1, 1, T + 1)
    waves = np.sin(2 * np.pi * steps / periods + phases).mean(axis=1)  # (n, T + 1)
    window = waves[:, :seq_len] + 0.5 * noise * rng.standard_normal((n, seq_len))
    return window[:, :, None], waves[:, seq_len:]


def make_memory(
    n: int, seq_len: int, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Recall sequences x (n, seq_len, 5) and the symbol shown with the cue, y (n,) int64."""
    k = len(SYMBOLS)
    shown = rng.integers(0, k, (n, seq_len))  # step 0 holds the answer
    x = np.zeros((n, seq_len, k + 1))
    x[:, :, :k] = np.eye(k)[shown]
    x[:, 1:, :k] *= DISTRACTOR_GAIN  # the later symbols are louder than the one to recall
    x[:, 0, k] = 1.0
    x += 0.5 * noise * rng.standard_normal(x.shape)
    return x, shown[:, 0].astype(np.int64)


def make_adding(
    n: int, seq_len: int, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Adding-problem sequences x (n, seq_len, 2) [value, marker] and sums y (n, 1)."""
    values = rng.uniform(0.0, 1.0, (n, seq_len))
    half = seq_len // 2
    first = rng.integers(0, half, n)
    second = rng.integers(half, seq_len, n)
    markers = np.zeros((n, seq_len))
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    y = values[rows, first] + values[rows, second]
    values = values + 0.5 * noise * rng.standard_normal(values.shape)  # the target stays clean
    return np.stack([values, markers], axis=2), y[:, None]


Make = Callable[[int, int, float, np.random.Generator], tuple[np.ndarray, np.ndarray]]


def sequence_dataset(
    req: DataRequest,
    make: Make,
    features: list[str],
    classes: list[str],
) -> Dataset:
    """Generates n sequences with `make`, splits them, and describes them: regression when
    `classes` is empty (y (N, 1) float32), else multiclass (y (N,) int64)."""
    make_rng, split_rng = req.rngs()
    n, seq_len = req.require_n_samples(), req.require_seq_len()
    x, y = make(n, seq_len, req.spec.noise, make_rng)
    train, val = split_indices(n, req.val_fraction, split_rng)
    y_type = torch.int64 if classes else torch.float32
    return Dataset(
        x_train=take(x, train, torch.float32),
        y_train=take(y, train, y_type),
        x_val=take(x, val, torch.float32),
        y_val=take(y, val, y_type),
        task="multiclass" if classes else "regression",
        input_kind="sequence",
        input_shape=(seq_len, len(features)),
        class_names=classes,
        output_dim=len(classes) or 1,
        feature_names=features,
    )


def build_adding(req: DataRequest) -> Dataset:
    """`adding`: the sum of the two marked values in a sequence of seq_len."""
    return sequence_dataset(req, make_adding, ["value", "marker"], [])


def build_single_sine(req: DataRequest) -> Dataset:
    """`sine`: one sine per example."""
    return sequence_dataset(req, functools.partial(make_waves, n_terms=1), ["value"], [])


def build_sum_of_sines(req: DataRequest) -> Dataset:
    """`sum_of_sines`: the mean of two sines of different periods per example."""
    return sequence_dataset(req, functools.partial(make_waves, n_terms=2), ["value"], [])


def build_memory(req: DataRequest) -> Dataset:
    """`memory`: recall the symbol shown with the cue at step 0, after seq_len - 1 louder
    others."""
    return sequence_dataset(req, make_memory, [*SYMBOLS, CUE], list(SYMBOLS))
