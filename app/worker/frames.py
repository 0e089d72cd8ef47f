"""A hosted run's viewer: which views it watches (the `view` message), when a frame is due
(at the viewer's fps at most, slower when frames are costly, slow views paced apart by
their own cost), observing the views (or taking what the run's group computed for them:
app/worker/grouping.py) and encoding them as one binary frame (app/protocol.py). The run's
lifecycle and pacing are app/worker/hosted.py's."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from app.protocol import encode_frame
from app.settings import Settings
from app.train import Run, Trainer
from app.train.probes import ObserveError, feature_map_channels, landscape
from app.views import PER_EXAMPLE_VIEWS, PLANE_VIEWS, SLICED_VIEWS, SLOW_VIEWS, is_map

Emit = Callable[[dict[str, Any]], None]

# Any other view whose last observation took longer than this is slow too (e.g. `metrics`
# on MNIST evaluates 14,000 images: a quarter second on one CPU thread), so a big dataset
# does not hold back the cheap views a drawing pad waits for.
SLOW_VIEW_COST_S = 0.02
# The next frame waits at least this many times as long as the last one took, so frames
# cost the worker at most about a quarter of its time (the rest trains).
FRAME_COST_FACTOR = 3.0
# The slow views likewise wait this many times their own cost, so they take at most about
# a seventh of the worker's time (on MNIST: 0.4 s of passes, so about every 2.8 s).
SLOW_COST_FACTOR = 6.0


class Invalid(Protocol):
    """Tells the client that something it asked for cannot be, naming the field."""

    def __call__(self, field: str, message: str, view: str | None = None) -> None: ...


class FrameSchedule:
    def __init__(
        self, run_id: str, run: Trainer, settings: Settings, emit: Emit, invalid: Invalid
    ) -> None:
        self.id, self.run, self.settings, self.emit, self.invalid = (
            run_id,
            run,
            settings,
            emit,
            invalid,
        )
        self.view: dict[str, Any] | None = None
        self.next_frame_at = 0.0
        self.framed_step = -1  # step count of the last frame sent
        self.slow_framed_step = -1  # step count of the last frame with the slow views
        self.next_slow_at = 0.0  # when slow views may be computed again
        self.view_cost: dict[str, float] = {}  # seconds each view's last observation took
        self.prepared: dict[str, Any] = {}  # views its group computed for the next frame
        self.prepared_step = -1
        self.prepared_cost = 0.0

    def watch(self, message: dict[str, Any]) -> None:
        """A new `view` message (its input already checked); no views: no frames."""
        same_views = self.view is not None and self.view["views"] == message["views"]
        self.view = message if message["views"] else None
        self.next_frame_at = 0.0
        if same_views:  # a new sample or drawing: the slow views (val-set wide) still hold
            self.framed_step = -1
        else:
            self.next_slow_at = 0.0
            self.refresh()

    def refresh(self) -> None:
        """The next frame goes out even if no step was trained (a paused viewer sees the
        change), with the slow views as soon as they may be computed."""
        self.framed_step = self.slow_framed_step = -1
        self.prepared = {}  # computed before the change

    def report(self, now: float) -> None:
        """Sends a frame when one is due: at the viewer's fps at most, slower when frames
        are expensive, and only when the step count changed (or the view, or a weight), or
        when the slow views are due and stale."""
        view = self.view
        if view is None or not (self.due(now) or self._prepared_now()):
            return
        with_slow = self._slow_views_due(now)
        started = time.perf_counter()
        slow_cost = self.send(now, with_slow)  # may drop a view it cannot show
        fast_cost = time.perf_counter() - started - slow_cost + self.prepared_cost
        self.prepared_cost = 0.0
        period = max(1 / view["fps"], FRAME_COST_FACTOR * fast_cost)
        due = self.next_frame_at if now - self.next_frame_at < period else now  # keep cadence
        self.next_frame_at = due + period

    def due(self, now: float) -> bool:
        """Whether `report` would send a frame now (a group computes its views ahead)."""
        if self.view is None or now < self.next_frame_at:
            return False
        return self.run.step_count != self.framed_step or self._slow_views_due(now)

    def _prepared_now(self) -> bool:
        """Whether its group prepared this frame (a little ahead of time): send it now."""
        return self.prepared_step == self.run.step_count and bool(self.prepared)

    def prepare(self, views: dict[str, Any], cost: float) -> None:
        """Views its group computed for this run's next frame, at its viewer's grids and
        the current weights: the frame takes them instead of observing them again. `cost`:
        this run's share of the seconds they took, which paces its frames as their own."""
        self.prepared, self.prepared_step = views, self.run.step_count
        self.prepared_cost = cost

    def _slow_views_due(self, now: float) -> bool:
        view = self.view
        return (
            view is not None
            and any(self._is_slow(v) for v in view["views"])
            and self.run.step_count != self.slow_framed_step
            and now >= self.next_slow_at
        )

    def send(self, now: float, with_slow: bool = True) -> float:
        """Observes the viewer's views (the slow ones only if `with_slow`) and sends them as
        one frame; returns the seconds the slow views took. A view the run cannot show is
        dropped, with an error naming it. Slow and cheap views are paced apart, each by its
        own cost, so a quarter-second pass over MNIST does not slow the feature maps."""
        view = self.view
        assert view is not None
        observed: dict[str, Any] = {}
        memo: dict[str, Any] = {}  # work the views of this frame share (same weights)
        slow_cost = 0.0
        for name in view["views"]:
            slow = self._is_slow(name)
            if with_slow or not slow:
                started = time.perf_counter()
                try:
                    observed[name] = self._observe(name, view, memo)
                except ObserveError as e:
                    self._drop_view(name, str(e))
                self.view_cost[name] = time.perf_counter() - started
                slow_cost += self.view_cost[name] if slow else 0.0
        if "loss_landscape" in view["views"] and isinstance(self.run, Run):
            # The path: a point per frame (at the viewer's fps), not per slow frame.
            landscape.remember(self.run)
        step = self.run.step_count
        self.framed_step = step
        if with_slow:
            self.slow_framed_step = step
            period = max(1 / self.settings.slow_view_hz, SLOW_COST_FACTOR * slow_cost)
            self.next_slow_at = now + period
        if observed:
            slow = any(self._is_slow(name) for name in observed)  # the outbox keeps these
            frame = {"type": "frame", "run": self.id, "data": self._encode(observed)}
            self.emit(frame | {"slow": slow})
        return slow_cost

    def _is_slow(self, name: str) -> bool:
        if name in PER_EXAMPLE_VIEWS:
            return False
        return name in SLOW_VIEWS or self.view_cost.get(name, 0.0) > SLOW_VIEW_COST_S

    def _observe(self, name: str, view: dict[str, Any], memo: dict[str, Any]) -> Any:
        """One view, with the viewer's options (the output map at its own resolution)."""
        if self.prepared_step == self.run.step_count and name in self.prepared:
            return self.prepared.pop(name)
        grid = view["boundary_grid"] if name in PLANE_VIEWS else view["grid"]
        return self.run.observe(
            name,
            grid=grid,
            sample=view["sample"],
            inputs=view.get("input"),
            max_maps=self.settings.frame_max_maps,
            max_map_size=self.settings.frame_max_map_size,
            memo=memo,
        )[name]

    def _drop_view(self, name: str, why: str) -> None:
        """Stops sending a view the run cannot show; the others go on."""
        self.invalid("views", f"{name}: {why}", view=name)
        assert self.view is not None
        views = [v for v in self.view["views"] if v != name]
        self.view = {**self.view, "views": views} if views else None

    def _encode(self, observed: dict[str, Any]) -> bytes:
        """Observed views as one binary frame: heatmaps as uint8 maps, other arrays as
        float16, plain numbers and lists in `values`."""
        maps: dict[str, Any] = {}
        exact: dict[str, Any] = {}
        values: dict[str, Any] = {}
        kind = self.run.data.input_kind
        for name, value in observed.items():
            _split(name, value, maps if is_map(name, kind) else exact, values)
        if "feature_maps" in observed and isinstance(self.run, Run):  # "16 of 64 channels"
            for layer, channels in feature_map_channels(self.run).items():
                values[f"feature_maps_channels/{layer}"] = channels
        sliced = frozenset(n for n in maps if n.partition("/")[0] in SLICED_VIEWS)
        meta = {
            "run": self.id,
            "step": self.run.step_count,
            "epoch": self.run.epoch,
            "values": values,
        }
        return encode_frame(meta, maps, exact, sliced)


def _split(name: str, value: Any, arrays: dict[str, Any], values: dict[str, Any]) -> None:
    """Flattens nested view results: arrays by 'view/key' path, plain numbers into values."""
    if isinstance(value, np.ndarray):
        arrays[name] = value
    elif isinstance(value, dict):
        for key, inner in value.items():
            _split(f"{name}/{key}", inner, arrays, values)
    else:
        values[name] = value
