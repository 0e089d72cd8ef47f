"""Reading weights a user sends (`nnplayground train --init-weights FILE`): safetensors only,
never pickle, and checked against the model before anything is allocated.

The 8-byte header length is bounded before the header is read, and every tensor's name,
dtype, shape and byte range is checked against the model's state_dict before any tensor
data is read; the file must hold exactly those bytes. Only then is the data read, once.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import torch
from torch import nn

MAX_HEADER_BYTES = 1 << 20  # 1 MiB: about 10,000 tensors' entries
# safetensors' dtype names for the dtypes a model's state holds.
DTYPE_NAMES = {torch.float32: "F32", torch.int64: "I64", torch.float64: "F64"}
NUMPY_DTYPES = {"F32": "<f4", "I64": "<i8", "F64": "<f8"}


class WeightsFileError(ValueError):
    """The file cannot be the model's weights; the message names the tensor and the limit."""


def load_weights(model: nn.Module, path: Path) -> None:
    """Copies the weights in the safetensors file at `path` into `model` (its every
    parameter and buffer, by name); raises WeightsFileError, changing nothing, when the
    file does not fit the model exactly."""
    try:
        with path.open("rb") as file:
            tensors = read_checked(file, _file_size(file), model.state_dict())
    except OSError as e:
        raise WeightsFileError(f"cannot read {path}: {e.strerror}") from None
    model.load_state_dict(tensors)


def read_checked(
    file: BinaryIO, size: int, expected: dict[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """The tensors of a safetensors file of `size` bytes, each checked against `expected`
    (name -> a tensor of the dtype and shape it must have) before its data is read."""
    head = file.read(8)
    if len(head) < 8:
        raise WeightsFileError(
            f"the file is {size} bytes: too short for safetensors' 8-byte header length"
        )
    (header_bytes,) = struct.unpack("<Q", head)
    if header_bytes > MAX_HEADER_BYTES:
        raise WeightsFileError(
            f"the header length says {header_bytes:,} bytes; the limit is {MAX_HEADER_BYTES:,}"
        )
    if 8 + header_bytes > size:
        raise WeightsFileError(
            f"the file is truncated: its header needs {header_bytes:,} bytes, "
            f"only {size - 8:,} follow the length"
        )
    header = _parse_header(file.read(header_bytes))
    spans = _check_entries(header, expected)
    data_bytes = size - 8 - header_bytes
    needed = sum(end - start for start, end in spans.values())
    if data_bytes != needed:
        words = "truncated" if data_bytes < needed else "too long"
        raise WeightsFileError(
            f"the file is {words}: its tensors need {needed:,} bytes after the header, "
            f"it has {data_bytes:,}"
        )
    data = file.read(needed)
    return {
        name: _tensor(data[start:end], header[name]["dtype"], expected[name].shape)
        for name, (start, end) in spans.items()
    }


def _parse_header(raw: bytes) -> dict[str, Any]:
    try:
        header = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise WeightsFileError("the header is not JSON: not a safetensors file") from None
    if not isinstance(header, dict):
        raise WeightsFileError("the header is not a JSON object: not a safetensors file")
    header.pop("__metadata__", None)
    return header


def _check_entries(
    header: dict[str, Any], expected: dict[str, torch.Tensor]
) -> dict[str, tuple[int, int]]:
    """Each tensor's (start, end) in the data, once its name, dtype, shape and range fit."""
    extra = [name for name in header if name not in expected]
    if extra:
        raise WeightsFileError(
            f"tensor {_shown(extra[0])} is not in the model ({len(extra)} such in all); "
            f"the model's tensors are {_listing(expected)}"
        )
    missing = [name for name in expected if name not in header]
    if missing:
        want = expected[missing[0]]
        raise WeightsFileError(
            f"tensor {missing[0]} ({_describe(want)}) is missing from the file "
            f"({len(missing)} missing in all)"
        )
    spans = {name: _check_entry(name, header[name], expected[name]) for name in expected}
    ordered = sorted(spans.items(), key=lambda item: item[1])
    position = 0
    for name, (start, end) in ordered:  # back to back from 0, as safetensors writes them
        if start != position:
            raise WeightsFileError(
                f"tensor {name}: its data starts at byte {start:,}, not {position:,}: "
                "tensors overlap or leave gaps"
            )
        position = end
    return spans


def _check_entry(name: str, entry: Any, want: torch.Tensor) -> tuple[int, int]:
    if not isinstance(entry, dict):
        raise WeightsFileError(f"tensor {name}: its header entry is not an object")
    dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
    if dtype != DTYPE_NAMES.get(want.dtype):
        raise WeightsFileError(
            f"tensor {name}: dtype {_shown(dtype)} does not fit the model's "
            f"{DTYPE_NAMES.get(want.dtype, str(want.dtype))}"
        )
    if not (isinstance(shape, list) and shape == list(want.shape)):
        raise WeightsFileError(
            f"tensor {name}: shape {_shown(shape)} does not fit the model's {list(want.shape)}"
        )
    if not (
        isinstance(offsets, list)
        and len(offsets) == 2
        and all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
    ):
        raise WeightsFileError(f"tensor {name}: data_offsets must be two whole numbers")
    start, end = offsets
    size = math.prod(want.shape) * want.element_size()
    if start < 0 or end - start != size:
        raise WeightsFileError(
            f"tensor {name}: data_offsets {_shown(offsets)} span {end - start:,} bytes; "
            f"a {_describe(want)} tensor is {size:,}"
        )
    return start, end


def _tensor(raw: bytes, dtype: str, shape: torch.Size) -> torch.Tensor:
    array = np.frombuffer(raw, dtype=NUMPY_DTYPES[dtype]).reshape(tuple(shape))
    return torch.from_numpy(array.copy())  # a copy: frombuffer's array is read-only


def _file_size(file: BinaryIO) -> int:
    file.seek(0, 2)
    size = file.tell()
    file.seek(0)
    return size


def _describe(t: torch.Tensor) -> str:
    return f"{DTYPE_NAMES.get(t.dtype, t.dtype)} {list(t.shape)}"


def _shown(value: object, most: int = 60) -> str:
    """A value from the file, for an error message: never the whole of a long one."""
    text = repr(value)
    return text if len(text) <= most else text[:most] + "..."


def _listing(expected: dict[str, torch.Tensor], most: int = 12) -> str:
    names = list(expected)
    shown = ", ".join(names[:most])
    return shown if len(names) <= most else f"{shown}... ({len(names)} in all)"
