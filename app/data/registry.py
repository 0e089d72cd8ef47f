"""The dataset registry: one entry per dataset name, read by the builder and the catalog."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Literal

from app.data.base import Dataset, InputKind
from app.data.dots import build_dots
from app.data.images import build_digits, build_mnist
from app.data.lookup import build_lookup
from app.data.points import build_points
from app.data.request import DataRequest
from app.data.sequences import (
    build_adding,
    build_memory,
    build_single_sine,
    build_sum_of_sines,
)
from app.data.shifted_digits import build_shifted_digits
from app.data.tabular import build_csv
from app.data.text import build_names

Builder = Callable[[DataRequest], Dataset]
CatalogTask = Literal["binary", "multiclass", "regression", "auto"]

POINT_USES = ("n_samples", "noise", "val_fraction", "features", "normalize")
SEQUENCE_USES = ("n_samples", "noise", "val_fraction", "seq_len")


def with_flip(uses: tuple[str, ...], task: CatalogTask) -> tuple[str, ...]:
    """`uses` plus `flip` (label noise, app/data/label_noise.py) for data that may have classes."""
    return uses if task == "regression" else (*uses, "flip")


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
    # Whether inputs are standardised when `data.normalize` is null (None: the dataset does
    # not read it). CSV columns can differ in scale by orders of magnitude; TensorFlow
    # Playground's points stay raw.
    default_normalize: bool | None = None
    # Sequences whose label is fixed by the first step (Dataset.label_at_start): the page
    # asks their runs for accuracy against the length remembered over.
    label_at_start: bool = False

    def to_json(self) -> dict[str, object]:
        """Every field but the builder, as JSON-ready values."""
        public = asdict(self)
        del public["build"]
        public["uses"] = list(self.uses)
        return public


def point_set(description: str, task: CatalogTask, max_classes: int = 2) -> DatasetInfo:
    """An entry for a 2-D point dataset (500 points, half held out, like TF Playground)."""
    return DatasetInfo(
        description=description,
        input_kind="points",
        task=task,
        default_n_samples=500,
        default_val_fraction=0.5,
        default_seq_len=None,
        max_classes=max_classes,
        uses=with_flip(POINT_USES + (("n_classes",) if max_classes > 2 else ()), task),
        build=build_points,
        default_normalize=False,
    )


def image_set(description: str, build: Builder, test: bool = True) -> DatasetInfo:
    """An entry for bundled 10-class digit images: all of them, a fifth held out; `test`:
    it can hold out a test set too (data.test_fraction)."""
    return DatasetInfo(
        description=description,
        input_kind="image",
        task="multiclass",
        default_n_samples=None,
        default_val_fraction=0.2,
        default_seq_len=None,
        max_classes=2,
        uses=("n_samples", "val_fraction", "flip", "augment")
        + (("test_fraction", "test_shift") if test else ()),
        build=build,
    )


def sequence_set(
    description: str,
    task: CatalogTask,
    n_samples: int,
    seq_len: int,
    build: Builder,
    label_at_start: bool = False,
) -> DatasetInfo:
    """An entry for a generated sequence dataset, a fifth held out."""
    return DatasetInfo(
        description=description,
        input_kind="sequence",
        task=task,
        default_n_samples=n_samples,
        default_val_fraction=0.2,
        default_seq_len=seq_len,
        max_classes=2,
        uses=with_flip(SEQUENCE_USES, task),
        build=build,
        label_at_start=label_at_start,
    )


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
    "digits": image_set(
        "Handwritten digits, 8×8 pixels (scikit-learn's 1,797 images).", build_digits
    ),
    "mnist": image_set(
        "Handwritten digits, 28×28 pixels (a bundled 14,000-image MNIST subset).", build_mnist
    ),
    "shifted_digits": image_set(
        "The 8×8 digits, each at a random place on a 12×12 canvas: a convolution finds a "
        "stroke wherever it is, a dense layer must learn each place apart.",
        build_shifted_digits,
        test=False,
    ),
    "dots": DatasetInfo(
        description="Two dots on a 16×16 canvas: close (3-4 pixels apart) or far (8 or "
        "more)? One 3×3 filter never sees both; stacked convolutions and pooling do.",
        input_kind="image",
        task="binary",
        default_n_samples=2000,
        default_val_fraction=0.2,
        default_seq_len=None,
        max_classes=2,
        uses=("n_samples", "val_fraction", "flip", "augment"),
        build=build_dots,
    ),
    "sine": sequence_set(
        "Forecast the next value of a sine wave from a window of past values.",
        task="regression",
        n_samples=1000,
        seq_len=20,
        build=build_single_sine,
    ),
    "sum_of_sines": sequence_set(
        "Forecast the next value of a mix of two sine waves.",
        task="regression",
        n_samples=1000,
        seq_len=20,
        build=build_sum_of_sines,
    ),
    "memory": sequence_set(
        "Recall the symbol shown with the cue at step 0 after 20-times-louder others "
        "(chance 25%): an LSTM's gate shuts them out, a plain RNN's state is swamped.",
        task="multiclass",
        n_samples=2000,
        seq_len=15,
        build=build_memory,
        label_at_start=True,
    ),
    "adding": sequence_set(
        "The adding problem: sum the two marked values of a long sequence (no memory: MSE 0.167).",
        task="regression",
        n_samples=2000,
        seq_len=40,
        build=build_adding,
    ),
    "lookup": sequence_set(
        "seq_len - 1 key-value pairs (at most 8), then a key: answer its value (chance "
        "12.5%). Attention looks the pair up; a recurrent net must carry every pair to the end.",
        task="multiclass",
        n_samples=2000,
        seq_len=7,
        build=build_lookup,
    ),
    "names": DatasetInfo(
        description="Next-character prediction on US-census first names.",
        input_kind="tokens",
        task="multiclass",
        default_n_samples=None,
        default_val_fraction=0.2,
        default_seq_len=8,
        max_classes=2,
        uses=("n_samples", "val_fraction", "seq_len", "flip"),
        build=build_names,
    ),
    "csv": DatasetInfo(
        description="Your own CSV file: numeric feature columns and one target column.",
        input_kind="table",
        task="auto",
        default_n_samples=None,
        default_val_fraction=0.2,
        default_seq_len=None,
        max_classes=2,
        uses=("file", "target", "task", "val_fraction", "flip", "normalize"),
        build=build_csv,
        default_normalize=True,
    ),
}
