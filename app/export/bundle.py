"""A trained run -> the export folder: model.py, data.npz, weights.safetensors, spec.json and
model.onnx. The ONNX file is traced from the written model.py itself (loaded with the
weights), so a script whose layers or names did not match the weights fails here, at export,
not later on a user's machine."""

from __future__ import annotations

import importlib.util
import io
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import save_file

from app.export.layers import ExportError
from app.export.script import write_script
from app.settings import Limits
from app.spec import ExperimentSpec
from app.train.run import Run

FILES = ("model.py", "data.npz", "weights.safetensors", "spec.json", "model.onnx")


def export_run(run: Any, out: Path, *, steps: int | None = None) -> list[Path]:
    """Writes the run's export folder at `out` (created if needed); returns the files.
    Raises ExportError when the run cannot be written out (a GAN, a layer with no writer)."""
    if not isinstance(run, Run):
        raise ExportError("kind", "a gan run cannot be exported yet, only supervised")
    steps = max(1, run.step_count if steps is None else steps)  # what `model.py` trains
    script = write_script(run.spec, run.model, run.report, run.task, steps)
    out.mkdir(parents=True, exist_ok=True)
    (out / "model.py").write_text(script)
    (out / "spec.json").write_text(run.spec.model_dump_json(indent=2) + "\n")
    np.savez(
        out / "data.npz",
        x_train=run.data.x_train.numpy(),
        y_train=run.data.y_train.numpy(),
        x_val=run.data.x_val.numpy(),
        y_val=run.data.y_val.numpy(),
    )
    save_file(state_tensors(run.model.state_dict()), out / "weights.safetensors")
    write_onnx(out, run.data.x_val[:2])
    return [out / name for name in FILES]


def zip_from_state(state: dict[str, Any], data_dir: Path | None, limits: Limits) -> bytes:
    """The export of a live run as one zip, from its worker's StateEvent dict (its spec,
    step and raw tensors; app/protocol.py): the spec's data and model rebuilt here, the
    weights put in, the folder written to a temporary directory and zipped."""
    spec = ExperimentSpec.model_validate(state["spec"])
    run = Run(spec, "cpu", data_dir=data_dir, limits=limits)
    run.model.load_state_dict(
        {
            name: torch.from_numpy(
                np.frombuffer(raw["data"], dtype=np.dtype(raw["dtype"]).newbyteorder("<"))
                .reshape(raw["shape"])
                .copy()
            )
            for name, raw in state["tensors"].items()
        }
    )
    with tempfile.TemporaryDirectory(prefix="nnp-export-") as folder:
        export_run(run, Path(folder), steps=state["step"])
        return zip_folder(Path(folder))


def state_tensors(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A state_dict as safetensors wants it: on the CPU, contiguous, sharing no memory."""
    return {name: t.detach().cpu().contiguous().clone() for name, t in state.items()}


def write_onnx(out: Path, example: torch.Tensor) -> None:
    """model.onnx from out/model.py and out/weights.safetensors, with a dynamic batch size."""
    module = _load_script(out / "model.py")
    model = module.Model()
    model.load_state_dict(module.read_safetensors(out / "weights.safetensors"))  # strict
    model.eval()
    with warnings.catch_warnings():
        # The TorchScript exporter is deprecated in favour of torch.export's, which needs
        # onnxscript and does not yet take every layer here (LSTM state); its tracer also
        # warns about Python control flow, which is fixed per model. The tests compare
        # onnxruntime's outputs with torch's instead.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (example,),
            str(out / "model.onnx"),
            dynamo=False,
            input_names=["input"],
            output_names=["logits"],
            dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
        )


def _load_script(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"nnp_export_{id(path)}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def zip_folder(folder: Path) -> bytes:
    """The export folder's files as one zip (what the page's Export button downloads)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in FILES:
            archive.write(folder / name, name)
    return buffer.getvalue()
