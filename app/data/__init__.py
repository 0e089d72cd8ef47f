"""Datasets: generated, bundled or uploaded, built deterministically from a DataSpec and a seed.

`build_dataset(spec, seed)` is the one entry point; `DATASETS` is the registry the catalog
serializes. Nothing is downloaded at run time.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from app.data.base import DataError, Dataset
from app.data.label_noise import flip_labels
from app.data.registry import DATASETS, DatasetInfo
from app.data.request import DataRequest
from app.data.tabular import Table, parse_csv, read_upload
from app.settings import DEFAULT_LIMITS, Limits
from app.spec import DataSpec

__all__ = [
    "DATASETS",
    "DataError",
    "Dataset",
    "DatasetInfo",
    "Table",
    "build_dataset",
    "parse_csv",
    "read_upload",
]


def build_dataset(
    data: DataSpec,
    seed: int,
    *,
    data_dir: Path | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Dataset:
    """Build the dataset `data` names, the same tensors for the same seed.

    Raises DataError, with the spec field at fault, for any impossible combination.
    """
    info = DATASETS.get(data.dataset)
    if info is None:
        known = ", ".join(DATASETS)
        raise DataError(f"unknown dataset '{data.dataset}'; choose one of: {known}", "data.dataset")
    check_limits(data, info, limits)
    request = DataRequest(
        spec=data,
        seed=seed,
        n_samples=info.default_n_samples if data.n_samples is None else data.n_samples,
        val_fraction=info.default_val_fraction if data.val_fraction is None else data.val_fraction,
        seq_len=(data.seq_len or info.default_seq_len) if info.default_seq_len else None,
        normalize=bool(info.default_normalize) if data.normalize is None else data.normalize,
        data_dir=data_dir,
        limits=limits,
    )
    built = info.build(request)
    if info.label_at_start:
        built = dataclasses.replace(built, label_at_start=True)
    return flip_labels(built, data.flip, seed)


def check_limits(data: DataSpec, info: DatasetInfo, limits: Limits) -> None:
    """Refuse class counts the dataset cannot make and sizes over the (runtime) limits."""
    is_point_classes = info.input_kind == "points" and info.task != "regression"
    if is_point_classes and data.n_classes > info.max_classes:
        raise DataError(
            f"{data.dataset} supports only {info.max_classes} classes (n_classes={data.n_classes})",
            "data.n_classes",
        )
    if data.n_samples is not None and data.n_samples > limits.max_samples:
        raise DataError(
            f"n_samples={data.n_samples} is over the limit of {limits.max_samples}",
            "data.n_samples",
        )
    if data.seq_len is not None and info.default_seq_len and data.seq_len > limits.max_seq_len:
        raise DataError(
            f"seq_len={data.seq_len} is over the limit of {limits.max_seq_len}", "data.seq_len"
        )
