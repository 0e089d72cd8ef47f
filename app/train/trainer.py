"""What every trainer is, whichever kind of run it trains: its status, the lifecycle they
share (`Lifecycle`), and the API the worker, the CLI and the lessons drive (`Trainer`),
which `Run` (supervised, app/train/run.py) and `GanRun` (app/train/gan.py) implement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

import torch

from app.spec import ExperimentSpec

State = Literal["ready", "running", "paused", "done"]
DoneReason = Literal["max_epochs", "max_steps", "early_stopped", "diverged", "failed"]


@dataclass
class RunStatus:
    state: State
    step: int
    epoch: int
    reason: DoneReason | None = None
    detail: str = ""  # for a person: why it stopped, at which step


def resolve_device(device: str) -> torch.device:
    """'auto' -> CUDA when present, else CPU; 'cuda' without a GPU is a clear error."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for but no CUDA GPU is available")
    return torch.device(device)


class Lifecycle:
    """Ready, running (whoever drives the run sets `running`: the worker's play and pause),
    paused, or done for a reason a person can read."""

    running: bool
    step_count: int
    epoch: int
    _done: tuple[DoneReason, str] | None

    @property
    def status(self) -> RunStatus:
        if self._done:
            return RunStatus("done", self.step_count, self.epoch, *self._done)
        state: State = "running" if self.running else "ready" if self.step_count == 0 else "paused"
        return RunStatus(state, self.step_count, self.epoch)

    @property
    def done(self) -> bool:
        return self._done is not None

    def fail(self, detail: str) -> None:
        """Ends the run as failed (the worker calls this when something outside it breaks)."""
        self._done = ("failed", detail)
        self.running = False


class TrainerData(Protocol):
    """What the drivers read of any run's data (app/data: Dataset and GanData)."""

    @property
    def input_kind(self) -> str: ...  # points, image, sequence, tokens, table


class Trainer(Protocol):
    """A run as its drivers see it: step it, change its hot settings, reset it, look at it."""

    spec: ExperimentSpec
    device: torch.device
    running: bool
    step_count: int
    epoch: int

    @property
    def data(self) -> TrainerData: ...
    @property
    def history(self) -> Sequence[Any]: ...  # one entry of metrics per epoch
    @property
    def status(self) -> RunStatus: ...
    @property
    def done(self) -> bool: ...
    @property
    def best_epoch(self) -> int | None: ...
    @property
    def steps_per_epoch(self) -> int: ...
    @property
    def step_limit(self) -> int | None: ...  # the steps its spec allows, when it says

    def step(self, n: int = 1) -> int: ...
    def set(self, **hot: Any) -> None: ...
    def reset(self, seed: int | None = None) -> None: ...
    def fail(self, detail: str) -> None: ...
    def observe(self, *views: str, **options: Any) -> dict[str, Any]: ...


if TYPE_CHECKING:  # mypy checks here that both trainers implement the protocol

    def _both_are_trainers(run: Run, gan: GanRun) -> tuple[Trainer, Trainer]:
        return run, gan

    from app.train.gan import GanRun
    from app.train.run import Run
