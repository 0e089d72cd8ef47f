"""The `embedding` view's PCA against numpy's eigen-decomposition of the covariance, and the
separation score (and its random-group control) on tables whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from app.lessons.metrics import Finished, random_separation, vowel_separation
from app.lessons.trace import Trace
from app.spec import ExperimentSpec
from app.train import Run
from app.train.probes import observe
from app.train.probes.common import ObserveError
from app.train.probes.embedding import embedding_table, project_2d, separation

NAMES = {
    "seed": 1,
    "data": {"dataset": "names", "seq_len": 3, "n_samples": 400},
    "model": {"layers": [{"type": "embedding", "dim": 4}, {"type": "dense", "units": 8}]},
    "train": {"optimizer": "adam", "lr": 0.01},
}


def test_the_projection_is_the_top_two_principal_components() -> None:
    table = torch.randn(27, 6, generator=torch.Generator().manual_seed(0))
    table[:, 2] *= 5  # one direction clearly the widest
    points, shares = project_2d(table)
    centred = (table - table.mean(dim=0)).double().numpy()
    values, vectors = np.linalg.eigh(np.cov(centred.T, bias=True))  # ascending
    top = vectors[:, ::-1][:, :2]  # (D, 2)
    expected = centred @ top
    for k in range(2):  # each axis up to its sign, which the probe fixes its own way
        got = points[:, k].double().numpy()
        assert np.allclose(np.abs(got), np.abs(expected[:, k]), atol=1e-4)
        assert np.allclose(got, expected[:, k], atol=1e-4) or np.allclose(
            got, -expected[:, k], atol=1e-4
        )
    assert shares == pytest.approx(list(values[::-1][:2] / values.sum()), abs=1e-5)
    # the sign rule: each axis's largest coordinate is positive, so frames do not flip
    again, _ = project_2d(table + 1e-7)
    torch.testing.assert_close(again, points, atol=1e-4, rtol=0)


def test_separation_on_groups_of_known_geometry() -> None:
    """Vowels at ±1 around (4, 0), consonants at ±1 around (0, 0): centres 4 apart, every
    point 1 from its centre, so the score is 4; identical groups score 0."""
    table = torch.tensor([[5.0, 0], [3, 0], [1, 0], [-1, 0], [0, 1], [0, -1]])
    assert separation(table, [0, 1], [2, 3, 4, 5]) == pytest.approx(4.0)
    assert separation(torch.ones(4, 2), [0, 1], [2, 3]) == 0.0


def test_vowels_apart_score_above_random_groups() -> None:
    """A table where only the vowels moved away: the vowels score far above what random
    groups of five letters score on the same table."""
    run = Run(ExperimentSpec.model_validate(NAMES))
    with torch.no_grad():
        table = embedding_table(run)
        table.copy_(torch.randn(table.shape, generator=torch.Generator().manual_seed(0)))
        for c in "aeiou":
            table[run.data.vocab.index(c), 0] += 6.0
    done = Finished(run, Trace(), 0)
    vowels = vowel_separation(done)
    assert vowels > 2.5
    assert random_separation(done) < vowels / 2


def test_the_view_sends_points_tokens_and_groups() -> None:
    run = Run(ExperimentSpec.model_validate(NAMES))
    seen = observe(run, ("embedding",))["embedding"]
    vocab = run.data.vocab
    assert seen["points"].shape == (len(vocab), 2)
    assert seen["tokens"] == vocab
    assert [t for t, v in zip(vocab, seen["vowel"], strict=True) if v == 1] == list("aeiou")
    assert seen["vowel"][vocab.index(".")] == -1
    assert seen["separation"] == pytest.approx(vowel_separation(Finished(run, Trace(), 0)))
    no_embedding = {
        "data": {"dataset": "memory", "seq_len": 4, "n_samples": 100},
        "model": {"layers": [{"type": "lstm", "hidden": 4}]},
    }
    with pytest.raises(ObserveError, match="text data"):
        observe(Run(ExperimentSpec.model_validate(no_embedding)), ("embedding",))
