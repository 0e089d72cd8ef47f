"""CSV uploads: parsing, task inference, standardization, and every refusal with its words."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from app.data import DataError, build_dataset, parse_csv, read_upload
from app.settings import DEFAULT_LIMITS, Limits
from app.spec import DataSpec

HEADER = "age,height,label"


def rows(n: int, label: str = "{i_mod_2}") -> str:
    """A header and `n` valid rows; `label` formats the target from i."""
    lines = [HEADER]
    for i in range(n):
        target = label.format(i_mod_2=i % 2, i_mod_3=i % 3, i=i, half=i / 2)
        lines.append(f"{20 + i},{150 + (i * 7) % 40},{target}")
    return "\n".join(lines) + "\n"


def upload(tmp_path: Path, name: str, text: str) -> Path:
    uploads = tmp_path / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / name).write_text(text)
    return tmp_path


def refusal(text: str, target: str | None = None, task: str = "auto", **limits: int) -> DataError:
    with pytest.raises(DataError) as caught:
        parse_csv(text, target, task, Limits(**limits))  # type: ignore[arg-type]
    return caught.value


@pytest.mark.parametrize(
    ("text", "target", "task", "limits", "field", "fragment"),
    [
        ("", None, "auto", {}, "data.file", "the file is empty"),
        ("\n\n", None, "auto", {}, "data.file", "the file is empty"),
        (
            "1,2,3\n" + rows(20)[len(HEADER) + 1 :],
            None,
            "auto",
            {},
            "data.file",
            "row 1 should be a header",
        ),
        (
            rows(20).replace("\n27,", "\nabc,", 1),
            None,
            "auto",
            {},
            "data.file",
            "row 9, column 'age': 'abc' is not a number",
        ),
        (
            rows(20).replace("\n21,", "\n,", 1),
            None,
            "auto",
            {},
            "data.file",
            "row 3, column 'age': the cell is empty",
        ),
        (
            rows(20).replace("\n22,", "\ninf,", 1),
            None,
            "auto",
            {},
            "data.file",
            "row 4, column 'age': 'inf' is not a finite number",
        ),
        (
            rows(20).replace("\n22,", "\nnan,", 1),
            None,
            "auto",
            {},
            "data.file",
            "row 4, column 'age': 'nan' is not a finite number",
        ),
        (
            rows(20, "{half}").replace(",3.5\n", ",NaN\n"),
            None,
            "auto",
            {},
            "data.file",
            "row 9, column 'label': 'NaN' is not a finite number",
        ),
        (
            rows(20).replace("\n23,", "\n23,1,", 1),
            None,
            "auto",
            {},
            "data.file",
            "row 5 has 4 cells, but the header names 3",
        ),
        (rows(9), None, "auto", {}, "data.file", "the file has 9 data rows; at least 10"),
        (
            rows(20),
            "weight",
            "auto",
            {},
            "data.target",
            "there is no column 'weight'; the columns are 'age', 'height', 'label'",
        ),
        (
            rows(20),
            None,
            "auto",
            {"max_csv_columns": 2},
            "data.file",
            "the file has 3 columns; at most 2 are allowed",
        ),
        (
            rows(20),
            None,
            "auto",
            {"max_csv_rows": 15},
            "data.file",
            "the file has more than 15 data rows",
        ),
        (
            rows(20),
            None,
            "auto",
            {"max_csv_bytes": 100},
            "data.file",
            "the file is over 100 bytes, the limit",
        ),
        (
            "a,a,b\n" + rows(20)[len(HEADER) + 1 :],
            None,
            "auto",
            {},
            "data.file",
            "the column name 'a' appears more than once",
        ),
        (
            "a,,b\n" + rows(20)[len(HEADER) + 1 :],
            None,
            "auto",
            {},
            "data.file",
            "row 1: column 2 has no name",
        ),
        ("label\n" + "1\n" * 20, None, "auto", {}, "data.file", "at least two columns"),
        (
            rows(20, "7"),
            None,
            "auto",
            {},
            "data.target",
            "a binary target needs exactly 2 different values; column 'label' has 1",
        ),
        (
            rows(20, "{i_mod_3}"),
            None,
            "binary",
            {},
            "data.task",
            "a binary target needs exactly 2 different values; column 'label' has 3",
        ),
        (
            rows(20, "{i_mod_2}").replace(",1\n", ",\n", 1),
            None,
            "auto",
            {},
            "data.file",
            "row 3, column 'label': the cell is empty",
        ),
        (
            rows(30, "w{i}"),
            None,
            "auto",
            {},
            "data.target",
            "row 2, column 'label': 'w0' is not a number, and with 30 different values",
        ),
        (
            rows(20, "yes"),
            None,
            "regression",
            {},
            "data.file",
            "row 2, column 'label': 'yes' is not a number",
        ),
        (
            'a,b\n"1,2\n' + "1,2\n" * 20,
            None,
            "auto",
            {},
            "data.file",
            "row 22: unexpected end of data (is a quote left open?)",
        ),
        (
            'a,b\n1,"2"x\n' + "1,2\n" * 20,
            None,
            "auto",
            {},
            "data.file",
            "row 2: ',' expected after '\"'",
        ),
    ],
)
def test_bad_csv(
    text: str, target: str | None, task: str, limits: dict[str, int], field: str, fragment: str
) -> None:
    error = refusal(text, target, task, **limits)
    assert error.field == field
    assert fragment in str(error)


def test_task_inference() -> None:
    assert parse_csv(rows(20), None, "auto", DEFAULT_LIMITS).task == "binary"
    assert parse_csv(rows(20, "{i_mod_3}"), None, "auto", DEFAULT_LIMITS).task == "multiclass"
    assert parse_csv(rows(20, "{half}"), None, "auto", DEFAULT_LIMITS).task == "regression"
    assert parse_csv(rows(30, "{i}"), None, "auto", DEFAULT_LIMITS).task == "regression"
    words = parse_csv(rows(20, "c{i_mod_3}"), None, "auto", DEFAULT_LIMITS)
    assert words.task == "multiclass" and words.class_names == ["c0", "c1", "c2"]
    forced = parse_csv(rows(20, "{i_mod_2}"), None, "regression", DEFAULT_LIMITS)
    assert forced.task == "regression" and forced.target.dtype == np.float64


def test_parse_csv_reads_what_is_written() -> None:
    text = "\ufeffx, y ,kind\r\n1.5,-2,10\r\n\r\n" + "0,1,20\r\n" * 8 + '"3","4e1",10\r\n'
    table = parse_csv(text, None, "auto", DEFAULT_LIMITS)
    assert table.feature_names == ["x", "y"] and table.class_names == ["10", "20"]
    assert table.features.shape == (10, 2)
    assert table.features[0].tolist() == [1.5, -2.0] and table.features[-1].tolist() == [3.0, 40.0]
    assert table.target.tolist() == [0] + [1] * 8 + [0]


def test_leading_blank_lines_and_row_numbers() -> None:
    text = "\n\n" + rows(20).replace("\n27,", "\nabc,", 1)
    with pytest.raises(DataError, match="row 11, column 'age': 'abc' is not a number"):
        parse_csv(text, None, "auto", DEFAULT_LIMITS)


def test_target_may_be_any_column() -> None:
    table = parse_csv(rows(21), "age", "auto", DEFAULT_LIMITS)  # 21 distinct integers
    assert table.task == "regression" and table.feature_names == ["height", "label"]
    table = parse_csv(rows(20), "age", "auto", DEFAULT_LIMITS)  # 20: still class labels
    assert table.task == "multiclass" and table.class_names[0] == "20"


def test_build_csv_standardizes_with_training_statistics(tmp_path: Path) -> None:
    data_dir = upload(tmp_path, "people.csv", rows(40, "{i_mod_3}"))
    ds = build_dataset(DataSpec(dataset="csv", file="people.csv"), 0, data_dir=data_dir)
    assert ds.task == "multiclass" and ds.input_kind == "table" and ds.output_dim == 3
    assert ds.feature_names == ["age", "height"] and ds.class_names == ["0", "1", "2"]
    assert (len(ds.x_train), len(ds.x_val)) == (32, 8)
    assert torch.allclose(ds.x_train.mean(0), torch.zeros(2), atol=1e-5)
    assert torch.allclose(ds.x_train.std(0, unbiased=False), torch.ones(2), atol=1e-5)


def test_build_csv_regression_keeps_target_units(tmp_path: Path) -> None:
    data_dir = upload(tmp_path, "r.csv", rows(40, "{half}"))
    ds = build_dataset(DataSpec(dataset="csv", file="r.csv"), 0, data_dir=data_dir)
    assert ds.task == "regression" and ds.y_train.shape == (32, 1)
    assert float(torch.cat([ds.y_train, ds.y_val]).max()) == 19.5


def test_constant_column_is_not_divided_by_zero(tmp_path: Path) -> None:
    text = "a,b,y\n" + "".join(f"{i},5,{i % 2}\n" for i in range(20))
    data_dir = upload(tmp_path, "c.csv", text)
    ds = build_dataset(DataSpec(dataset="csv", file="c.csv"), 0, data_dir=data_dir)
    assert torch.isfinite(ds.x_train).all() and (ds.x_train[:, 1] == 0).all()


@pytest.mark.parametrize(
    ("data_dir_given", "file", "fragment"),
    [
        (False, "a.csv", "needs a data directory"),
        (True, None, "choose an uploaded CSV file"),
        (True, "missing.csv", "there is no uploaded file named 'missing.csv'"),
        (True, "../secret.csv", "'../secret.csv' is not a plain file name"),
        (True, "..", "'..' is not a plain file name"),
        (True, "/etc/passwd", "is not a plain file name"),
        (True, "sub\\x.csv", "is not a plain file name"),
        (True, "link.csv", "there is no uploaded file named 'link.csv'"),
        (True, "folder.csv", "there is no uploaded file named 'folder.csv'"),
    ],
)
def test_bad_upload_names(
    tmp_path: Path, data_dir_given: bool, file: str | None, fragment: str
) -> None:
    data_dir = upload(tmp_path, "good.csv", rows(20))
    (tmp_path / "secret.csv").write_text(rows(20))
    (data_dir / "uploads" / "link.csv").symlink_to(tmp_path / "secret.csv")
    (data_dir / "uploads" / "folder.csv").mkdir()
    with pytest.raises(DataError) as caught:
        read_upload(data_dir if data_dir_given else None, file, DEFAULT_LIMITS)
    assert caught.value.field == "data.file"
    assert fragment in str(caught.value)


def test_upload_read_is_bounded(tmp_path: Path) -> None:
    data_dir = upload(tmp_path, "big.csv", rows(200))
    with pytest.raises(DataError, match="the file is over 1000 bytes, the limit"):
        read_upload(data_dir, "big.csv", Limits(max_csv_bytes=1000))
    (data_dir / "uploads" / "latin.csv").write_bytes(b"a,b\n\xe9,1\n")
    with pytest.raises(DataError, match="not UTF-8 text"):
        read_upload(data_dir, "latin.csv", DEFAULT_LIMITS)


def test_spec_level_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        build_dataset(DataSpec(dataset="csv", file="nothere.csv"), 0, data_dir=tmp_path)
    assert caught.value.field == "data.file" and "nothere.csv" in str(caught.value)
    with pytest.raises(DataError) as caught:
        build_dataset(DataSpec(dataset="csv", file="x.csv"), 0)
    assert "needs a data directory" in str(caught.value)


def test_build_csv_keeps_raw_columns_when_normalize_is_false(tmp_path: Path) -> None:
    data_dir = upload(tmp_path, "raw.csv", rows(40, "{i_mod_3}"))
    ds = build_dataset(
        DataSpec(dataset="csv", file="raw.csv", normalize=False), 0, data_dir=data_dir
    )
    ages = torch.cat([ds.x_train[:, 0], ds.x_val[:, 0]])
    assert sorted(ages.tolist()) == [float(20 + i) for i in range(40)]  # the file's values
