"""`csv`: a user's uploaded CSV file, x (N, F) float32 standardized by training statistics.

The first row names the columns. One column is the target (`data.target`, default the last);
every other column is a numeric feature. Reading is bounded: the file's size, rows and columns
are checked against `Limits` while reading, and reading stops at the first excess. Every error
says where and what is wrong; a row number is the file's line number (the header is usually
row 1), as a spreadsheet shows it.

Task inference (`data.task` = "auto"): a numeric target with only integer values and at most
`MAX_AUTO_CLASSES` distinct values is a class label (binary for two values, else multiclass);
any other numeric target is regression; a non-numeric target is a class label if it has at
most `MAX_AUTO_CLASSES` distinct values. Regression targets are kept in their own units.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, TypeVar

import numpy as np
import torch

from app.data.base import DataError, Dataset, Task
from app.data.request import DataRequest
from app.data.splits import split_indices, take
from app.settings import Limits

TaskChoice = Literal["auto", "binary", "multiclass", "regression"]
MIN_ROWS = 10
MAX_AUTO_CLASSES = 20  # distinct target values up to which "auto" means classification
MAX_CLASSES = 100  # distinct values an explicit binary/multiclass target may have
FILE, TARGET, TASK = "data.file", "data.target", "data.task"


class RowReader(Protocol):
    """What we use of `csv.reader`: its rows and the file line the last row ended on."""

    line_num: int

    def __iter__(self) -> Iterator[list[str]]: ...

    def __next__(self) -> list[str]: ...


@dataclass(frozen=True)
class Table:
    """A parsed CSV, before splitting: numeric features and the target, encoded for `task`."""

    feature_names: list[str]
    features: np.ndarray  # (N, F) float64
    target: np.ndarray  # (N,) int64 class ids, or (N,) float64 regression values
    task: Task
    class_names: list[str]  # class id -> the target's value as written; empty for regression
    columns: list[str]  # every column name, in the file's order
    target_column: str


def describe_size(n_bytes: int) -> str:
    """A byte count as people read it: "5 MB", "64 KB", "100 bytes" (1 MB = 1024 KB)."""
    for unit, size in (("MB", 1024**2), ("KB", 1024)):
        if n_bytes >= size:
            return f"{n_bytes / size:.3g} {unit}"
    return f"{n_bytes} bytes"


def too_large(limits: Limits) -> str:
    """The words that refuse a file over the size limit."""
    return f"the file is over {describe_size(limits.max_csv_bytes)}, the limit"


def parse_number(text: str, row: int, column: str) -> float:
    """One cell as a finite float, or a DataError naming the row and column."""
    cell = text.strip()
    if not cell:
        raise DataError(f"row {row}, column '{column}': the cell is empty", field=FILE)
    try:
        value = float(cell)
    except ValueError:
        raise DataError(f"row {row}, column '{column}': '{cell}' is not a number", FILE) from None
    if not math.isfinite(value):
        raise DataError(f"row {row}, column '{column}': '{cell}' is not a finite number", FILE)
    return value


def read_header(reader: RowReader, limits: Limits) -> list[str]:
    """The column names of the first row, checked: present, named, distinct, not too many."""
    header = next((row for row in reader if any(cell.strip() for cell in row)), None)
    if header is None:
        raise DataError("the file is empty: expected a header row naming the columns", FILE)
    names = [cell.strip() for cell in header]
    if len(names) > limits.max_csv_columns:
        raise DataError(
            f"the file has {len(names)} columns; at most {limits.max_csv_columns} are allowed", FILE
        )
    if len(names) < 2:
        raise DataError("the file needs at least two columns: a feature and a target", FILE)
    if all(is_number(name) for name in names):
        raise DataError("row 1 should be a header naming the columns, but it holds numbers", FILE)
    for index, name in enumerate(names, start=1):
        if not name:
            raise DataError(f"row 1: column {index} has no name", FILE)
        if names.index(name) != index - 1:
            raise DataError(f"row 1: the column name '{name}' appears more than once", FILE)
    return names


def is_number(text: str) -> bool:
    """Whether `text` reads as a float."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_rows(
    reader: RowReader,
    names: list[str],
    target: str,
    limits: Limits,
) -> tuple[list[list[float]], list[tuple[int, str]]]:
    """Feature rows as floats and (row number, raw target cell) pairs; blank lines skipped."""
    features: list[list[float]] = []
    targets: list[tuple[int, str]] = []
    columns = [(i, name) for i, name in enumerate(names) if name != target]
    target_index = names.index(target)
    for row in reader:
        row_number = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(features) == limits.max_csv_rows:
            raise DataError(f"the file has more than {limits.max_csv_rows} data rows", FILE)
        if len(row) != len(names):
            raise DataError(
                f"row {row_number} has {len(row)} cells, but the header names {len(names)}", FILE
            )
        features.append([parse_number(row[i], row_number, name) for i, name in columns])
        targets.append((row_number, row[target_index].strip()))
    return features, targets


def check_filled(cells: list[tuple[int, str]], column: str) -> None:
    """Raise a DataError naming the first empty target cell, if any."""
    for row, cell in cells:
        if not cell:
            raise DataError(f"row {row}, column '{column}': the cell is empty", FILE)


def choose_task(cells: list[tuple[int, str]], column: str, task: TaskChoice) -> Task:
    """The task for these (filled) target cells: `task` itself, or inferred when "auto"."""
    if task != "auto":
        return task
    distinct = {cell for _, cell in cells}
    not_numbers = [(row, cell) for row, cell in cells if not is_number(cell)]
    if not_numbers:
        if len(distinct) <= MAX_AUTO_CLASSES:
            return "binary" if len(distinct) <= 2 else "multiclass"
        row, cell = not_numbers[0]
        raise DataError(
            f"row {row}, column '{column}': '{cell}' is not a number, and with "
            f"{len(distinct)} different values the column cannot be a class label "
            f"(at most {MAX_AUTO_CLASSES})",
            TARGET,
        )
    values = {float(cell) for cell in distinct}
    if len(values) > MAX_AUTO_CLASSES or not all(v.is_integer() for v in values):
        return "regression"  # non-finite values fail later, naming their row
    return "binary" if len(values) <= 2 else "multiclass"


def encode_classes(
    cells: list[tuple[int, str]], column: str, task: Task
) -> tuple[np.ndarray, list[str]]:
    """Class ids (N,) int64 and class names, sorted numerically when all values are numbers."""
    if all(is_number(cell) for _, cell in cells):
        return index_classes([parse_number(cell, row, column) for row, cell in cells], column, task)
    return index_classes([cell for _, cell in cells], column, task)


Key = TypeVar("Key", float, str)


def index_classes(keys: list[Key], column: str, task: Task) -> tuple[np.ndarray, list[str]]:
    """Each key's rank among the distinct sorted keys, checked against the task."""
    distinct = sorted(set(keys))
    wanted = "exactly 2" if task == "binary" else f"2 to {MAX_CLASSES}"
    if len(distinct) < 2 or len(distinct) > MAX_CLASSES or (task == "binary" and len(distinct) > 2):
        raise DataError(
            f"a {task} target needs {wanted} different values; column '{column}' has "
            f"{len(distinct)}",
            TASK if len(distinct) >= 2 else TARGET,
        )
    index = {key: i for i, key in enumerate(distinct)}
    ids = np.array([index[key] for key in keys], dtype=np.int64)
    return ids, [format_class(key) for key in distinct]


def format_class(key: float | str) -> str:
    """A class value as a label: integral numbers without a trailing '.0'."""
    if isinstance(key, float) and key.is_integer():
        return str(int(key))
    return str(key)


def read_table(
    text: str, target: str | None, limits: Limits
) -> tuple[list[str], str, list[list[float]], list[tuple[int, str]]]:
    """Column names, the target column, feature rows and raw target cells, read from `text`."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    try:
        names = read_header(reader, limits)
        column = names[-1] if target is None else target.strip()
        if column not in names:
            listed = ", ".join(f"'{name}'" for name in names)
            raise DataError(f"there is no column '{column}'; the columns are {listed}", TARGET)
        features, cells = read_rows(reader, names, column, limits)
    except csv.Error as error:
        hint = " (is a quote left open?)" if "end of data" in str(error) else ""
        raise DataError(f"row {reader.line_num}: {error}{hint}", FILE) from None
    return names, column, features, cells


def parse_csv(text: str, target: str | None, task: TaskChoice, limits: Limits) -> Table:
    """Parse CSV text (the whole file, already decoded) into a Table, or raise DataError.

    `target` names the target column (None: the last column); `task` is the spec's choice.
    """
    # Every character takes at least one byte: skip encoding a text already too long.
    size = len(text) if len(text) > limits.max_csv_bytes else len(text.encode("utf-8"))
    if size > limits.max_csv_bytes:
        raise DataError(too_large(limits), FILE)
    names, column, features, cells = read_table(text, target, limits)
    if len(features) < MIN_ROWS:
        found = "1 data row" if len(features) == 1 else f"{len(features)} data rows"
        raise DataError(f"the file has {found}; at least {MIN_ROWS} are needed", FILE)
    check_filled(cells, column)
    chosen = choose_task(cells, column, task)
    if chosen == "regression":
        y = np.array([parse_number(cell, row, column) for row, cell in cells])
        class_names: list[str] = []
    else:
        y, class_names = encode_classes(cells, column, chosen)
    return Table(
        feature_names=[name for name in names if name != column],
        features=np.array(features, dtype=np.float64),
        target=y,
        task=chosen,
        class_names=class_names,
        columns=names,
        target_column=column,
    )


def read_upload(data_dir: Path | None, file: str | None, limits: Limits) -> str:
    """The text of upload `file` in `data_dir / "uploads"`, read no further than the limit.

    Only a plain file name is accepted: no folders, no '..', no links out of the directory.
    """
    if data_dir is None:
        raise DataError("CSV data needs a data directory, and none is configured", FILE)
    if file is None:
        raise DataError("choose an uploaded CSV file for the csv dataset", FILE)
    if file in ("", ".", "..") or any(c in file for c in "/\\:\0") or Path(file).name != file:
        raise DataError(f"'{file}' is not a plain file name", FILE)
    uploads = data_dir / "uploads"
    path = uploads / file
    if path.is_symlink() or not path.is_file() or path.resolve().parent != uploads.resolve():
        raise DataError(f"there is no uploaded file named '{file}'", FILE)
    with open(path, "rb") as stream:
        raw = stream.read(limits.max_csv_bytes + 1)
    return decode_csv(raw, limits)


def decode_csv(raw: bytes, limits: Limits) -> str:
    """The text of a CSV file's bytes: refused if over the size limit or not UTF-8 (what
    spreadsheets call "CSV UTF-8"; plain ASCII is UTF-8 too)."""
    if len(raw) > limits.max_csv_bytes:
        raise DataError(too_large(limits), FILE)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataError(
            f"the file is not UTF-8 text (byte {error.start + 1} is not valid UTF-8): save it "
            'as "CSV UTF-8"',
            FILE,
        ) from None


def standardize(features: np.ndarray, train: np.ndarray) -> np.ndarray:
    """Features shifted and scaled by the training rows' mean and standard deviation; a
    constant column is only shifted."""
    mean = features[train].mean(axis=0)
    std = features[train].std(axis=0)
    return (features - mean) / np.where(std > 0, std, 1.0)


def build_csv(req: DataRequest) -> Dataset:
    """Read, parse, split and (unless `data.normalize` is false) standardize the uploaded CSV
    named by `data.file`."""
    text = read_upload(req.data_dir, req.spec.file, req.limits)
    table = parse_csv(text, req.spec.target, req.spec.task, req.limits)
    _, split_rng = req.rngs()
    train, val = split_indices(len(table.target), req.val_fraction, split_rng)
    x = standardize(table.features, train) if req.normalize else table.features
    is_regression = table.task == "regression"
    y = table.target[:, None] if is_regression else table.target
    y_dtype = torch.float32 if is_regression else torch.int64
    n_classes = len(table.class_names)
    return Dataset(
        x_train=take(x, train, torch.float32),
        y_train=take(y, train, y_dtype),
        x_val=take(x, val, torch.float32),
        y_val=take(y, val, y_dtype),
        task=table.task,
        input_kind="table",
        input_shape=(len(table.feature_names),),
        class_names=table.class_names,
        output_dim=n_classes if table.task == "multiclass" else 1,
        feature_names=table.feature_names,
    )
