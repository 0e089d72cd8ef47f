"""What to record while a lesson's run trains, and the record itself.

A check must take seconds, so a run records only what its measures need: the train loss
after every step only when `roughness` is measured, gradient norms only over the last
`GRAD_WINDOW` steps for `grad_ratio`, a look every `every` steps for each `steps_to` until
it is reached. `Plan.stops` turns that into the step counts at which training pauses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from app.lessons.gradcheck import GradCheckError, finite_difference
from app.lessons.model import EVERY, Measure, Tracked
from app.train import Run
from app.train.modes import evaluating
from app.train.objective import correct, r2_score
from app.train.run import EVAL_CHUNK, TRAIN_EVAL_CAP

# Metrics that compare the last step with the weights and a gradient recorded before it.
LAST_STEP_METRICS = frozenset({"grad_fd_error", "step_alignment"})
GRAD_WINDOW = 10  # grad_ratio and hidden_grad_ratio average this many last steps' norms


@dataclass(frozen=True)
class Watch:
    """A `steps_to` condition: `of` below or above a threshold, looked at every `every`."""

    of: Tracked
    below: float | None
    above: float | None
    every: int

    @classmethod
    def of_measure(cls, m: Measure) -> Watch:
        assert m.of is not None, "the model requires `of` for steps_to"
        return cls(m.of, m.below, m.above, m.every or EVERY)

    def holds(self, value: float) -> bool:
        if self.below is not None:
            return value < self.below
        assert self.above is not None
        return value > self.above


@dataclass(frozen=True)
class Plan:
    """What one run must record, from the measures taken on it."""

    initial_loss: bool = False
    initial_weights: bool = False
    every_step_loss: bool = False
    grad_window: bool = False
    last_step: bool = False  # the weights before the last step
    grad_check: bool = False  # and a finite-difference gradient there
    watches: frozenset[Watch] = frozenset()

    @classmethod
    def for_measures(cls, measures: Sequence[Measure]) -> Plan:
        metrics = {m.metric for m in measures}
        return cls(
            initial_loss=bool({"initial_loss", "loss_ratio"} & metrics),
            initial_weights="weight_change" in metrics,
            every_step_loss="roughness" in metrics,
            grad_window=bool({"grad_ratio", "hidden_grad_ratio"} & metrics),
            last_step=bool(LAST_STEP_METRICS & metrics),
            grad_check="grad_fd_error" in metrics,
            watches=frozenset(Watch.of_measure(m) for m in measures if m.metric == "steps_to"),
        )

    def stops(self, steps: int) -> list[int]:
        """The step counts (1..steps, ascending) after which something is recorded."""
        if self.every_step_loss:
            return list(range(1, steps + 1))
        at = {steps}
        for watch in self.watches:
            at.update(range(watch.every, steps + 1, watch.every))
        if self.grad_window:
            at.update(range(max(1, steps - GRAD_WINDOW + 1), steps + 1))
        if self.last_step and steps > 1:  # steps 1: train_run looks before the first step
            at.add(steps - 1)
        return sorted(at)


@dataclass
class Trace:
    """What a run recorded while training; `reached` holds each watch's first step."""

    initial_loss: float = math.nan
    first_weights: list[torch.Tensor] = field(default_factory=list)  # at step 0, for weight_change
    losses: list[float] = field(default_factory=list)  # train loss after each step
    grads: list[dict[str, float]] = field(default_factory=list)  # last steps' grad norms
    reached: dict[Watch, int] = field(default_factory=dict)
    # Before the last step, for grad_fd_error and step_alignment: every parameter (model
    # order) and the finite-difference estimate of its gradient at those weights.
    before_last: list[torch.Tensor] = field(default_factory=list)
    fd_grads: list[torch.Tensor] = field(default_factory=list)
    grad_check_error: str = ""


def record(run: Run, plan: Plan, trace: Trace, steps: int) -> None:
    """Records what `plan` asks for at the run's current step (a stop of `plan.stops`)."""
    at = run.step_count
    if plan.every_step_loss:
        trace.losses.append(split_quality(run, "train")[0])
    if plan.grad_window and at > steps - GRAD_WINDOW:
        trace.grads.append(run.grad_norms())
    if plan.last_step and at == steps - 1:
        record_before_last(run, plan, trace)
    due = [w for w in plan.watches if w not in trace.reached and at % w.every == 0]
    if due:
        looks: dict[Tracked, float] = {}
        for watch in due:
            if watch.of not in looks:
                looks[watch.of] = tracked_value(run, watch.of)
            if watch.holds(looks[watch.of]):
                trace.reached[watch] = at


def record_before_last(run: Run, plan: Plan, trace: Trace) -> None:
    """The weights before the last step and, if the plan checks the gradient, a finite-
    difference gradient there: the last step's backprop gradient is then compared with it.
    A run that cannot be checked this way (mini-batches, L1) records the reason, which its
    metric raises."""
    trace.before_last = [p.detach().clone() for p in run.model.parameters()]
    if not plan.grad_check:
        return
    try:
        trace.fd_grads = finite_difference(run)
    except GradCheckError as error:
        trace.grad_check_error = str(error)


def first_layer(run: Run) -> list[torch.nn.Parameter]:
    """The parameters (weights and biases) of the model's first layer that has any."""
    for child in run.model.children():
        params = list(child.parameters())
        if params:
            return params
    return []


def tracked_value(run: Run, of: Tracked) -> float:
    if of == "train_loss":
        return split_quality(run, "train")[0]
    return split_quality(run, "train" if of == "train_accuracy" else "val")[1]


@torch.no_grad()
def split_quality(run: Run, split: str) -> tuple[float, float]:
    """(loss, accuracy or R²) on the train set (at most TRAIN_EVAL_CAP examples, as
    `Run.evaluate`) or the val set, without the other split's cost. NaN loss: inf."""
    if split == "train":
        x, y = run.x_train[:TRAIN_EVAL_CAP], run.y_train[:TRAIN_EVAL_CAP]
    else:
        x, y = run.x_val, run.y_val
    if len(x) == 0:
        return math.inf, math.nan
    with evaluating(run.model):
        out = torch.cat([run.model(x[i : i + EVAL_CHUNK]) for i in range(0, len(x), EVAL_CHUNK)])
    loss = float(run.loss_fn(out, y))
    score = r2_score(out, y) if run.task == "regression" else float(correct(run.task, out, y))
    if run.task != "regression":
        score /= len(y)
    return (loss if math.isfinite(loss) else math.inf), score
