"""The step-driven trainer: Run, its objective and optimizers, and the probes that observe it."""

from app.train.run import Metrics, Run, RunStatus, resolve_device

__all__ = ["Metrics", "Run", "RunStatus", "resolve_device"]
