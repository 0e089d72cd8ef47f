"""The written-out model (app/export/script.py) against the project's own: for every layer
type, the script's `Model` takes the project model's weights by name (strictly) and computes
the same outputs. Fast: no subprocess, no training."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path
from types import ModuleType
from typing import Any, get_args

import numpy as np
import pytest
import torch

from app.cli import main
from app.export import ExportError, export_run
from app.export import layers as export_layers
from app.export.script import write_script
from app.spec import LAYER_TYPES, ExperimentSpec, Init
from app.train import create_run
from app.train.run import Run

# Between them, every layer type of the spec (app/spec.py LAYER_TYPES) and every activation.
SPECS: dict[str, dict[str, Any]] = {
    "image": {
        "data": {"dataset": "digits", "n_samples": 60},
        "model": {
            "layers": [
                {"type": "conv2d", "filters": 4, "kernel": 2, "activation": "elu"},
                {"type": "batchnorm"},
                {"type": "conv2d", "filters": 4, "kernel": 3, "stride": 2, "init": "xavier"},
                {"type": "upsample", "scale": 2},
                {"type": "maxpool2d", "kernel": 2},
                {"type": "avgpool2d", "kernel": 2, "stride": 1},
                {"type": "layernorm"},
                {"type": "conv2d", "filters": 3, "kernel": 1, "padding": "valid", "init": "he"},
                {"type": "conv2d", "filters": 3, "kernel": 1, "init": "normal", "init_value": 0.2},
                {"type": "skip", "over": 1},
                {"type": "globalmaxpool"},
                {"type": "dense", "units": 5, "activation": "silu", "init": "zeros"},
                {"type": "batchnorm"},
                {"type": "dropout", "p": 0.3},
                {"type": "dense", "units": 5, "activation": "softplus"},
            ]
        },
    },
    "flat": {
        "data": {"dataset": "digits", "n_samples": 60},
        "model": {
            "layers": [
                {"type": "flatten"},
                {"type": "dense", "units": 6, "activation": "sigmoid"},
                {"type": "reshape", "shape": [2, 3]},
                {"type": "dense", "units": 4, "activation": "leaky_relu"},
                {"type": "dense", "units": 4, "activation": "linear"},
                {"type": "dense", "units": 4, "init": "constant", "init_value": -0.3},
                {"type": "activation", "activation": "tanh"},
                {"type": "skip", "over": 2},
            ],
            "output_init": "xavier",
        },
    },
    # A skip back to the network's input, on standardised points.
    "points": {
        "data": {"dataset": "spiral", "n_samples": 60, "normalize": True},
        "model": {
            "layers": [
                {"type": "dense", "units": 2, "init": "uniform", "init_value": 0.5},
                {"type": "activation", "activation": "elu"},
                {"type": "skip", "over": 2},
                {"type": "dense", "units": 2, "activation": "linear"},
                {"type": "skip", "over": 3},
            ],
            "output_init": "normal",
            "output_init_value": 0.4,
        },
    },
    "tokens": {
        "data": {"dataset": "names", "seq_len": 5, "n_samples": 80},
        "model": {
            "layers": [
                {"type": "embedding", "dim": 6},
                {"type": "attention", "heads": 2, "causal": True},
                {"type": "attention", "heads": 3, "positional": "learned"},
                {"type": "attention", "heads": 1, "positional": "none"},
                {
                    "type": "gru",
                    "hidden": 4,
                    "return_sequence": True,
                    "bidirectional": True,
                    "init": "xavier",
                },
                {"type": "batchnorm"},
                {
                    "type": "rnn",
                    "hidden": 4,
                    "layers": 2,
                    "return_sequence": True,
                    "init": "uniform",
                    "init_value": 0.4,
                },
                {"type": "lstm", "hidden": 3, "bidirectional": True, "init": "he"},
                {"type": "dense", "units": 4, "activation": "gelu"},
                {"type": "dense", "units": 4, "activation": "tanh"},
                {"type": "dense", "units": 4, "activation": "relu"},
            ],
            "output_init": "zeros",
        },
    },
}


def load_script(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"exported_{path.parent.name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_specs_cover_every_layer_type_and_activation() -> None:
    layers = [layer for s in SPECS.values() for layer in s["model"]["layers"]]
    assert {layer["type"] for layer in layers} == set(export_layers.WRITERS)
    acts = {layer.get("activation", "relu") for layer in layers}
    assert acts >= set(export_layers.ACTIVATION_CODE)
    assert set(export_layers.WRITERS) == {t.model_fields["type"].default for t in LAYER_TYPES}


def test_the_specs_cover_every_init_of_every_layer_kind_that_has_one() -> None:
    """Each init kind on some layer; dense, conv and recurrent layers and the output layer
    each with a non-default init (recurrent ones gate by gate: an lstm and a gru)."""
    layers = [layer for s in SPECS.values() for layer in s["model"]["layers"]]
    assert {layer.get("init", "default") for layer in layers} == set(get_args(Init))
    started = {layer["type"] for layer in layers if layer.get("init", "default") != "default"}
    assert started >= {"dense", "conv2d", "rnn", "lstm", "gru"}
    outputs = {s["model"].get("output_init", "default") for s in SPECS.values()}
    assert len(outputs - {"default"}) >= 3


@pytest.mark.parametrize("name", SPECS)
def test_written_model_takes_the_weights_and_computes_the_same(name: str, tmp_path: Path) -> None:
    run = Run(ExperimentSpec.model_validate(SPECS[name]))
    run.step(2)  # batch-norm statistics and weights away from their start
    path = tmp_path / "model.py"
    path.write_text(write_script(run.spec, run.model, run.report, run.task, 2))
    script = load_script(path)
    model = script.Model()
    model.load_state_dict(run.model.state_dict())  # strict: the same names and shapes
    model.eval()
    run.model.eval()
    x = run.data.x_val[:7]
    with torch.no_grad():
        assert torch.allclose(model(x), run.model(x), atol=1e-5)


@pytest.mark.parametrize("name", SPECS)
def test_written_model_starts_from_the_same_weights_as_the_run(name: str, tmp_path: Path) -> None:
    """The script seeds, then builds its layers in the project's order: from scratch it
    starts where the run started (every init kind, the output layer's included)."""
    spec = ExperimentSpec.model_validate(SPECS[name])
    run = Run(spec)
    path = tmp_path / "model.py"
    path.write_text(write_script(run.spec, run.model, run.report, run.task, 0))
    script = load_script(path)
    torch.manual_seed(spec.seed)
    fresh = script.Model().state_dict()
    for key, value in run.model.state_dict().items():
        assert torch.equal(fresh[key], value), key


def test_a_layer_type_without_a_writer_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(export_layers.WRITERS, "gru")
    run = Run(ExperimentSpec.model_validate(SPECS["tokens"]))
    with pytest.raises(ExportError) as caught:
        write_script(run.spec, run.model, run.report, run.task, 0)
    assert caught.value.field == "model.layers.4"
    assert "layer type 'gru' cannot be written out" in caught.value.message


def test_a_gan_is_refused_in_words(tmp_path: Path) -> None:
    spec = ExperimentSpec.model_validate({"kind": "gan", "gan": {}, "data": {"dataset": "ring"}})
    with pytest.raises(ExportError, match="a gan run cannot be exported yet"):
        export_run(create_run(spec), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_script_scores_regression_with_r2(tmp_path: Path) -> None:
    run = Run(ExperimentSpec.model_validate({"data": {"dataset": "plane", "n_samples": 40}}))
    path = tmp_path / "model.py"
    path.write_text(write_script(run.spec, run.model, run.report, run.task, 0))
    script = load_script(path)
    y = run.data.y_val
    assert math.isclose(script.score_fn(y, y), 1.0)
    assert math.isclose(script.loss_fn(y + 1, y).item(), 1.0)  # mean squared error


def test_the_command_refuses_what_it_cannot_export_in_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "gan.json"
    spec.write_text(json.dumps({"kind": "gan", "gan": {}, "data": {"dataset": "ring"}}))
    out = tmp_path / "out"
    assert main(["export", str(spec), "--out", str(out), "--steps", "1"]) == 2
    assert main(["export", str(spec), "--out", str(out), "--steps", "-1"]) == 2
    assert main(["export", str(spec), "--out", str(out), "--seed", str(2**31)]) == 2
    err = capsys.readouterr().err
    assert "error: kind: a gan run cannot be exported yet, only supervised" in err
    assert "error: --steps must be 0 to 10,000,000" in err
    assert "error: --seed must be 0 to 2147483647" in err
    assert "Traceback" not in err and not out.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"dataset": "spiral", "n_samples": 60, "normalize": True, "features": ["x1", "x1^2"]},
        {"dataset": "csv", "file": "rows.csv", "target": "y"},  # csv standardises by default
    ],
    ids=["points", "csv"],
)
def test_exported_data_is_standardised_as_the_runs(data: dict[str, Any], tmp_path: Path) -> None:
    """data.normalize: data.npz holds the inputs the run trained on, each feature shifted
    and scaled by the training split's mean and standard deviation (the validation split by
    the training split's too), and model.py says so."""
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    rows = [f"{i % 7},{(i * i) % 11 * 100},{i % 2}" for i in range(40)]
    (uploads / "rows.csv").write_text("a,b,y\n" + "\n".join(rows) + "\n")
    run = Run(ExperimentSpec.model_validate({"data": data}), data_dir=tmp_path)
    export_run(run, tmp_path / "out", steps=1)
    with np.load(tmp_path / "out" / "data.npz", allow_pickle=False) as saved:
        x_train, x_val = saved["x_train"], saved["x_val"]
    assert np.array_equal(x_train, run.data.x_train.numpy())
    assert np.array_equal(x_val, run.data.x_val.numpy())
    np.testing.assert_allclose(x_train.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(x_train.std(axis=0), 1.0, atol=1e-4)
    raw = Run(
        ExperimentSpec.model_validate({"data": data | {"normalize": False}}), data_dir=tmp_path
    )
    raw_train, raw_val = raw.data.x_train.numpy(), raw.data.x_val.numpy()
    mean, std = raw_train.mean(axis=0), raw_train.std(axis=0)
    np.testing.assert_allclose(x_val, (raw_val - mean) / std, atol=1e-4)
    assert "standardised with the training split's" in (tmp_path / "out" / "model.py").read_text()
