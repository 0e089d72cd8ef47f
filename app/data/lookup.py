"""`lookup`: a short list of key-value pairs, then a key; answer the value paired with it.

Why: it is the job attention was invented for. The answer sits at one step of the sequence,
a different step every time, found by what is there (the key) rather than where it is.
Self-attention scores every step against the question and reads the best match: the last
step's attention weights land on the pair holding the answer (the `attention` view shows
them), and accuracy reaches 100 %. A recurrent network must carry every pair in its one
state until the question comes, which a small one cannot do: it stays far below (the
attention lesson).

Each of the first seq_len - 1 steps shows one pair: a key (one of the letters A-H, each used at
most once per sequence, one-hot on 8 channels) and its value (one of 0-7, one-hot on 8
channels). The last step asks: one of the keys shown, one-hot on 8 query channels of its own
(so the question never matches itself). The target is the asked key's value (8 classes, chance
1/8). `Dataset.answer_positions` holds, per validation example, the step of the pair with the
answer. `noise` adds Gaussian noise of standard deviation 0.5 × noise to every channel.
"""

from __future__ import annotations

import numpy as np
import torch

from app.data.base import DataError, Dataset
from app.data.request import DataRequest
from app.data.splits import split_indices, take

KEYS = list("ABCDEFGH")
VALUES = [str(v) for v in range(8)]
FEATURES = [f"key {k}" for k in KEYS] + [f"value {v}" for v in VALUES] + [f"ask {k}" for k in KEYS]


def make_lookup(
    n: int, seq_len: int, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sequences x (n, seq_len, 24), answers y (n,) int64, and the answer's step (n,) int64."""
    pairs, k, v = seq_len - 1, len(KEYS), len(VALUES)
    keys = np.argsort(rng.random((n, k)), axis=1)[:, :pairs]  # distinct keys per sequence
    values = rng.integers(0, v, (n, pairs))
    answer_at = rng.integers(0, pairs, n)
    rows = np.arange(n)
    x = np.zeros((n, seq_len, k + v + k))
    x[:, :pairs, :k] = np.eye(k)[keys]
    x[:, :pairs, k : k + v] = np.eye(v)[values]
    x[rows, -1, k + v + keys[rows, answer_at]] = 1.0
    x += 0.5 * noise * rng.standard_normal(x.shape)
    return x, values[rows, answer_at].astype(np.int64), answer_at.astype(np.int64)


def build_lookup(req: DataRequest) -> Dataset:
    """`lookup`: seq_len - 1 key-value pairs, then the key asked for."""
    seq_len = req.require_seq_len()
    if seq_len - 1 > len(KEYS):
        raise DataError(
            f"lookup has {len(KEYS)} keys, so at most {len(KEYS)} pairs: seq_len ≤ "
            f"{len(KEYS) + 1} (got {seq_len})",
            "data.seq_len",
        )
    make_rng, split_rng = req.rngs()
    n = req.require_n_samples()
    x, y, answer_at = make_lookup(n, seq_len, req.spec.noise, make_rng)
    train, val = split_indices(n, req.val_fraction, split_rng)
    return Dataset(
        x_train=take(x, train, torch.float32),
        y_train=take(y, train, torch.int64),
        x_val=take(x, val, torch.float32),
        y_val=take(y, val, torch.int64),
        task="multiclass",
        input_kind="sequence",
        input_shape=(seq_len, len(FEATURES)),
        class_names=list(VALUES),
        output_dim=len(VALUES),
        feature_names=list(FEATURES),
        answer_positions=take(answer_at, val, torch.int64),
    )
