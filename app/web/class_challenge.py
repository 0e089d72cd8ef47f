"""The teacher's challenge (docs/classroom.md): a goal for the class (a dataset, the number
ranked, limits on the network) and the live leaderboard, computed here from each student's
run as the web process knows it: the spec the run was started with (what the server
validated, not what a page says) and the latest metrics point its worker sent. No client
reports a score: there is no message or route that could carry one.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from app.data import DATASETS
from app.spec import StrictModel
from app.web.class_overview import live_runs
from app.web.classroom import Classroom, Student
from app.web.sessions import Session, SessionRegistry

# The layer fields that count neurons: a dense layer's units, a convolution's filters
# (feature maps), a recurrent layer's hidden units. Other layers (dropout, pooling, norms,
# embeddings, attention) add no neurons and are not counted as layers of the limit.
NEURON_KEYS = ("units", "filters", "hidden")
METRICS: dict[str, tuple[str, str, bool]] = {
    # name: (the metrics point's field, words, whether higher is better)
    "val_loss": ("val_loss", "lowest validation loss", False),
    "val_accuracy": ("val_score", "highest validation accuracy", True),
}
MAX_LIMIT = 100_000


class Challenge(StrictModel):
    """The goal the teacher sets: `POST /api/class/challenge`'s body."""

    dataset: str = Field(description="The dataset every qualifying run trains on.")
    metric: Literal["val_loss", "val_accuracy"] = Field(
        "val_loss", description="What is ranked: lowest validation loss or highest accuracy."
    )
    max_neurons: int | None = Field(
        None, ge=1, le=MAX_LIMIT, description="At most this many neurons in the hidden layers."
    )
    max_layers: int | None = Field(
        None, ge=1, le=MAX_LIMIT, description="At most this many hidden layers with neurons."
    )

    @field_validator("dataset")
    @classmethod
    def _known(cls, dataset: str) -> str:
        if dataset not in DATASETS or dataset == "csv":  # each student's CSV is their own
            names = ", ".join(n for n in DATASETS if n != "csv")
            raise ValueError(f"{dataset[:40]!r} is not one of {names}")
        return dataset

    @model_validator(mode="after")
    def _metric_fits(self) -> Challenge:
        if self.metric == "val_accuracy" and DATASETS[self.dataset].task == "regression":
            raise ValueError(
                f"metric: {self.dataset} is a regression dataset: it has no accuracy; "
                "rank by val_loss"
            )
        return self

    def words(self) -> str:
        """The goal in a sentence, for the banner and the teacher's panel."""
        limits = [f"at most {n} neurons" for n in [self.max_neurons] if n is not None]
        limits += [f"at most {n} hidden layers" for n in [self.max_layers] if n is not None]
        goal = f"{METRICS[self.metric][1]} on {self.dataset}"
        return goal + (f", with {' and '.join(limits)}" if limits else "")

    def view(self) -> dict[str, Any]:
        return self.model_dump() | {"words": self.words()}


class ChallengeHolder:
    """The class's current challenge (None: none set); one per server in class mode."""

    def __init__(self) -> None:
        self.challenge: Challenge | None = None


def network_size(spec: dict[str, Any]) -> tuple[int, int]:
    """(neurons, layers with neurons) of a supervised spec's hidden layers."""
    neurons = layers = 0
    for layer in (spec.get("model") or {}).get("layers", []):
        size = next((layer[k] for k in NEURON_KEYS if isinstance(layer.get(k), int)), None)
        if size is not None:
            neurons, layers = neurons + size, layers + 1
    return neurons, layers


def disqualification(challenge: Challenge, spec: dict[str, Any]) -> str | None:
    """Why a run started with `spec` does not qualify, in words; None if it does."""
    if spec.get("kind", "supervised") != "supervised":
        return "a GAN: the challenge is for a supervised network"
    dataset = (spec.get("data") or {}).get("dataset")
    if dataset != challenge.dataset:
        return f"trains on {dataset}, not {challenge.dataset}"
    neurons, layers = network_size(spec)
    if challenge.max_neurons is not None and neurons > challenge.max_neurons:
        return f"{neurons} neurons: the limit is {challenge.max_neurons}"
    if challenge.max_layers is not None and layers > challenge.max_layers:
        return f"{layers} hidden layers: the limit is {challenge.max_layers}"
    return None


def score_of(challenge: Challenge, session: Session) -> float | None:
    """The ranked number from the run's latest metrics point (None before its first)."""
    value = (session.last_point or {}).get(METRICS[challenge.metric][0])
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def leaderboard(
    challenge: Challenge, classroom: Classroom, registry: SessionRegistry
) -> dict[str, Any]:
    """`{"challenge", "ranked", "not_qualifying", "no_score"}`: qualifying runs best first
    with their rank (ties share one), the others with the reason."""
    ranked: list[tuple[float, Student]] = []
    excluded: list[dict[str, Any]] = []
    waiting: list[str] = []
    runs = live_runs(registry)
    for student in sorted(classroom.students.values(), key=lambda s: s.number):
        session = runs.get(student.id)
        if session is None or session.spec is None:
            continue
        reason = disqualification(challenge, session.spec)
        score = score_of(challenge, session)
        if reason is not None:
            excluded.append({"id": student.id, "name": student.name, "reason": reason})
        elif score is None:
            waiting.append(student.name)
        else:
            ranked.append((score, student))
    higher = METRICS[challenge.metric][2]
    ranked.sort(key=lambda pair: -pair[0] if higher else pair[0])
    return {
        "challenge": challenge.view(),
        "ranked": rank_entries(ranked, challenge, runs),
        "not_qualifying": excluded,
        "no_score": waiting,
    }


def rank_entries(
    ranked: list[tuple[float, Student]], challenge: Challenge, runs: dict[str, Session]
) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for place, (score, student) in enumerate(ranked, start=1):
        tied = entries and entries[-1]["score"] == score
        neurons, layers = network_size(runs[student.id].spec or {})
        entries.append(
            {
                "rank": entries[-1]["rank"] if tied else place,
                "id": student.id,
                "name": student.name,
                "score": score,
                "neurons": neurons,
                "layers": layers,
            }
        )
    return entries


def own_standing(board: dict[str, Any], student_id: str) -> dict[str, Any]:
    """What one student may read: the goal, their own place (or why they have none) and
    how many qualify; not classmates' names or scores."""
    mine = next((e for e in board["ranked"] if e["id"] == student_id), None)
    excluded = next((e for e in board["not_qualifying"] if e["id"] == student_id), None)
    return {
        "challenge": board["challenge"],
        "rank": mine["rank"] if mine else None,
        "score": mine["score"] if mine else None,
        "of": len(board["ranked"]),
        "reason": excluded["reason"] if excluded else None,
    }


def public_board(board: dict[str, Any]) -> dict[str, Any]:
    """The teacher's leaderboard without the students' ids (which sign their cookies'
    payloads: not secret, but no one's business)."""
    strip = ("id",)
    return board | {
        "ranked": [{k: v for k, v in e.items() if k not in strip} for e in board["ranked"]],
        "not_qualifying": [
            {k: v for k, v in e.items() if k not in strip} for e in board["not_qualifying"]
        ],
    }
