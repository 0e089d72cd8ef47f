"""What `nnplayground export` writes, run as a user runs it: model.py in a real Python
subprocess (--eval reproduces the run's accuracy; training from scratch learns), model.onnx
in onnxruntime against torch, and the script through ruff."""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import onnxruntime
import pytest
import torch

from app.cli import main
from app.export import FILES, export_run
from app.spec import ExperimentSpec
from app.train.run import Run

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parents[2]

# Small nets, few steps: enough to learn something, so --eval's figures mean something.
CASES: dict[str, tuple[dict[str, Any], int]] = {
    "mlp": (
        {
            "data": {
                "dataset": "spiral",
                "n_samples": 300,
                "val_fraction": 0.5,
                "normalize": True,
                "features": ["x1", "x2", "x1*x2"],
            },
            "model": {
                "layers": [
                    {"type": "dense", "units": 16, "activation": "tanh"},
                    {"type": "dropout", "p": 0.1},
                    {"type": "dense", "units": 16, "activation": "linear", "init": "he"},
                    {"type": "activation", "activation": "relu"},
                    {"type": "skip", "over": 3},  # adds the first dense layer's output back
                    {"type": "dense", "units": 16, "init": "normal", "init_value": 0.2},
                ],
                "output_init": "uniform",
                "output_init_value": 0.3,
            },
            "train": {"optimizer": "adam", "lr": 0.03, "lr_schedule": "step", "l1": 1e-4},
        },
        150,
    ),
    "cnn": (
        {
            "data": {"dataset": "digits", "val_fraction": 0.2},
            "model": {
                "layers": [
                    {"type": "conv2d", "filters": 8, "kernel": 3},
                    {"type": "batchnorm"},
                    {"type": "maxpool2d", "kernel": 2},
                    {"type": "dense", "units": 16},
                ]
            },
            "train": {
                "optimizer": "sgd",
                "lr": 0.05,
                "momentum": 0.9,
                "batch_size": 32,
                "weight_decay": 1e-3,
                "grad_clip": 5.0,
            },
        },
        40,
    ),
    "lstm": (
        {
            "data": {"dataset": "memory", "n_samples": 500, "seq_len": 4},
            "model": {"layers": [{"type": "lstm", "hidden": 16}]},
            "train": {"optimizer": "adam", "lr": 0.03, "batch_size": 32},
        },
        60,
    ),
}


@dataclass
class Exported:
    folder: Path
    metrics: dict[str, float]  # the run's own, when exported
    steps: int


@pytest.fixture(scope="module", params=list(CASES))
def exported(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Exported:
    spec, steps = CASES[request.param]
    run = Run(ExperimentSpec.model_validate(spec))
    run.step(steps)
    m = run.evaluate()
    folder = tmp_path_factory.mktemp(request.param)
    export_run(run, folder)
    return Exported(folder, {"val_loss": m.val_loss, "val_accuracy": m.val_score}, steps)


def run_script(folder: Path, *args: str) -> dict[str, Any]:
    """`python model.py ARGS` from another directory; its JSON line."""
    result = subprocess.run(
        [sys.executable, str(folder / "model.py"), *args],
        cwd=folder.parent,
        env=os.environ | {"OMP_NUM_THREADS": "1"},  # small nets: one thread is fastest
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def load_script(folder: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"exported_{folder.name}", folder / "model.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_export_writes_every_file(exported: Exported) -> None:
    assert sorted(p.name for p in exported.folder.iterdir()) == sorted(FILES)


def test_eval_prints_the_runs_own_accuracy(exported: Exported) -> None:
    printed = run_script(exported.folder, "--eval")
    assert abs(printed["val_accuracy"] - exported.metrics["val_accuracy"]) <= 0.01
    assert printed["val_loss"] == pytest.approx(exported.metrics["val_loss"], abs=1e-4)


def test_script_trains_from_scratch_and_learns(exported: Exported, tmp_path: Path) -> None:
    saved = tmp_path / "mine.safetensors"
    printed = run_script(exported.folder, "--steps", str(exported.steps), "--save", str(saved))
    assert printed["steps"] == exported.steps
    assert printed["train_loss"] < 0.9 * printed["train_loss_before"]
    # What it saved loads back into the script's model (and the export was left alone).
    script = load_script(exported.folder)
    model = script.Model()
    model.load_state_dict(script.read_safetensors(saved))
    data = script.load_data()
    val_loss, _ = script.evaluate(model, data["x_val"], data["y_val"])
    assert val_loss == pytest.approx(printed["val_loss"], abs=1e-6)
    assert (exported.folder / "weights.safetensors").stat().st_mtime < saved.stat().st_mtime


def test_onnx_gives_torchs_outputs_on_100_inputs(exported: Exported) -> None:
    script = load_script(exported.folder)
    model = script.Model()
    model.load_state_dict(script.read_safetensors(exported.folder / "weights.safetensors"))
    model.eval()
    with np.load(exported.folder / "data.npz", allow_pickle=False) as data:
        x = np.concatenate([data["x_train"], data["x_val"]])[:100]
    assert len(x) == 100
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    session = onnxruntime.InferenceSession(
        str(exported.folder / "model.onnx"), providers=["CPUExecutionProvider"]
    )
    (got,) = session.run(None, {"input": x})
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() < 1e-4


ALLOWED_IMPORTS = {"__future__", "argparse", "json", "math", "struct", "sys", "pathlib"}


def test_script_imports_only_torch_numpy_and_the_standard_library(exported: Exported) -> None:
    tree = ast.parse((exported.folder / "model.py").read_text())
    names = {alias.name for n in ast.walk(tree) if isinstance(n, ast.Import) for alias in n.names}
    names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    tops = {name.split(".")[0] for name in names}
    assert tops <= ALLOWED_IMPORTS | {"numpy", "torch"}, tops - ALLOWED_IMPORTS


def test_script_passes_ruff(exported: Exported) -> None:
    ruff = Path(sys.executable).with_name("ruff")
    script = str(exported.folder / "model.py")
    config = ["--config", str(ROOT / "pyproject.toml")]
    for command in (["check", *config, script], ["format", "--check", *config, script]):
        result = subprocess.run([ruff, *command], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_command_writes_the_folder_and_prints_metrics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "spiral.json"
    spec.write_text(json.dumps(CASES["mlp"][0]))
    out = tmp_path / "out"
    assert main(["export", str(spec), "--out", str(out), "--steps", "5", "--seed", "3"]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed["steps"] == 5 and "val_accuracy" in printed
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    assert json.loads((out / "spec.json").read_text())["seed"] == 3
