"""Export a trained run as a standalone PyTorch script with its data, weights (safetensors),
spec and ONNX file (`nnplayground export`, docs/runs.md)."""

from __future__ import annotations

from app.export.bundle import FILES, export_run, zip_folder, zip_from_state
from app.export.layers import ExportError

__all__ = ["FILES", "ExportError", "export_run", "zip_folder", "zip_from_state"]
