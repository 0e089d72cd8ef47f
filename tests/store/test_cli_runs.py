"""`nnplayground train SPEC --save` records a CLI run, `nnplayground runs list --json`
lists it and `nnplayground export RUN_ID` writes it out, as a user runs them (real
subprocesses on a SQLite file in a temp data dir)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from safetensors.torch import load

ROOT = Path(__file__).parents[2]
pytestmark = pytest.mark.slow  # subprocesses that import torch


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"NNP_DATA_DIR": str(data_dir)}
    env.pop("NNP_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_train_save_then_runs_list(tmp_path: Path) -> None:
    trained = cli(tmp_path, "train", "examples/xor.json", "--epochs", "3", "--save", "--json")
    assert trained.returncode == 0, trained.stderr
    result = json.loads(trained.stdout.strip().splitlines()[-1])
    listed = cli(tmp_path, "runs", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    runs = json.loads(listed.stdout)
    assert [r["id"] for r in runs] == [result["saved_as"]]
    run = runs[0]
    assert (run["kind"], run["owner"], run["status"], run["epochs"]) == ("cli", "cli", "done", 3)
    assert run["last"]["val_score"] == result["val_accuracy"]
    (last,) = (tmp_path / "checkpoints" / run["id"]).glob("last-*.safetensors")
    weights = load(last.read_bytes())
    assert weights and all(name.startswith("model.") for name in weights)
    exports_as_recorded(tmp_path, result)


def exports_as_recorded(tmp_path: Path, result: dict[str, object]) -> None:
    """`nnplayground export RUN_ID`: the recorded spec and last checkpoint, not retrained;
    the written script's --eval prints the recorded run's own accuracy."""
    out = tmp_path / "exported"
    exported = cli(tmp_path, "export", str(result["saved_as"]), "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    metrics = json.loads(exported.stdout.strip().splitlines()[-1])
    assert (metrics["steps"], metrics["val_accuracy"]) == (result["steps"], result["val_accuracy"])
    evaluated = subprocess.run(
        [sys.executable, str(out / "model.py"), "--eval"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert evaluated.returncode == 0, evaluated.stderr[-2000:]
    printed = json.loads(evaluated.stdout.strip().splitlines()[-1])
    assert abs(printed["val_accuracy"] - float(str(result["val_accuracy"]))) <= 0.01
    unknown = cli(tmp_path, "export", "nosuchrun", "--out", str(tmp_path / "none"))
    assert unknown.returncode == 2
    assert "neither a spec file nor the id of a recorded run" in unknown.stderr


def test_runs_list_on_an_empty_database_is_an_empty_array(tmp_path: Path) -> None:
    listed = cli(tmp_path, "runs", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == []
