"""check_lesson: train a lesson's runs on one seed, measure, and judge its assertions.

Headless and on the CPU: every run's seed is replaced by the one checked, so runs with the
same `data` train on the same examples (the dataset is built once and shared). A run that
no measure reads is not trained: the check pays only for what it proves.
"""

from __future__ import annotations

import math
import operator
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.data import DataError, Dataset, build_dataset
from app.data.gan import GanData, build_gan_data
from app.lessons.metrics import Finished, MetricError, measure
from app.lessons.model import Assertion, Lesson, Measure
from app.lessons.trace import Plan, Trace, first_layer, record, record_before_last, split_quality
from app.nn import SpecError
from app.spec import ExperimentSpec
from app.train import Run, create_run

OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class LessonError(ValueError):
    """The lesson cannot be checked (a run cannot be built or measured); says which run."""


@dataclass
class AssertionResult:
    text: str  # as written: "acc_hidden >= 0.95"
    holds: bool
    left: float
    right: float


@dataclass
class CheckResult:
    """One lesson checked on one seed. `measured` keeps inf and NaN; `to_json` nulls them."""

    lesson: str
    seed: int
    holds: bool
    measured: dict[str, float]
    lines: list[str]  # the verdict, formatted with the measures
    seconds: float
    assertions: list[AssertionResult] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "lesson": self.lesson,
            "seed": self.seed,
            "holds": self.holds,
            "measured": {k: finite_or_none(v) for k, v in self.measured.items()},
            "lines": self.lines,
            "assertions": [
                {
                    "text": a.text,
                    "holds": a.holds,
                    "left": finite_or_none(a.left),
                    "right": finite_or_none(a.right),
                }
                for a in self.assertions
            ],
            "seconds": round(self.seconds, 3),
        }


def finite_or_none(x: float) -> float | None:
    """JSON has no inf or NaN: they travel as null."""
    return x if math.isfinite(x) else None


def check_lesson(lesson: Lesson, seed: int) -> CheckResult:
    """Trains each measured run for `lesson.steps` steps on `seed` and judges the check."""
    started = time.perf_counter()
    seed = ExperimentSpec(seed=seed).seed  # validated: 0 <= seed < 2**31
    datasets: dict[str, Dataset | GanData] = {}
    measured: dict[str, float] = {}
    for run_name, spec in lesson.runs.items():
        wanted = {n: m for n, m in lesson.measures.items() if m.run == run_name}
        if not wanted:
            continue
        spec = spec.model_copy(update={"seed": seed})
        done = train_run(run_name, spec, lesson.steps, list(wanted.values()), datasets)
        for name, m in wanted.items():
            try:
                measured[name] = measure(m, done)
            except MetricError as error:
                raise LessonError(f"measures.{name}: {error}") from None
    measured = {name: measured[name] for name in lesson.measures}  # the file's order
    assertions = [judge(a, measured) for a in lesson.check]
    return CheckResult(
        lesson=lesson.id,
        seed=seed,
        holds=all(a.holds for a in assertions),
        measured=measured,
        lines=[line.format(**measured) for line in lesson.verdict],
        seconds=time.perf_counter() - started,
        assertions=assertions,
    )


def train_run(
    name: str,
    spec: ExperimentSpec,
    steps: int,
    measures: list[Measure],
    datasets: dict[str, Dataset | GanData],
) -> Finished:
    """Trains one run for `steps` steps (fewer if it stops), pausing where its trace needs.
    A GAN run trains straight through: its metrics are read at the end."""
    key = spec.kind + spec.data.model_dump_json()
    try:
        if key not in datasets:
            build = build_gan_data if spec.kind == "gan" else build_dataset
            datasets[key] = build(spec.data, spec.seed)
        run = create_run(spec, "cpu", data=datasets[key])
    except (DataError, SpecError, ValueError) as error:
        raise LessonError(f"runs.{name}: {error}") from None
    if not isinstance(run, Run):
        run.step(steps)
        return Finished(run, Trace(), steps)
    plan, trace = Plan.for_measures(measures), Trace()
    if plan.initial_loss:
        trace.initial_loss = split_quality(run, "train")[0]
    if plan.initial_weights:
        trace.first_weights = [p.detach().clone() for p in first_layer(run)]
    if plan.last_step and steps == 1:
        record_before_last(run, plan, trace)
    for stop in plan.stops(steps):
        run.step(stop - run.step_count)
        if run.step_count < stop:  # diverged, failed, or its own max_epochs reached
            break
        record(run, plan, trace, steps)
    return Finished(run, trace, steps)


def judge(assertion: Assertion, measured: dict[str, float]) -> AssertionResult:
    left = measured[assertion.measure]
    if assertion.than is None:
        assert assertion.value is not None
        right = assertion.value
    else:
        right = assertion.times * measured[assertion.than] + assertion.plus
    return AssertionResult(assertion.describe(), OPS[assertion.op](left, right), left, right)
