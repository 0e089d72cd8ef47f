"""DataSpec combinations that no dataset can build, and the words each refusal uses."""

from __future__ import annotations

import pytest

from app.data import DataError, build_dataset
from app.settings import Limits
from app.spec import DataSpec


@pytest.mark.parametrize(
    ("spec", "limits", "field", "message"),
    [
        (
            DataSpec(dataset="moons", n_classes=3),
            Limits(),
            "data.n_classes",
            "moons supports only 2 classes (n_classes=3)",
        ),
        (
            DataSpec(dataset="xor", n_classes=4),
            Limits(),
            "data.n_classes",
            "xor supports only 2 classes (n_classes=4)",
        ),
        (
            DataSpec(dataset="circle", n_samples=5000),
            Limits(max_samples=1000),
            "data.n_samples",
            "n_samples=5000 is over the limit of 1000",
        ),
        (
            DataSpec(dataset="memory", seq_len=150),
            Limits(max_seq_len=100),
            "data.seq_len",
            "seq_len=150 is over the limit of 100",
        ),
        (DataSpec(dataset="csv"), Limits(), "data.file", "needs a data directory"),
    ],
)
def test_impossible_specs(spec: DataSpec, limits: Limits, field: str, message: str) -> None:
    with pytest.raises(DataError) as caught:
        build_dataset(spec, 0, limits=limits)
    assert caught.value.field == field
    assert str(caught.value) == message or message in str(caught.value)


def test_tightened_sample_limit_caps_bundled_data() -> None:
    ds = build_dataset(DataSpec(dataset="digits"), 0, limits=Limits(max_samples=300))
    assert len(ds.x_train) + len(ds.x_val) == 300


def test_negative_seeds_work() -> None:
    ds = build_dataset(DataSpec(dataset="circle"), -1)
    assert len(ds.x_train) == 250
