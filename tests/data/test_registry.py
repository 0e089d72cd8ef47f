"""Every registered dataset: deterministic, the right shapes and dtypes, sane values, fast."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import torch

from app.data import DATASETS, DataError, Dataset, build_dataset
from app.spec import DataSpec

GENERATED = [name for name, info in DATASETS.items() if info.input_kind in ("points", "sequence")]
NO_FILE = [name for name in DATASETS if name != "csv"]


def write_csv(data_dir: Path) -> None:
    """A small valid upload: two numeric features and a three-class target."""
    uploads = data_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    rows = ["a,b,label"] + [f"{i},{(i * 7) % 11 / 3},{i % 3}" for i in range(30)]
    (uploads / "small.csv").write_text("\n".join(rows) + "\n")


def spec_for(name: str) -> DataSpec:
    return DataSpec(dataset=name, file="small.csv" if name == "csv" else None)


def build(name: str, seed: int, data_dir: Path) -> Dataset:
    return build_dataset(spec_for(name), seed, data_dir=data_dir)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    write_csv(tmp_path)
    return tmp_path


def tensors(ds: Dataset) -> list[torch.Tensor]:
    extra = [t for t in (ds.points_train, ds.points_val) if t is not None]
    return [ds.x_train, ds.y_train, ds.x_val, ds.y_val, *extra]


@pytest.mark.parametrize("name", list(DATASETS))
def test_same_seed_same_tensors(name: str, data_dir: Path) -> None:
    first, second = build(name, 3, data_dir), build(name, 3, data_dir)
    for a, b in zip(tensors(first), tensors(second), strict=True):
        assert torch.equal(a, b)


@pytest.mark.parametrize("name", list(DATASETS))
def test_other_seed_other_data(name: str, data_dir: Path) -> None:
    first, second = build(name, 0, data_dir), build(name, 1, data_dir)
    assert not torch.equal(first.x_train, second.x_train)
    if name in GENERATED:  # freshly drawn examples, not only a different split
        pooled = [torch.cat([ds.x_train, ds.x_val]).sort(dim=0).values for ds in (first, second)]
        assert not torch.equal(*pooled)


@pytest.mark.parametrize("name", list(DATASETS))
def test_shapes_dtypes_and_targets(name: str, data_dir: Path) -> None:
    info, ds = DATASETS[name], build(name, 0, data_dir)
    assert ds.input_kind == info.input_kind
    for x, y in ((ds.x_train, ds.y_train), (ds.x_val, ds.y_val)):
        assert x.device.type == "cpu" and len(x) == len(y) > 0
        assert tuple(x.shape[1:]) == ds.input_shape
        assert x.dtype == (torch.int64 if ds.input_kind == "tokens" else torch.float32)
        if ds.task == "regression":
            assert y.dtype == torch.float32 and tuple(y.shape) == (len(x), ds.output_dim)
            assert ds.class_names == []
        else:
            assert y.dtype == torch.int64 and y.ndim == 1
            assert 0 <= int(y.min()) and int(y.max()) < len(ds.class_names)
            assert ds.output_dim == (1 if ds.task == "binary" else len(ds.class_names))
        assert torch.isfinite(x.float()).all() and torch.isfinite(y.float()).all()


@pytest.mark.parametrize("name", list(DATASETS))
def test_split_follows_val_fraction(name: str, data_dir: Path) -> None:
    info, ds = DATASETS[name], build(name, 0, data_dir)
    n_val, n = len(ds.x_val), len(ds.x_train) + len(ds.x_val)
    if name == "names":  # cut at the end of a name, so up to one name's windows more
        assert 0 <= n_val - round(n * info.default_val_fraction) <= 12
    else:
        assert n_val == round(n * info.default_val_fraction)
    if info.default_n_samples is not None:
        assert n == info.default_n_samples


@pytest.mark.parametrize("name", [n for n in NO_FILE if DATASETS[n].task != "regression"])
def test_every_class_present_in_both_parts(name: str) -> None:
    ds = build_dataset(DataSpec(dataset=name), 0)
    n_classes = len(ds.class_names)
    counts = torch.bincount(ds.y_train, minlength=n_classes)
    if ds.input_kind == "tokens":  # letters are naturally unbalanced; all must still occur
        assert (counts > 0).all()
        return
    share = counts.float() / counts.sum()
    assert share.min() > 0.5 / n_classes and share.max() < 2.0 / n_classes
    assert (torch.bincount(ds.y_val, minlength=n_classes) > 0).all()


@pytest.mark.parametrize("name", list(DATASETS))
def test_builds_fast(name: str, data_dir: Path) -> None:
    build(name, 0, data_dir)  # warm caches: bundled files, first imports
    start = time.perf_counter()
    build(name, 1, data_dir)
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize("name", ["digits", "mnist"])
def test_first_load_of_bundled_images_is_fast(name: str) -> None:
    from app.data import images

    images.load_digits_arrays.cache_clear()
    images.load_mnist_arrays.cache_clear()
    start = time.perf_counter()
    build_dataset(DataSpec(dataset=name), 0)
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize("name", list(DATASETS))
def test_catalog_entry_is_json(name: str) -> None:
    entry = DATASETS[name].to_json()
    assert "build" not in entry
    assert json.loads(json.dumps(entry)) == entry
    assert set(entry["uses"]) <= set(DataSpec.model_fields)


def test_unknown_dataset_is_refused() -> None:
    with pytest.raises(DataError) as caught:
        build_dataset(DataSpec(dataset="nope"), 0)
    assert caught.value.field == "data.dataset"
    assert "unknown dataset 'nope'" in str(caught.value)
