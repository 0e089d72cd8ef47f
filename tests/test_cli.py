"""The nnplayground command end to end, as a user runs it (a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main

ROOT = Path(__file__).parents[1]


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_train_xor_json_reports_val_accuracy() -> None:
    result = cli("train", "examples/xor.json", "--json")
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout.strip().splitlines()[-1])
    assert metrics["val_accuracy"] >= 0.95
    assert (metrics["state"], metrics["reason"], metrics["device"]) == ("done", "max_epochs", "cpu")
    assert metrics["epochs"] == 60


def test_train_steps_budget(tmp_path: Path) -> None:
    result = cli("train", "examples/digits-cnn.json", "--steps", "30", "--json", "--device", "cpu")
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout.strip().splitlines()[-1])
    assert metrics["steps"] == 30 and metrics["state"] == "paused"


def test_train_seed_overrides_the_specs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--seed S trains exactly what the spec with "seed": S trains, and another seed differs.
    In process (`main`, as the console script calls it): four subprocesses would each spend
    seconds importing torch."""
    spec = json.loads((ROOT / "examples" / "xor.json").read_text())
    seeded = tmp_path / "seeded.json"
    seeded.write_text(json.dumps(spec | {"seed": 7}))
    xor = str(ROOT / "examples" / "xor.json")

    def last(*args: str) -> dict[str, object]:
        assert main(["train", *args, "--steps", "20", "--json"]) == 0
        return dict(json.loads(capsys.readouterr().out.strip().splitlines()[-1]))

    by_flag = last(xor, "--seed", "7")
    by_file = last(str(seeded))
    unseeded = last(xor)
    assert by_flag["seed"] == 7 and unseeded["seed"] == 0
    drop = ("seconds", "seed")
    assert {k: v for k, v in by_flag.items() if k not in drop} == {
        k: v for k, v in by_file.items() if k not in drop
    }
    assert by_flag["train_loss"] != unseeded["train_loss"]
    assert main(["train", xor, "--seed", "-1"]) == 2
    assert "--seed must be 0 to 2147483647" in capsys.readouterr().err


def test_train_divergence_exits_1_with_null_not_nan(tmp_path: Path) -> None:
    spec = tmp_path / "boom.json"
    spec.write_text(
        json.dumps(
            {
                "data": {"dataset": "plane", "n_samples": 200},
                "model": {"layers": [{"type": "dense", "units": 8, "activation": "relu"}]},
                "train": {"optimizer": "sgd", "lr": 10, "max_epochs": 50},
            }
        )
    )
    result = cli("train", str(spec), "--json")
    assert result.returncode == 1
    last = result.stdout.strip().splitlines()[-1]
    metrics = json.loads(last, parse_constant=lambda c: pytest.fail(f"{c} in JSON output"))
    assert metrics["reason"] == "diverged" and metrics["val_loss"] is None


def test_validate_prints_shapes_and_params() -> None:
    result = cli("validate", "examples/digits-cnn.json")
    assert result.returncode == 0, result.stderr
    assert "conv2d0" in result.stdout and "16x8x8" in result.stdout
    assert "output: 10 units, softmax, loss cross_entropy" in result.stdout
    as_json = json.loads(cli("validate", "examples/digits-cnn.json", "--json").stdout)
    assert as_json["layers"][0]["output_shape"] == [16, 8, 8]
    assert as_json["total_params"] == sum(layer["params"] for layer in as_json["layers"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"train": {"lr": NaN}}', "train.lr: learning rate must be a finite number"),
        ('{"model": {"layers": [{"type": "lstm"}]}}', "model.layers.0: lstm needs a sequence"),
        ('{"data": {"dataset": "nope"}}', "data.dataset: unknown dataset 'nope'"),
        ("not json", "Invalid JSON"),
    ],
)
def test_validate_rejects_with_exit_2(tmp_path: Path, content: str, message: str) -> None:
    spec = tmp_path / "bad.json"
    spec.write_text(content)
    for command in ("validate", "train"):
        result = cli(command, str(spec))
        assert result.returncode == 2, (command, result.stderr)
        assert message in result.stderr
        assert "Traceback" not in result.stderr


def test_missing_file_is_a_clear_error() -> None:
    result = cli("validate", "no/such/spec.json")
    assert result.returncode == 2
    assert "cannot read no/such/spec.json" in result.stderr


def test_every_example_validates() -> None:
    """In-process (the command itself is tested above): every example is a valid spec that
    says what it shows."""
    from app.spec import ExperimentSpec
    from app.validation import check_spec

    examples = sorted((ROOT / "examples").rglob("*.json"))
    assert len(examples) >= 8
    for path in examples:
        spec = ExperimentSpec.model_validate_json(path.read_text())
        assert spec.description, path
        check_spec(spec)
