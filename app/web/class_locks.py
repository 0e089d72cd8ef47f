"""The teacher's hold on the class (docs/classroom.md): the experiment the teacher sent to
everyone and the settings locked in it, enforced here, on the server, for every student's
`start` and `set`; a page only greys what this refuses anyway.

A lock is named as the page's URL table names its setting (static/js/state.js PROPS: `lr`,
`layers`, `dataset`...). Each covers the spec paths that setting writes, the live `set`
parameters that change them, and the page's controls to grey. A locked value is the one
in the teacher's experiment: a student's start or set that keeps it passes, one that
changes it is refused in words naming the lock.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from app.protocol import HOT_SOURCES, Set, Start
from app.spec import TrainSpec


@dataclass(frozen=True)
class Lock:
    words: str  # "the learning rate": what the refusal and the page say is locked
    paths: tuple[str, ...]  # where the setting lives in the ExperimentSpec
    controls: tuple[str, ...]  # the page's controls (`data-control` names) it greys


def _lock(words: str, *paths: str, controls: tuple[str, ...] = ()) -> Lock:
    return Lock(words, paths, controls)


LOCKS: dict[str, Lock] = {
    "seed": _lock("the seed", "seed"),
    "dataset": _lock("the dataset", "data.dataset", controls=("dataset", "problem", "file")),
    "noise": _lock("the noise", "data.noise"),
    "flip": _lock("the flipped labels", "data.flip"),
    "val_fraction": _lock("the validation split", "data.val_fraction"),
    "n_classes": _lock("the number of classes", "data.n_classes"),
    "features": _lock("the input features", "data.features"),
    "seq_len": _lock("the sequence length", "data.seq_len"),
    "layers": _lock("the network", "model.layers", controls=("layers", "activation")),
    "optimizer": _lock(
        "the optimizer",
        *(f"train.{f}" for f in ("optimizer", "momentum", "nesterov", "beta1", "beta2")),
    ),
    "lr": _lock("the learning rate", "train.lr", "gan.generator.lr", "gan.discriminator.lr"),
    "regularization": _lock(
        "the regularization",
        "train.l1",
        "train.weight_decay",
        controls=("regularization", "reg_rate"),
    ),
    "batch_size": _lock("the batch size", "train.batch_size"),
    "lr_schedule": _lock(
        "the learning-rate schedule",
        "train.lr_schedule",
        "train.lr_gamma",
        "train.lr_period",
        controls=("lr_schedule", "lr_gamma", "lr_period"),
    ),
    "max_epochs": _lock("the epoch budget", "train.max_epochs"),
    "patience": _lock("early stopping", "train.early_stopping"),
    "grad_clip": _lock("gradient clipping", "train.grad_clip"),
}
MAX_LOCKS = len(LOCKS)

# Where each live `set` parameter lands in the spec (dropout's p is in model.layers).
HOT_PATHS: dict[str, str] = {
    **{name: f"train.{name}" for name in HOT_SOURCES if name in TrainSpec.model_fields},
    "dropout": "model.layers",
    "g_lr": "gan.generator.lr",
    "d_lr": "gan.discriminator.lr",
    "d_steps": "gan.d_steps",
    "gan_loss": "gan.loss",
    "train_only": "gan.train_only",
    "max_steps": "gan.max_steps",
}


def controls_of(name: str) -> tuple[str, ...]:
    return LOCKS[name].controls or (name,)


def value_at(spec: dict[str, Any], path: str) -> Any:
    """The value at a dotted path of a spec's dump; None where any part is absent."""
    node: Any = spec
    for key in path.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def dropout_values(spec: dict[str, Any]) -> set[float]:
    return {
        layer.get("p")
        for layer in (value_at(spec, "model.layers") or [])
        if layer.get("type") == "dropout"
    }


@dataclass
class ClassExperiment:
    """What the teacher sent: the validated spec's dump, its id and the locked settings."""

    id: str
    spec: dict[str, Any]
    locks: tuple[str, ...]


class ClassLocks:
    """The class's current experiment and locks (one per server in class mode)."""

    def __init__(self) -> None:
        self.experiment: ClassExperiment | None = None

    def send(self, spec: dict[str, Any], locks: list[str]) -> ClassExperiment:
        """The teacher's experiment replaces the last one, with these settings locked."""
        ordered = tuple(name for name in LOCKS if name in locks)  # the table's order, once
        self.experiment = ClassExperiment(secrets.token_urlsafe(9), spec, ordered)
        return self.experiment

    def unlock_all(self) -> None:
        if self.experiment is not None:
            self.experiment.locks = ()

    @property
    def locks(self) -> tuple[str, ...]:
        return self.experiment.locks if self.experiment is not None else ()

    def start_refusal(self, spec: dict[str, Any]) -> tuple[str, str] | None:
        """(field, words) if a student's new run would change a locked setting."""
        if self.experiment is None:
            return None
        for name in self.experiment.locks:
            for path in LOCKS[name].paths:
                kept = value_at(self.experiment.spec, path)
                if value_at(spec, path) != kept:
                    return f"spec.{path}", refusal_words(name, kept)
        return None

    def set_refusal(self, params: dict[str, Any]) -> tuple[str, str] | None:
        """(field, words) if a student's `set` would change a locked setting; settings the
        `set` leaves out, or sends at their locked value, pass."""
        if self.experiment is None:
            return None
        spec = self.experiment.spec
        for name in self.experiment.locks:
            paths = LOCKS[name].paths
            for param, value in params.items():
                path = HOT_PATHS.get(param)
                if path not in paths:
                    continue
                if param == "dropout":
                    kept = dropout_values(spec)
                    changed = bool(kept) and kept != {value}
                else:
                    kept = value_at(spec, path)
                    changed = value != kept
                if changed:
                    return f"params.{param}", refusal_words(name, kept)
        return None

    def event(self) -> dict[str, Any]:
        """The `class` event: the teacher's experiment (null before one is sent) and what
        is locked, each lock with its words and the page's controls it greys (`reset`: the
        teacher's "Reset all", set by the route that does it)."""
        experiment = self.experiment
        return {
            "type": "class",
            "experiment": experiment.id if experiment else None,
            "spec": experiment.spec if experiment else None,
            "locks": [
                {"name": name, "words": LOCKS[name].words, "controls": list(controls_of(name))}
                for name in self.locks
            ],
            "reset": False,
        }


def refusal_words(name: str, kept: Any) -> str:
    words = f"the teacher locked {LOCKS[name].words}"
    if isinstance(kept, float):
        return f"{words}: it stays {kept:g}"
    if isinstance(kept, int | str) and not isinstance(kept, bool):
        return f"{words}: it stays {kept}"
    return words


def message_refusal(
    locks: ClassLocks | None, student: str | None, message: Start | Set | Any
) -> tuple[str, str] | None:
    """(field, words) if this message of a student's socket changes a locked setting. The
    teacher (`student` None) and open mode (`locks` None) are never locked."""
    if locks is None or student is None:
        return None
    if isinstance(message, Start):
        return locks.start_refusal(message.spec.model_dump())
    if isinstance(message, Set):
        return locks.set_refusal(message.params.model_dump())
    return None
