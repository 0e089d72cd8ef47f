"""The `embedding` view: a text model's token embeddings projected to 2-D, and how far
its vowels lie from its consonants (the `embeddings` lesson's figure).

The projection is PCA computed with torch: the table's two directions of largest variance.
Each direction's sign is fixed (its largest coordinate positive) so consecutive frames do
not flip the picture when the weights barely change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from app.train.probes.common import ObserveError, to_numpy

if TYPE_CHECKING:
    from app.train.run import Run

VOWELS = frozenset("aeiou")  # 'y' is left out: in names it is as often a consonant


def embedding_table(run: Run) -> torch.Tensor:
    """The model's first embedding's weights, (V, D), or ObserveError in words."""
    for module in run.model.modules():
        if isinstance(module, nn.Embedding):
            return module.weight.detach()
    raise ObserveError("this model has no embedding layer (text data starts with one)")


def project_2d(table: torch.Tensor) -> tuple[torch.Tensor, list[float]]:
    """(V, D) -> (V, 2) on the top two principal directions, and the share of the variance
    each one holds. A 1-D embedding gets a zero second coordinate."""
    centred = table - table.mean(dim=0)  # (V, D)
    _, s, vh = torch.linalg.svd(centred, full_matrices=False)  # vh: (k, D), rows by size
    axes = vh[:2]  # (≤2, D)
    peaks = axes.gather(1, axes.abs().argmax(dim=1, keepdim=True))  # (≤2, 1)
    axes = axes * torch.where(peaks < 0, -1.0, 1.0)
    points = centred @ axes.T  # (V, ≤2)
    total = float((s**2).sum())
    shares = [float(v**2) / total if total > 0 else 0.0 for v in s[:2]]
    if points.shape[1] < 2:
        points = torch.cat([points, points.new_zeros(len(points), 2 - points.shape[1])], dim=1)
        shares += [0.0] * (2 - len(shares))
    return points, shares


def letter_groups(vocab: list[str]) -> tuple[list[int], list[int]]:
    """Token ids of the vowels and of the consonants (letters only: marks are neither)."""
    vowels = [i for i, c in enumerate(vocab) if c in VOWELS]
    consonants = [i for i, c in enumerate(vocab) if c.isalpha() and c not in VOWELS]
    return vowels, consonants


def separation(table: torch.Tensor, group: list[int], rest: list[int]) -> float:
    """The distance between the two groups' centroids over the mean distance of a member to
    its own group's centroid, in the full embedding: 0 when the groups overlap."""
    a, b = table[group], table[rest]  # (n, D), (m, D)
    gap = (a.mean(dim=0) - b.mean(dim=0)).norm()
    spread = torch.cat([(a - a.mean(dim=0)).norm(dim=1), (b - b.mean(dim=0)).norm(dim=1)])
    return float(gap / spread.mean()) if float(spread.mean()) > 0 else 0.0


def embedding(run: Run, **_: Any) -> dict[str, Any]:
    """Each token's point (V, 2), the tokens, which are vowels (1) or consonants (0; -1
    for other marks), each axis's share of the variance and the vowel separation."""
    vocab = run.data.vocab
    if not vocab:
        raise ObserveError("the embedding view needs text data")
    table = embedding_table(run)
    points, shares = project_2d(table)
    vowels, consonants = letter_groups(vocab)
    return {
        "points": to_numpy(points),
        "tokens": list(vocab),
        "vowel": [1 if i in vowels else 0 if i in consonants else -1 for i in range(len(vocab))],
        "explained": shares,
        "separation": separation(table, vowels, consonants) if vowels and consonants else None,
    }
