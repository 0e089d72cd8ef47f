"""The step-driven trainers, Run (supervised) and GanRun, their objectives and optimizers, and
the probes that observe them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.settings import DEFAULT_LIMITS, Limits
from app.spec import ExperimentSpec
from app.train.gan import GanMetrics, GanRun
from app.train.run import Metrics, Run, RunStatus, resolve_device

__all__ = ["GanMetrics", "GanRun", "Metrics", "Run", "RunStatus", "create_run", "resolve_device"]


def create_run(
    spec: ExperimentSpec,
    device: str = "cpu",
    *,
    data: Any = None,
    data_dir: Path | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Run | GanRun:
    """The trainer for the spec's kind; both have the same step/set/reset/observe API."""
    cls = GanRun if spec.kind == "gan" else Run
    return cls(spec, device, data=data, data_dir=data_dir, limits=limits)
