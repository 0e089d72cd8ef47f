"""What a dataset builder receives: the user's DataSpec with the dataset's defaults filled in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.settings import Limits
from app.spec import DataSpec


@dataclass(frozen=True)
class DataRequest:
    """One build of one dataset.

    `n_samples`, `val_fraction`, `seq_len` and `normalize` are the spec's values, or the
    dataset's defaults where the spec left them `null`; `n_samples` stays `None` for
    datasets whose default is "all of it" (bundled images, names). `data_dir` is where
    uploads live (CSV data only).
    """

    spec: DataSpec
    seed: int
    n_samples: int | None
    val_fraction: float
    seq_len: int | None
    normalize: bool
    data_dir: Path | None
    limits: Limits

    def require_n_samples(self) -> int:
        """The example count of a generated dataset (its registry entry always has a default)."""
        if self.n_samples is None:
            raise AssertionError(f"{self.spec.dataset} has no default n_samples")
        return self.n_samples

    def require_seq_len(self) -> int:
        """The window length of a sequence dataset (its registry entry always has a default)."""
        if self.seq_len is None:
            raise AssertionError(f"{self.spec.dataset} has no default seq_len")
        return self.seq_len

    def cap(self, available: int) -> int:
        """Examples to take out of `available`: all, or fewer if n_samples or the limit says so."""
        wanted = available if self.n_samples is None else self.n_samples
        return min(available, wanted, self.limits.max_samples)

    def rngs(self) -> tuple[np.random.Generator, np.random.Generator]:
        """Two independent generators from the seed: one to make the data, one to split it.

        Keeping them apart means moving the validation slider re-splits the same examples,
        and the noise slider moves the same points (noise draws never depend on its value).
        """
        # SeedSequence accepts only non-negative integers; wrap so every int seed works.
        make, split = np.random.SeedSequence(self.seed % 2**64).spawn(2)
        return np.random.default_rng(make), np.random.default_rng(split)
