"""One run as a worker hosts it: the run's lifecycle as its commands drive it (play, pause,
step n, speed, reset, set), its pacing and fair turns, and what has been reported so far
(metrics, status, done); its viewer's frames are app/worker/frames.py's. Everything here
runs inside a worker process; `emit` sends events to the web process."""

from __future__ import annotations

import time
from collections import deque
from typing import Any

import numpy as np
from pydantic import ValidationError

from app.nn import SpecError
from app.protocol import (
    DoneEvent,
    ErrorEvent,
    GeneratedEvent,
    MetricsEvent,
    PredictionEvent,
    StatusEvent,
)
from app.settings import Settings
from app.spec import ExperimentSpec, format_errors
from app.train import Run, Trainer, create_run
from app.train.checkpoint import CheckpointError, capture_optimizer, capture_weights, restore
from app.train.generate import GenerateError, generate_text
from app.train.group.layout import DenseLayout, layout_of
from app.train.probes import ObserveError, check_example_input
from app.train.run import WeightEditError
from app.validation import check_spec, load_data
from app.worker.frames import Emit, FrameSchedule
from app.worker.state import state_event
from app.worker.thumbnail import ThumbnailSchedule, checkpoint_thumbnail

# The rate in status is measured over about this many seconds of wall time.
RATE_WINDOW_S = 1.0


class HostedRun:
    def __init__(self, run_id: str, run: Trainer, settings: Settings, emit: Emit) -> None:
        self.id, self.run, self.settings, self.emit = run_id, run, settings, emit
        self.playing = False
        self.pending_steps = 0  # from a `step n` command
        self.speed: float | None = None  # steps per second; None: as fast as the slice allows
        self.credit = 0.0  # steps earned at `speed` and not yet trained
        self.credit_at = time.monotonic()
        self.step_seconds = 1e-3  # running estimate of one step's cost
        # (time, step count) after each turn that trained, the last RATE_WINDOW_S and one
        # before: the wall-clock rate for status, whatever share of the worker this run gets
        self.rate_marks: deque[tuple[float, int]] = deque()
        self.used_s = 0.0  # wall time spent training, for fair turns
        self.frames = FrameSchedule(run_id, run, settings, emit, self._invalid)
        self.thumbnail = ThumbnailSchedule(run_id, run, emit)  # class mode's overview
        self.reported_points = 0  # run.history entries already sent as metrics
        self.next_status_at = 0.0
        self.next_metrics_at = 0.0
        self.started_at = time.monotonic()
        self.done_sent = False
        self.checkpoint_step = 0  # the step of the last checkpoint sent
        self.next_checkpoint_at = time.monotonic() + settings.checkpoint_s
        self.solo = False  # set when its group failed: it trains alone from then on
        self.layout: DenseLayout | None = None
        self.refresh_layout()

    @classmethod
    def open(
        cls,
        run_id: str,
        spec_dict: dict[str, Any],
        settings: Settings,
        emit: Emit,
        checkpoint: dict[str, Any] | None = None,
    ) -> HostedRun | None:
        """Builds the run (from `checkpoint`'s weights and optimizer state if given), or
        reports why it cannot be built (then returns None)."""
        try:
            spec = ExperimentSpec.model_validate(spec_dict)
            data = load_data(spec, data_dir=settings.data_dir, limits=settings.limits)
            check_spec(spec, data=data, limits=settings.limits)
            run = create_run(spec, settings.device, data=data, limits=settings.limits)
            if checkpoint is not None:
                restore(run, checkpoint["weights"], checkpoint["optimizer"])
        except (ValidationError, SpecError, CheckpointError) as e:
            # The run does not exist: `closed` tells the pool and the session so, at once.
            error = ErrorEvent(run=run_id, code="invalid", **_where(e))
            emit(error.wire() | {"closed": True})
            return None
        hosted = cls(run_id, run, settings, emit)
        # A reopened run's history is recorded already: only new points are sent, and
        # its first checkpoint is the next one it trains to.
        hosted.reported_points = len(run.history)
        hosted.checkpoint_step = run.step_count
        hosted.send_status()
        return hosted

    def refresh_layout(self) -> None:
        """Whether (and how) the run may train in a group, after anything that changed it."""
        self.layout = layout_of(self.run) if self.settings.group_runs else None

    @property
    def groupable(self) -> bool:
        """A run in slow motion trains alone: its few steps gain nothing from a group, and
        in one it would cost its groupmates its rows of every round (a 2-run group ran its
        fast member at half speed)."""
        return self.layout is not None and not self.solo and self.speed is None

    # --- commands ---

    def handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "pause":
            self.playing, self.pending_steps = False, 0
        elif kind == "resume":
            self.playing = True
            self.credit_at = time.monotonic()
            self._restart_rate()
        elif kind == "step":
            self.playing, self.pending_steps = False, message["n"]
            self._restart_rate()
        elif kind == "speed":
            self.speed, self.credit = message["steps_per_second"], 0.0
            self.credit_at = time.monotonic()
        elif kind == "reset":
            self.run.reset(message.get("seed"))
            self._restart_rate()
            self.reported_points, self.done_sent = 0, False
            self.checkpoint_step = 0
            self.pending_steps = 0
            self.refresh_layout()
            self.frames.refresh()
            self.thumbnail.refresh()
        elif kind == "set":
            self._set(message["params"])  # only the settings sent: a null one clears it
            self.refresh_layout()
        elif kind == "view":
            self._view(message)
        elif kind == "predict":
            self._predict(message)
        elif kind == "generate":
            self._generate(message)
        elif kind == "edit_weight":
            self._edit_weight(message)
        elif kind == "thumbnail":  # from the web process, never from a client
            self.thumbnail.switch(message["hz"], message["for_s"], time.monotonic())
        elif kind == "state":  # from the web process (an export), never from a client
            self.emit(state_event(self.id, self.run).wire())
            return
        self.send_status()

    def _invalid(self, field: str, message: str, view: str | None = None) -> None:
        """Tells the client that its command could not apply, and why."""
        error = ErrorEvent(run=self.id, code="invalid", field=field, message=message, view=view)
        self.emit(error.wire())

    def _supervised(self, field: str, what: str) -> Run | None:
        """The run if it is supervised; if not, tells the client that `what` needs one."""
        if not isinstance(self.run, Run):
            self._invalid(field, f"{what} is for supervised runs; a GAN has no input to give")
            return None
        return self.run

    def _view(self, message: dict[str, Any]) -> None:
        """A new view set; a given input is checked now, so a bad one keeps the old view."""
        if message.get("input") is not None:
            run = self._supervised("input", "a view's input")
            if run is None:
                return
            try:
                check_example_input(run, message["input"])
            except ObserveError as e:
                self._invalid("input", str(e))
                return
        self.frames.watch(message)

    def _edit_weight(self, message: dict[str, Any]) -> None:
        run = self._supervised("param", "editing a weight")
        if run is None:
            return
        try:
            run.edit_weight(message["param"], message["index"], message["value"])
        except WeightEditError as e:
            self._invalid(e.field, str(e))
            return
        self.frames.refresh()
        self.thumbnail.refresh()

    def _set(self, params: dict[str, Any]) -> None:
        try:
            self.run.set(**params)
        except ValidationError as e:
            first = format_errors(e, prefix=("params",))[0]
            self.emit(ErrorEvent(run=self.id, code="invalid", **first).wire())
        except ValueError as e:
            self._invalid("params", str(e))

    def _predict(self, message: dict[str, Any]) -> None:
        run = self._supervised("input", "predict")
        if run is None:
            return
        try:
            out = run.observe("predict", inputs=message["input"])["predict"]
        except (ObserveError, ValueError, TypeError) as e:
            self._invalid("input", str(e))
            return
        if run.status.reason == "diverged":  # null, never the huge numbers its weights give
            out = np.full(out.shape, np.nan)
        self.emit(PredictionEvent(run=self.id, id=message["id"], output=out.tolist()).wire())

    def _generate(self, message: dict[str, Any]) -> None:
        """Samples text from a character model; the request's id seeds the sampling."""
        run = self._supervised("generate", "text generation")
        if run is None:
            return
        try:
            text = generate_text(
                run,
                message["prefix"],
                message["length"],
                message["temperature"],
                seed=message["id"],
            )
        except GenerateError as e:
            self._invalid("generate", str(e))
            return
        self.emit(GeneratedEvent(run=self.id, id=message["id"], text=text).wire())

    # --- training, in turns ---

    @property
    def runnable(self) -> bool:
        return not self.run.done and (self.playing or self.pending_steps > 0)

    def ready(self, now: float) -> bool:
        """Whether this run may train now: runnable, and at its pace a step is due."""
        if not self.runnable:
            return False
        if self.speed is not None:  # earn credit at `speed`, at most a quarter second's worth
            earned = self.credit + (now - self.credit_at) * self.speed
            self.credit, self.credit_at = min(earned, max(1.0, self.speed * 0.25)), now
            return self.credit >= 1
        return True

    def wake_in(self, now: float) -> float:
        """Seconds until this run may train (1 s when it is not training at all)."""
        if not self.runnable:
            return 1.0
        if self.speed is not None:
            return max(0.0, (1 - self.credit) / self.speed)
        return 0.0

    def over_time(self, now: float) -> bool:
        """Ends the run when it reached the server's time limit; returns whether it did."""
        if now - self.started_at <= self.settings.run_time_limit_s:
            return False
        self.run.fail(
            f"the run reached the server's time limit of {self.settings.run_time_limit_s:.0f} s"
        )
        return True

    def allowance(self) -> int | None:
        """Steps this run may train in this turn (None: as many as the turn allows); call
        when `ready`."""
        steps = None if self.speed is None else int(self.credit)
        if self.pending_steps:
            steps = self.pending_steps if steps is None else min(steps, self.pending_steps)
        return steps

    def train_turn(self, now: float) -> None:
        """Trains alone for about one slice, or as many steps as the pace allows; call when
        ready."""
        if self.over_time(now):
            return
        steps = max(1, int(self.settings.slice_ms / 1000 / self.step_seconds))
        allowed = self.allowance()
        steps = steps if allowed is None else min(steps, allowed)
        if steps <= 0:
            return
        started = time.perf_counter()
        done = self.run.step(steps)
        elapsed = time.perf_counter() - started
        if done and elapsed / done > self.settings.run_step_limit_s:
            self.run.fail(
                f"one training step took {elapsed / done:.0f} s on this server; the limit is "
                f"{self.settings.run_step_limit_s:.0f} s: use fewer or smaller layers, or a "
                "smaller batch"
            )
        self.account(done, elapsed, elapsed)

    def account(self, done: int, used: float, elapsed: float) -> None:
        """After a turn that trained `done` steps in `elapsed` seconds, `used` of them this
        run's share (a group's turn is shared by its runs): fairness, pace, rate."""
        self.used_s += used
        if done:
            self.step_seconds = 0.7 * self.step_seconds + 0.3 * (elapsed / done)
            self._mark_rate(time.monotonic())
        if self.speed is not None:
            self.credit -= done
        if self.pending_steps:
            self.pending_steps -= done
            if self.pending_steps <= 0:
                self.pending_steps = 0
                self.next_status_at = 0.0  # report the pause at once

    # --- reporting ---

    def report(self, now: float) -> None:
        """Sends what is due: new metric points, a status, a frame, `done`."""
        history = self.run.history
        checkpoint_due = self._checkpoint_due(now)
        # Paused, stepped or done: the last points go out now; and before a checkpoint,
        # so the record holds every epoch up to the one a reopened run continues from.
        flush = not self.runnable or checkpoint_due
        if len(history) > self.reported_points and (flush or now >= self.next_metrics_at):
            points = [vars(m) for m in history[self.reported_points :]]
            self.reported_points = len(history)
            self.emit(MetricsEvent(run=self.id, points=points).wire())
            self.next_metrics_at = now + 1 / self.settings.metrics_hz
        self.frames.report(now)
        self.thumbnail.report(now)
        if checkpoint_due:
            self.send_checkpoint(now)
        if self.run.done and not self.done_sent:
            self.send_done()
        elif now >= self.next_status_at and (self.runnable or self.next_status_at == 0.0):
            self.send_status()

    # --- checkpoints (recorded by the web process: app/store) ---

    def _checkpoint_due(self, now: float) -> bool:
        """Every `checkpoint_s` while it trains, and as soon as it stops (paused, stepped,
        done) with steps not yet checkpointed."""
        if not self.settings.record_runs or self.run.step_count == self.checkpoint_step:
            return False
        periodic = self.settings.checkpoint_s > 0 and now >= self.next_checkpoint_at
        return periodic or not self.runnable

    def send_checkpoint(self, now: float) -> None:
        """The run's weights and optimizer state as safetensors bytes (a grouped run's
        tensors are views of its group's: copied here, the group goes on)."""
        self.checkpoint_step = self.run.step_count
        self.next_checkpoint_at = now + self.settings.checkpoint_s
        last = self.run.history[-1] if self.run.history else None
        self.emit(
            {
                "type": "checkpoint",
                "run": self.id,
                "step": self.run.step_count,
                "epoch": self.run.epoch,
                "val_loss": getattr(last, "val_loss", None),
                "weights": capture_weights(self.run),
                "optimizer": capture_optimizer(self.run),
                "thumbnail": checkpoint_thumbnail(self.run),  # for "My runs"
            }
        )

    # --- the rate status reports ---

    def _restart_rate(self) -> None:
        """Training starts (again) now: the rate counts from here."""
        self.rate_marks.clear()
        self.rate_marks.append((time.monotonic(), self.run.step_count))

    def _mark_rate(self, now: float) -> None:
        marks = self.rate_marks
        if not marks:
            marks.append((self.started_at, 0))
        marks.append((now, self.run.step_count))
        while len(marks) > 2 and marks[1][0] <= now - RATE_WINDOW_S:
            marks.popleft()  # the first mark stays the last one before the window

    def wall_rate(self, now: float) -> float:
        """Steps per second of wall time over about the last RATE_WINDOW_S: what the step
        counter advances, with the turns of the other runs on this worker counted in (the
        rate within a turn read 3x the truth in turbo, and 661 at slow motion 1). A run
        that stopped stepping reads lower as time passes without a step."""
        if len(self.rate_marks) < 2:
            return 0.0
        (first_at, first), (last_at, last) = self.rate_marks[0], self.rate_marks[-1]
        elapsed = max(last_at - first_at, now - last_at)
        return (last - first) / elapsed if elapsed > 0 else 0.0

    def send_done(self) -> None:
        """The run's end: its last status, then `done` with the reason; once per ending."""
        self.done_sent = True
        self.send_status()
        status = self.run.status
        done = DoneEvent(
            run=self.id,
            reason=status.reason or "failed",  # a done run always has its reason
            detail=status.detail,
            best_epoch=self.run.best_epoch,  # early stopping's pick, else null
        )
        self.emit(done.wire())

    def send_status(self) -> None:
        self.run.running = self.runnable
        status = self.run.status
        rate = round(self.wall_rate(time.monotonic()), 1) if self.runnable else 0.0
        event = StatusEvent(
            run=self.id,
            state=status.state,
            step=status.step,
            epoch=status.epoch,
            steps_per_s=rate,
            reason=status.reason,
            detail=status.detail,
        )
        self.emit(event.wire())
        self.next_status_at = time.monotonic() + 1 / self.settings.status_hz


def _where(error: ValidationError | SpecError | CheckpointError) -> dict[str, str]:
    """The first problem with a spec, as {field, message}, the field under `spec.`."""
    if isinstance(error, CheckpointError):
        return {"field": "id", "message": str(error)}
    if isinstance(error, SpecError):
        return {"field": f"spec.{error.field}", "message": error.message}
    return format_errors(error, prefix=("spec",))[0]
