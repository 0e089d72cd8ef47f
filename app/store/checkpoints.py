"""Checkpoint files: each run's `last.safetensors`, `best.safetensors` and
`optimizer.safetensors` in a folder of its own under the checkpoints folder (beside the
SQLite database). Written to a temporary name and renamed, so a crash mid-write leaves the
previous file whole."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

RUN_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def run_folder(root: Path, run_id: str) -> Path:
    if not RUN_ID.match(run_id):  # ids come from us, but a path is built from them
        raise ValueError(f"not a run id: {run_id!r}")
    return root / run_id


def write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, path)


def copy_file(source: Path, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    shutil.copyfile(source, partial)
    os.replace(partial, target)


def remove_run_files(root: Path, run_id: str) -> None:
    shutil.rmtree(run_folder(root, run_id), ignore_errors=True)
