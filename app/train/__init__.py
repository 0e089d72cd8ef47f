"""The step-driven trainers, Run (supervised) and GanRun, their objectives and optimizers, and
the probes that observe them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.settings import DEFAULT_LIMITS, Limits
from app.spec import ExperimentSpec
from app.train.gan import GanMetrics, GanRun
from app.train.run import Metrics, Run
from app.train.trainer import RunStatus, Trainer, resolve_device

__all__ = [
    "GanMetrics",
    "GanRun",
    "Metrics",
    "Run",
    "RunStatus",
    "Trainer",
    "create_run",
    "resolve_device",
]


def create_run(
    spec: ExperimentSpec,
    device: str = "cpu",
    *,
    data: Any = None,
    data_dir: Path | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Trainer:
    """The trainer for the spec's kind (app/train/trainer.py: what both are)."""
    cls = GanRun if spec.kind == "gan" else Run
    return cls(spec, device, data=data, data_dir=data_dir, limits=limits)
