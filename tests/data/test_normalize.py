"""Input normalisation of 2-D points (data.normalize): each feature standardised with the
training split's statistics, the same map applied to validation points and to the plotting
grid (Dataset.featurize), so the boundary view shows what the model sees."""

from __future__ import annotations

import torch

from app.data import build_dataset
from app.spec import DataSpec

FEATURES = ["x1", "x2", "x1^2", "x1*x2"]


def test_points_are_standardised_with_training_statistics() -> None:
    ds = build_dataset(DataSpec(dataset="circle", features=FEATURES, normalize=True), 3)
    assert torch.allclose(ds.x_train.mean(0), torch.zeros(4), atol=1e-5)
    assert torch.allclose(ds.x_train.std(0, correction=0), torch.ones(4), atol=1e-4)
    # validation points go through the training split's map, not their own
    assert ds.featurize is not None and ds.points_val is not None
    assert torch.allclose(ds.featurize(ds.points_val), ds.x_val)
    assert not torch.allclose(ds.x_val.mean(0), torch.zeros(4), atol=1e-5)


def test_points_stay_raw_by_default() -> None:
    raw = build_dataset(DataSpec(dataset="circle", features=FEATURES), 3)
    assert raw.points_train is not None
    assert torch.equal(raw.x_train[:, 0], raw.points_train[:, 0])  # x1 as generated
    assert float(raw.x_train[:, 2].min()) >= 0  # x1^2 unshifted
