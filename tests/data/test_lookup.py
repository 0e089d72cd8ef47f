"""lookup: key-value pairs then a question; the answer is the asked key's value, found where
answer_positions says."""

from __future__ import annotations

import pytest
import torch

from app.data import DataError, build_dataset
from app.data.lookup import FEATURES, KEYS, VALUES
from app.spec import DataSpec

K, V = len(KEYS), len(VALUES)


def test_the_answer_is_the_value_paired_with_the_asked_key() -> None:
    ds = build_dataset(DataSpec(dataset="lookup"), 0)
    assert ds.input_shape == (7, K + V + K) and ds.feature_names == FEATURES
    assert ds.class_names == VALUES and ds.output_dim == V
    assert ds.answer_positions is not None and ds.answer_positions.shape == ds.y_val.shape
    for x, y in ((ds.x_train, ds.y_train), (ds.x_val, ds.y_val)):
        pairs, ask = x[:, :-1], x[:, -1]  # (N, 6, 24), (N, 24)
        assert (pairs[:, :, :K].sum(-1) == 1).all() and (pairs[:, :, K : K + V].sum(-1) == 1).all()
        assert (pairs[:, :, K + V :] == 0).all() and (ask[:, : K + V] == 0).all()
        keys = pairs[:, :, :K].argmax(-1)  # (N, 6)
        assert all(len(set(row)) == 6 for row in keys.tolist())  # distinct keys
        match = keys == ask[:, K + V :].argmax(-1, keepdim=True)  # (N, 6), one True per row
        assert (match.sum(1) == 1).all()
        at = match.float().argmax(1)
        values = pairs[:, :, K : K + V].argmax(-1)
        assert torch.equal(values[torch.arange(len(y)), at], y)
        if y is ds.y_val:
            assert torch.equal(at, ds.answer_positions)


def test_answers_and_positions_spread_evenly_and_follow_the_seed() -> None:
    ds = build_dataset(DataSpec(dataset="lookup", n_samples=4000), 1)
    y = torch.cat([ds.y_train, ds.y_val])
    share = torch.bincount(y, minlength=V).float() / len(y)
    assert share.min() > 0.8 / V and share.max() < 1.2 / V
    assert ds.answer_positions is not None
    assert torch.bincount(ds.answer_positions, minlength=6).min() > 0.7 * len(ds.y_val) / 6
    again = build_dataset(DataSpec(dataset="lookup", n_samples=4000), 1)
    assert torch.equal(ds.x_val, again.x_val)
    assert again.answer_positions is not None
    assert torch.equal(ds.answer_positions, again.answer_positions)


def test_seq_len_sets_the_pairs_up_to_one_per_key() -> None:
    ds = build_dataset(DataSpec(dataset="lookup", seq_len=K + 1), 0)
    assert ds.input_shape == (K + 1, K + V + K)
    with pytest.raises(DataError, match="at most 8 pairs") as caught:
        build_dataset(DataSpec(dataset="lookup", seq_len=K + 2), 0)
    assert caught.value.field == "data.seq_len"
