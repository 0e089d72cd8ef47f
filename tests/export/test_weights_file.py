"""`nnplayground train --init-weights FILE`: a safetensors file checked against the spec's
model before anything is read or allocated, and hostile files refused in words that name
the tensor and the limit (app/export/weights_file.py)."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import save_file

from app.cli import main
from app.export.weights_file import MAX_HEADER_BYTES, WeightsFileError, load_weights
from app.spec import ExperimentSpec
from app.train.run import Run

SPEC: dict[str, Any] = {
    "data": {"dataset": "xor", "n_samples": 100},
    "model": {"layers": [{"type": "dense", "units": 4}, {"type": "batchnorm"}]},
    "train": {"optimizer": "adam", "lr": 0.05},
}


def fresh_run(seed: int = 0) -> Run:
    return Run(ExperimentSpec.model_validate(SPEC | {"seed": seed}))


@pytest.fixture(scope="module")
def trained() -> Run:
    run = fresh_run()
    run.step(30)
    return run


def weights(run: Run) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone().contiguous() for k, v in run.model.state_dict().items()}


def raw_file(path: Path, header: dict[str, Any], data: bytes) -> Path:
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + data)
    return path


def split(path: Path) -> tuple[dict[str, Any], bytes]:
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8 : 8 + n]), raw[8 + n :]


def refused(path: Path) -> str:
    """The error loading `path` into a fresh run gives; the run's weights stay as they were."""
    run = fresh_run(seed=1)
    before = weights(run)
    with pytest.raises(WeightsFileError) as caught:
        load_weights(run.model, path)
    after = weights(run)
    assert all(torch.equal(before[k], after[k]) for k in before)
    return str(caught.value)


def test_weights_load_and_give_the_same_outputs(trained: Run, tmp_path: Path) -> None:
    path = tmp_path / "w.safetensors"
    save_file(weights(trained), path)
    run = fresh_run(seed=1)
    load_weights(run.model, path)
    x = trained.x_val
    trained.model.eval()
    run.model.eval()
    with torch.no_grad():
        assert torch.equal(run.model(x), trained.model(x))


def test_train_starts_from_the_file(
    trained: Run, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "w.safetensors"
    save_file(weights(trained), path)
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC | {"seed": 5}))
    args = ["train", str(spec), "--steps", "0", "--json", "--device", "cpu"]
    assert main([*args, "--init-weights", str(path)]) == 0
    loaded = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    expected = fresh_run(seed=5)
    load_weights(expected.model, path)
    figures = expected.evaluate()
    assert loaded["val_loss"] == pytest.approx(figures.val_loss, abs=1e-6)
    assert loaded["val_accuracy"] == pytest.approx(figures.val_score)
    assert loaded["val_loss"] != pytest.approx(fresh_run(seed=5).evaluate().val_loss, abs=1e-3)


def test_a_huge_header_length_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.safetensors"
    path.write_bytes(struct.pack("<Q", 2**62) + b"{}")
    message = refused(path)
    assert f"the header length says {2**62:,} bytes; the limit is {MAX_HEADER_BYTES:,}" in message


def test_a_header_longer_than_the_file_is_truncated(tmp_path: Path) -> None:
    path = tmp_path / "short.safetensors"
    path.write_bytes(struct.pack("<Q", 1000) + b"{}")
    assert "truncated: its header needs 1,000 bytes, only 2 follow" in refused(path)


def test_a_file_shorter_than_the_length_field(tmp_path: Path) -> None:
    path = tmp_path / "tiny.safetensors"
    path.write_bytes(b"\x01\x02")
    assert "too short for safetensors' 8-byte header length" in refused(path)


def test_a_pickle_is_not_a_safetensors_file(tmp_path: Path) -> None:
    path = tmp_path / "model.pt"
    torch.save({"a": torch.zeros(2)}, path)
    message = refused(path)
    assert "header" in message  # its first 8 bytes read as a length, or a non-JSON header


def test_a_wrong_shape_names_the_tensor_and_both_shapes(trained: Run, tmp_path: Path) -> None:
    tensors = weights(trained)
    tensors["dense0.linear.weight"] = torch.zeros(5, 2)
    path = tmp_path / "shape.safetensors"
    save_file(tensors, path)
    message = refused(path)
    assert "tensor dense0.linear.weight: shape [5, 2] does not fit the model's [4, 2]" in message


def test_a_wrong_dtype_is_refused(trained: Run, tmp_path: Path) -> None:
    tensors = weights(trained)
    tensors["output.linear.bias"] = tensors["output.linear.bias"].double()
    path = tmp_path / "dtype.safetensors"
    save_file(tensors, path)
    assert "tensor output.linear.bias: dtype 'F64' does not fit the model's F32" in refused(path)


def test_an_extra_tensor_is_named(trained: Run, tmp_path: Path) -> None:
    path = tmp_path / "extra.safetensors"
    save_file(weights(trained) | {"dense9.linear.weight": torch.zeros(3)}, path)
    message = refused(path)
    assert "tensor 'dense9.linear.weight' is not in the model" in message
    assert "dense0.linear.weight" in message  # what the model has


def test_a_missing_tensor_is_named(trained: Run, tmp_path: Path) -> None:
    tensors = weights(trained)
    del tensors["batchnorm1.running_var"]
    path = tmp_path / "missing.safetensors"
    save_file(tensors, path)
    assert "tensor batchnorm1.running_var (F32 [4]) is missing" in refused(path)


def test_a_truncated_file_is_refused(trained: Run, tmp_path: Path) -> None:
    path = tmp_path / "w.safetensors"
    save_file(weights(trained), path)
    path.write_bytes(path.read_bytes()[:-10])
    assert "the file is truncated: its tensors need" in refused(path)


def test_offsets_that_claim_more_than_the_tensor_are_refused(trained: Run, tmp_path: Path) -> None:
    good = tmp_path / "w.safetensors"
    save_file(weights(trained), good)
    header, data = split(good)
    header["output.linear.bias"]["data_offsets"] = [0, 2**40]
    message = refused(raw_file(tmp_path / "big.safetensors", header, data))
    assert "tensor output.linear.bias: data_offsets [0, 1099511627776] span" in message
    assert "a F32 [1] tensor is 4" in message


def test_overlapping_tensors_are_refused(trained: Run, tmp_path: Path) -> None:
    good = tmp_path / "w.safetensors"
    save_file(weights(trained), good)
    header, data = split(good)
    header["output.linear.bias"]["data_offsets"] = [0, 4]  # over another tensor's bytes
    message = refused(raw_file(tmp_path / "overlap.safetensors", header, data))
    assert "overlap or leave gaps" in message


def test_the_command_says_what_is_wrong(
    trained: Run, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tensors = weights(trained)
    tensors["dense0.linear.weight"] = torch.zeros(4, 3)
    path = tmp_path / "w.safetensors"
    save_file(tensors, path)
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC))
    assert main(["train", str(spec), "--steps", "1", "--init-weights", str(path)]) == 2
    assert main(["train", str(spec), "--init-weights", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert "error: --init-weights: tensor dense0.linear.weight: shape [4, 3]" in err
    assert "error: --init-weights: cannot read" in err and "No such file" in err
    assert "Traceback" not in err
