"""The dataset registry: one entry per dataset name, read by the builder and the catalog."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Literal

from app.data.base import Dataset, InputKind
from app.data.images import build_digits, build_mnist
from app.data.points import build_points
from app.data.request import DataRequest
from app.data.sequences import build_memory, build_single_sine, build_sum_of_sines
from app.data.tabular import build_csv
from app.data.text import build_names

Builder = Callable[[DataRequest], Dataset]
CatalogTask = Literal["binary", "multiclass", "regression", "auto"]

POINT_USES = ("n_samples", "noise", "val_fraction", "features")
SEQUENCE_USES = ("n_samples", "noise", "val_fraction", "seq_len")


@dataclass(frozen=True)
class DatasetInfo:
    """What the catalog says about one dataset, and the function that builds it.

    `task` is the task at the default parameters ("auto" for CSV: inferred from the file);
    `default_n_samples` None means "all of it"; `max_classes` is the largest `n_classes` the
    dataset accepts (2 where it ignores `n_classes`); `uses` lists the DataSpec fields it reads.
    """

    description: str
    input_kind: InputKind
    task: CatalogTask
    default_n_samples: int | None
    default_val_fraction: float
    default_seq_len: int | None
    max_classes: int
    uses: tuple[str, ...]
    build: Builder = field(repr=False, compare=False)

    def to_json(self) -> dict[str, object]:
        """Every field but the builder, as JSON-ready values."""
        public = asdict(self)
        del public["build"]
        public["uses"] = list(self.uses)
        return public


def point_set(description: str, task: CatalogTask, max_classes: int = 2) -> DatasetInfo:
    """An entry for a 2-D point dataset (500 points, half held out, like TF Playground)."""
    uses = POINT_USES + (("n_classes",) if max_classes > 2 else ())
    return DatasetInfo(description, "points", task, 500, 0.5, None, max_classes, uses, build_points)


DATASETS: dict[str, DatasetInfo] = {
    "circle": point_set("A disc inside a ring; 3-4 classes make more rings.", "binary", 4),
    "xor": point_set("Four quadrants: the class is the sign of x1·x2.", "binary"),
    "gaussian": point_set("Two Gaussian blobs; 3-4 classes make more blobs.", "binary", 4),
    "spiral": point_set("Two interleaved spirals; 3-4 classes make more arms.", "binary", 4),
    "moons": point_set("Two interleaving half-moons.", "binary"),
    "plane": point_set("Regression: a tilted plane, target (x1 + x2) / 10.", "regression"),
    "multi_gaussian": point_set(
        "Regression: six signed bumps, target between -1 and 1.", "regression"
    ),
    "digits": DatasetInfo(
        "Handwritten digits, 8×8 pixels (scikit-learn's 1,797 images).",
        "image",
        "multiclass",
        None,
        0.2,
        None,
        2,
        ("n_samples", "val_fraction"),
        build_digits,
    ),
    "mnist": DatasetInfo(
        "Handwritten digits, 28×28 pixels (a bundled 14,000-image MNIST subset).",
        "image",
        "multiclass",
        None,
        0.2,
        None,
        2,
        ("n_samples", "val_fraction"),
        build_mnist,
    ),
    "sine": DatasetInfo(
        "Forecast the next value of a sine wave from a window of past values.",
        "sequence",
        "regression",
        1000,
        0.2,
        20,
        2,
        SEQUENCE_USES,
        build_single_sine,
    ),
    "sum_of_sines": DatasetInfo(
        "Forecast the next value of a mix of two sine waves.",
        "sequence",
        "regression",
        1000,
        0.2,
        20,
        2,
        SEQUENCE_USES,
        build_sum_of_sines,
    ),
    "memory": DatasetInfo(
        "Recall the symbol shown with the cue at step 0, after a run of others (chance 25%).",
        "sequence",
        "multiclass",
        2000,
        0.2,
        25,
        2,
        SEQUENCE_USES,
        build_memory,
    ),
    "names": DatasetInfo(
        "Next-character prediction on US-census first names.",
        "tokens",
        "multiclass",
        None,
        0.2,
        8,
        2,
        ("n_samples", "val_fraction", "seq_len"),
        build_names,
    ),
    "csv": DatasetInfo(
        "Your own CSV file: numeric feature columns and one target column.",
        "table",
        "auto",
        None,
        0.2,
        None,
        2,
        ("file", "target", "task", "val_fraction"),
        build_csv,
    ),
}
