"""Which losses fit which task: a fact about the data, checked before anything trains (the
validator) and applied when a run is built (app/train/objective.py makes the functions)."""

from __future__ import annotations

from app.data.base import Task

# The first is what 'auto' picks.
LOSSES_FOR_TASK: dict[Task, tuple[str, ...]] = {
    "binary": ("bce", "mse", "huber"),
    "multiclass": ("cross_entropy", "mse"),
    "regression": ("mse", "huber"),
}


def resolve_loss(task: Task, loss: str) -> str:
    """The loss to use; raises ValueError (in plain words) for a loss that does not fit."""
    allowed = LOSSES_FOR_TASK[task]
    if loss == "auto":
        return allowed[0]
    if loss not in allowed:
        raise ValueError(
            f"loss '{loss}' does not fit a {task} task; use one of {', '.join(allowed)}"
        )
    return loss
