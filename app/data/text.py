"""`names`: next-character prediction on US-census first names, x (N, T) int64 token ids.

The names come from the `dist.male.first` and `dist.female.first` files inside the installed
`names` package (MIT licence; the 1990 US census lists); nothing is copied into this repo.
Each distinct name, lowercased, is read as ".name." — '.' marks both start and end. Every
character after the first '.' is one example: its `seq_len` previous characters, left-padded
with '.', predict it. The vocabulary is '.' followed by the letters present, sorted.

The split is by name, not by window, so validation names are (all but at most one) unseen.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import names as names_package
import numpy as np
import torch

from app.data.base import Dataset
from app.data.request import DataRequest
from app.data.splits import count_val

MARK = "."  # start and end of a name, and the left padding
NAME_FILES = ("dist.male.first", "dist.female.first")


@lru_cache(maxsize=1)
def load_names() -> tuple[str, ...]:
    """Distinct lowercase first names from the census files, sorted."""
    folder = Path(names_package.__file__).parent
    found: set[str] = set()
    for file_name in NAME_FILES:
        with open(folder / file_name, encoding="ascii") as lines:
            found.update(line.split()[0].lower() for line in lines if line.strip())
    return tuple(sorted(found))


def vocabulary(words: tuple[str, ...]) -> list[str]:
    """'.' then every character used, sorted; position = token id."""
    return [MARK, *sorted(set("".join(words)) - {MARK})]


def encode_windows(word: str, seq_len: int, ids: dict[str, int]) -> np.ndarray:
    """All windows of one name, (len(word) + 1, seq_len + 1): context ids then the next id."""
    padded = np.array([ids[c] for c in MARK * seq_len + word + MARK], dtype=np.int64)
    return np.lib.stride_tricks.sliding_window_view(padded, seq_len + 1)


def val_cut(ends: np.ndarray, n: int, val_fraction: float) -> int:
    """Validation windows: the requested fraction, rounded up to the end of a name, leaving
    at least one training window. `ends` holds each name's cumulative window count."""
    wanted = count_val(n, val_fraction)
    at_name_end = ends[min(int(np.searchsorted(ends, wanted)), len(ends) - 1)]
    return int(min(at_name_end, n - 1))


def build_names(req: DataRequest) -> Dataset:
    """Shuffle names by seed, cut their windows to `n_samples`, hold out the first names."""
    seq_len = req.require_seq_len()
    words = load_names()
    vocab = vocabulary(words)
    ids = {c: i for i, c in enumerate(vocab)}
    _, split_rng = req.rngs()
    order = split_rng.permutation(len(words))
    per_name = [encode_windows(words[i], seq_len, ids) for i in order]
    windows = np.concatenate(per_name)  # (all windows, seq_len + 1)
    n = req.cap(len(windows))
    windows = windows[:n]
    n_val = val_cut(np.cumsum([len(w) for w in per_name]), n, req.val_fraction)
    data = torch.from_numpy(np.ascontiguousarray(windows))
    return Dataset(
        x_train=data[n_val:, :seq_len].clone(),
        y_train=data[n_val:, seq_len].clone(),
        x_val=data[:n_val, :seq_len].clone(),
        y_val=data[:n_val, seq_len].clone(),
        task="multiclass",
        input_kind="tokens",
        input_shape=(seq_len,),
        class_names=list(vocab),
        output_dim=len(vocab),
        vocab=vocab,
    )
