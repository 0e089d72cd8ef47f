"""2-D point datasets: the domain, the labels, the classes and the feature map."""

from __future__ import annotations

import pytest
import torch

from app.data import DATASETS, build_dataset
from app.data.points import DOMAIN, PointFeatures
from app.spec import FEATURES, DataSpec

POINT_SETS = [name for name, info in DATASETS.items() if info.input_kind == "points"]
MULTI = [name for name in POINT_SETS if DATASETS[name].max_classes == 4]


@pytest.mark.parametrize("noise", [0.0, 1.0])
@pytest.mark.parametrize("name", POINT_SETS)
def test_points_stay_in_the_domain(name: str, noise: float) -> None:
    ds = build_dataset(DataSpec(dataset=name, noise=noise, n_samples=2000), 0)
    assert ds.domain == DOMAIN == (-6.0, 6.0)
    for points in (ds.points_train, ds.points_val):
        assert points is not None and points.dtype == torch.float32 and points.shape[1] == 2
        assert points.abs().max() <= 6.0


@pytest.mark.parametrize("name", POINT_SETS)
def test_featurize_reproduces_training_inputs(name: str) -> None:
    features = list(FEATURES)[::-1]  # every feature, in a non-default order
    ds = build_dataset(DataSpec(dataset=name, features=features, noise=0.3), 5)
    assert ds.featurize is not None and ds.points_train is not None and ds.points_val is not None
    assert ds.feature_names == features and ds.input_shape == (len(features),)
    assert torch.equal(ds.featurize(ds.points_train), ds.x_train)
    assert torch.equal(ds.featurize(ds.points_val), ds.x_val)


def test_features_are_the_playground_ones() -> None:
    points = torch.tensor([[2.0, -3.0], [0.5, 0.25]])
    got = PointFeatures(tuple(FEATURES))(points)
    x1, x2 = points[:, 0], points[:, 1]
    want = [x1, x2, x1**2, x2**2, x1 * x2, torch.sin(x1), torch.sin(x2)]
    assert torch.allclose(got, torch.stack(want, dim=1))


@pytest.mark.parametrize("k", [3, 4])
@pytest.mark.parametrize("name", MULTI)
def test_more_classes(name: str, k: int) -> None:
    ds = build_dataset(DataSpec(dataset=name, n_classes=k, n_samples=400), 0)
    assert ds.task == "multiclass" and ds.output_dim == k and len(ds.class_names) == k
    labels = torch.cat([ds.y_train, ds.y_val])
    assert torch.bincount(labels, minlength=k).tolist() == [
        400 // k + (c < 400 % k) for c in range(k)
    ]


def test_clean_labels_follow_the_geometry() -> None:
    xor = build_dataset(DataSpec(dataset="xor"), 0)
    assert xor.points_train is not None
    product = xor.points_train[:, 0] * xor.points_train[:, 1]
    assert torch.equal(xor.y_train, (product >= 0).long())
    circle = build_dataset(DataSpec(dataset="circle", n_classes=3), 0)
    assert circle.points_train is not None
    ring = (circle.points_train.norm(dim=1) / (5 / 3)).floor().long().clamp(max=2)
    assert torch.equal(circle.y_train, ring)


def test_noise_flips_some_labels_but_keeps_the_points() -> None:
    clean = build_dataset(DataSpec(dataset="circle", noise=0.0), 0)
    noisy = build_dataset(DataSpec(dataset="circle", noise=1.0), 0)
    assert clean.points_train is not None and noisy.points_train is not None
    assert torch.equal(clean.points_train, noisy.points_train)
    flipped = (clean.y_train != noisy.y_train).float().mean()
    assert 0.05 < flipped < 0.5


def test_val_fraction_resplits_the_same_points() -> None:
    half = build_dataset(DataSpec(dataset="spiral", val_fraction=0.5), 0)
    tenth = build_dataset(DataSpec(dataset="spiral", val_fraction=0.1), 0)
    assert half.points_train is not None and half.points_val is not None
    assert tenth.points_train is not None and tenth.points_val is not None
    assert len(tenth.points_val) == 50
    every = torch.cat([half.points_train, half.points_val])
    again = torch.cat([tenth.points_train, tenth.points_val])
    assert torch.equal(every.sort(dim=0).values, again.sort(dim=0).values)


@pytest.mark.parametrize("name", ["plane", "multi_gaussian"])
def test_regression_targets(name: str) -> None:
    ds = build_dataset(DataSpec(dataset=name, n_samples=2000), 0)
    assert ds.task == "regression" and ds.y_train.shape == (1000, 1)
    bound = 1.2 if name == "plane" else 1.0
    assert ds.y_train.abs().max() <= bound + 1e-6
    if name == "plane":
        assert ds.points_train is not None
        assert torch.allclose(ds.y_train[:, 0], ds.points_train.sum(dim=1) / 10, atol=1e-6)


def test_regression_sets_ignore_n_classes() -> None:
    ds = build_dataset(DataSpec(dataset="plane", n_classes=4), 0)
    assert ds.task == "regression"
