"""The lesson file's model: a concept, a question, up to four runs and a check that proves it.

A lesson is content that ships with the product, but it is still parsed like any input:
unknown keys are refused, every number and list is bounded, and every name a measure, an
assertion or a verdict line uses must exist, so a typo fails when the file loads (naming
the field), not halfway through a check. docs/lessons.md is the contract.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from app.spec import ExperimentSpec, StrictModel

RunName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,19}$")]
MeasureName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,29}$")]
LessonId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", max_length=40)]

View = Literal[
    "loss",
    "accuracy",
    "grad_norms",
    "network",
    "boundary",
    "histograms",
    "feature_maps",
    "hidden_states",
    "time_grads",
    "attention",
    "confusion",
    "scale",
    "gan_plane",
    "gan_losses",
    "adversarial",
    "gates",
    "embedding",
    "loss_landscape",
    "receptive_fields",
    "weight_grads",
    "attention_query",
]
Metric = Literal[
    "val_accuracy",
    "train_accuracy",
    "val_loss",
    "train_loss",
    "initial_loss",
    "loss_ratio",
    "loss_gap",
    "grad_ratio",
    "hidden_grad_ratio",
    "dead_fraction",
    "unit_spread",
    "weight_change",
    "steps_to",
    "roughness",
    "attention_peak",
    "diverged",
    "modes_covered",
    "on_data",
    "d_real",
    "d_fake",
    "adversarial_flip",
    "random_flip",
    "test_accuracy",
    "gate_contrast",
    "vowel_separation",
    "random_separation",
    "sharpness",
    "around_loss",
    "rf_first",
    "rf_last",
    "purity_first",
    "purity_last",
    "grad_fd_error",
    "step_alignment",
    "attention_on_answer",
]
# Metrics of a GAN run (kind "gan"); every other metric but `diverged` needs a supervised one.
GAN_METRICS = frozenset({"modes_covered", "on_data", "d_real", "d_fake", "diverged"})
Tracked = Literal["train_loss", "train_accuracy", "val_accuracy"]  # what steps_to can follow
Op = Literal["<", "<=", ">", ">="]
# How the page's shared loss chart draws the arms: one linear axis, one log axis (an arm
# whose loss grows a million times must not flatten the others), or an axis per loss
# function (MSE and cross-entropy are on different scales: each keeps its shape).
LossAxis = Literal["shared", "log", "per_loss"]

MAX_STEPS = 5_000
EVERY = 10  # steps_to looks every this many steps unless the measure says
BIG = 1e12  # bound of thresholds and offsets: any figure a lesson compares is far smaller
Number = Annotated[float, Field(ge=-BIG, le=BIG)]


class Question(StrictModel):
    """Asked before the runs play: the learner commits to a guess, then watches."""

    text: str = Field(..., min_length=1, max_length=300)
    choices: list[Annotated[str, Field(min_length=1, max_length=120)]] = Field(
        ..., min_length=2, max_length=6
    )
    answer: int = Field(..., ge=0, le=5, description="Index of the right choice.")

    @model_validator(mode="after")
    def _answer_is_a_choice(self) -> Question:
        if self.answer >= len(self.choices):
            raise ValueError(
                f"answer: {self.answer} is not a choice; there are {len(self.choices)} "
                f"choices, numbered from 0"
            )
        return self


class Measure(StrictModel):
    """One figure measured on one run after its steps. `of`, `below`/`above` and `every`
    belong to `steps_to` only: the first multiple of `every` steps at which `of` crossed."""

    run: RunName
    metric: Metric
    of: Tracked | None = None
    below: Number | None = None
    above: Number | None = None
    every: int | None = Field(
        None, ge=1, le=MAX_STEPS, description="steps_to: steps between looks (default 10)."
    )

    @model_validator(mode="after")
    def _options_fit_the_metric(self) -> Measure:
        if self.metric != "steps_to":
            given = [k for k in ("of", "below", "above", "every") if getattr(self, k) is not None]
            if given:
                raise ValueError(f"{', '.join(given)}: only the steps_to metric takes these")
            return self
        if self.of is None:
            raise ValueError("of: steps_to needs `of` (train_loss, train_accuracy, val_accuracy)")
        if (self.below is None) == (self.above is None):
            raise ValueError("below/above: steps_to needs exactly one of `below` and `above`")
        return self


class Assertion(StrictModel):
    """`measure op value`, or `measure op times * than + plus` (another measure)."""

    measure: MeasureName
    op: Op
    value: Number | None = None
    than: MeasureName | None = None
    times: float = Field(1.0, gt=0, le=1e6)
    plus: Number = 0.0

    @model_validator(mode="after")
    def _one_right_side(self) -> Assertion:
        if (self.value is None) == (self.than is None):
            raise ValueError("value/than: an assertion compares with exactly one of them")
        if self.than is None and (self.times != 1 or self.plus != 0):
            raise ValueError("times/plus: only an assertion with `than` takes these")
        return self

    def describe(self) -> str:
        """The assertion as a person reads it: ``acc_hidden >= 0.95``."""
        if self.than is None:
            return f"{self.measure} {self.op} {self.value:g}"
        right = self.than if self.times == 1 else f"{self.times:g} × {self.than}"
        if self.plus:
            right += f" {'+' if self.plus > 0 else '-'} {abs(self.plus):g}"
        return f"{self.measure} {self.op} {right}"


class Reference(StrictModel):
    """A famous network the `scale` view sets beside the learner's."""

    name: str = Field(..., min_length=1, max_length=60)
    year: int = Field(..., ge=1940, le=2100)
    layers: int = Field(..., ge=1, le=100_000)
    params: int = Field(..., ge=1, le=10**14, description="Parameters (weights and biases).")


class Lesson(StrictModel):
    """One concept shown in a few minutes and proved on any seed (docs/lessons.md)."""

    id: LessonId
    order: int = Field(..., ge=1, le=999, description="Place in the course; the menu's order.")
    title: str = Field(..., min_length=1, max_length=80)
    concept: str = Field(..., min_length=1, max_length=80)
    explanation: str = Field(..., min_length=1, max_length=1200)
    question: Question
    runs: dict[RunName, ExperimentSpec] = Field(default_factory=dict, max_length=4)
    steps: int = Field(0, ge=0, le=MAX_STEPS, description="Steps every run trains.")
    views: list[View] = Field(..., min_length=1, max_length=12)
    highlight: View | None = None
    measures: dict[MeasureName, Measure] = Field(default_factory=dict, max_length=16)
    check: list[Assertion] = Field(default_factory=list, max_length=16)
    verdict: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(
        default_factory=list, max_length=8
    )
    references: list[Reference] | None = Field(None, max_length=12)
    loss_axis: LossAxis = "shared"
    # The data the page's loss chart shows first (its menu switches): "val" where the
    # lesson's point is the validation loss, which the training loss would hide.
    loss_data: Literal["train", "val"] = "train"

    @field_validator("views")
    @classmethod
    def _views_unique(cls, views: list[str]) -> list[str]:
        if len(set(views)) != len(views):
            raise ValueError("each view may appear only once")
        return views

    @model_validator(mode="after")
    def _names_exist(self) -> Lesson:
        if self.runs and self.steps == 0:
            raise ValueError("steps: a lesson with runs trains them for 1 to 5000 steps")
        if self.loss_axis == "per_loss":
            losses = {spec.train.loss for spec in self.runs.values()}
            if len(losses) > 2:
                raise ValueError(
                    "loss_axis: per_loss draws an axis on each side, so at most 2 losses; "
                    f"the runs use {_listing(losses)}"
                )
        if self.highlight is not None and self.highlight not in self.views:
            raise ValueError(f"highlight: {self.highlight!r} is not one of the lesson's views")
        for name, measure in self.measures.items():
            if measure.run not in self.runs:
                raise ValueError(
                    f"measures.{name}.run: no run named {measure.run!r}; "
                    f"the runs are {_listing(self.runs)}"
                )
            gan_run = self.runs[measure.run].kind == "gan"
            if measure.metric != "diverged" and gan_run != (measure.metric in GAN_METRICS):
                needs = "a GAN run" if measure.metric in GAN_METRICS else "a supervised run"
                raise ValueError(f"measures.{name}.metric: {measure.metric} needs {needs}")
        for i, assertion in enumerate(self.check):
            for key in ("measure", "than"):
                used = getattr(assertion, key)
                if used is not None and used not in self.measures:
                    raise ValueError(
                        f"check.{i}.{key}: no measure named {used!r}; "
                        f"the measures are {_listing(self.measures)}"
                    )
        for i, line in enumerate(self.verdict):
            _check_verdict(line, f"verdict.{i}", set(self.measures))
        return self


def _check_verdict(line: str, where: str, measures: set[str]) -> None:
    """A verdict line is a format string over the measures only; each placeholder is tried
    with a sample figure, so a bad format spec fails at load, not at the end of a check."""
    try:
        names = [field for _, field, _, _ in string.Formatter().parse(line) if field is not None]
    except ValueError as error:
        raise ValueError(f"{where}: not a format string ({error})") from None
    for field in names:
        if field not in measures:
            shown = field if len(field) <= 30 else field[:30] + "..."
            raise ValueError(
                f"{where}: {{{shown}}} is not a measure; the measures are {_listing(measures)}"
            )
    try:
        line.format(**dict.fromkeys(measures, 0.5))
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise ValueError(f"{where}: cannot format a measure ({error})") from None


def _listing(names: Iterable[str]) -> str:
    return ", ".join(sorted(names)) or "none"
