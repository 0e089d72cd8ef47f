"""torch's optimizers (app/train/optim.py), rewritten for a group's stacked parameters: one
update for all runs, each with its own hyperparameters ((N, 1, 1) tensors), following
torch's single-tensor formulas term by term, so that a run's numbers in a group are its
numbers alone, to float rounding. Runs that sit a step out (`active` False) keep their
parameters and state as they were."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

Tensor = torch.Tensor

# The state torch keeps per parameter, by optimizer (besides "step", a count, for those in
# COUNTS_STEPS). torch's defaults for what the spec does not set: RMSprop alpha 0.99 and
# eps 1e-8, Adagrad eps 1e-10 (no lr decay), Adam eps 1e-8.
STATE = {
    "sgd": ("momentum_buffer",),
    "adam": ("exp_avg", "exp_avg_sq"),
    "adamw": ("exp_avg", "exp_avg_sq"),
    "rmsprop": ("square_avg", "momentum_buffer"),
    "adagrad": ("sum",),
}
COUNTS_STEPS = frozenset({"adam", "adamw", "rmsprop", "adagrad"})
RMSPROP_ALPHA, RMSPROP_EPS, ADAGRAD_EPS, ADAM_EPS = 0.99, 1e-8, 1e-10, 1e-8


@dataclass
class Hyper:
    """Each run's hyperparameters as (N, 1, 1) tensors. torch computes its scalars in
    Python floats (float64) and rounds them to float32 when it applies them: so do these."""

    lr: Tensor  # float64
    momentum: Tensor  # float64
    weight_decay: Tensor  # float64
    beta1: Tensor  # float64
    beta2: Tensor  # float64
    nesterov: Tensor | None  # bool; None when no run uses it

    def __post_init__(self) -> None:
        self.derive()

    def derive(self) -> None:
        """The float32 forms the updates use, from the fields (again after one changed)."""
        f = _f
        self.lr32, self.momentum32, self.decay32 = (
            f(self.lr),
            f(self.momentum),
            f(self.weight_decay),
        )
        self.keep1, self.take1 = f(self.beta1), f(1 - self.beta1)
        self.keep2, self.take2 = f(self.beta2), f(1 - self.beta2)
        self.shrink = f(1 - self.lr * self.weight_decay)  # AdamW's decoupled decay
        self.decays = bool((self.weight_decay != 0).any())  # steps may skip what none uses
        self.moves = bool((self.momentum != 0).any())


def _f(x: Tensor) -> Tensor:
    return x.float()


@dataclass
class Step:
    """What one update needs beyond the hyperparameters: Adam's bias corrections at each
    run's own step count."""

    size: Tensor | None = None  # lr / (1 - beta1^t), float32 (N, 1, 1)
    bias2_sqrt: Tensor | None = None  # sqrt(1 - beta2^t)


Update = tuple[Tensor, dict[str, Tensor]]  # the new parameter and state
Rule = Callable[[Tensor, Tensor, dict[str, Tensor], Hyper, Step, bool], Update]


class StackedOptimizer:
    """One optimizer kind's state for stacked parameters, and its update."""

    def __init__(self, kind: str, params: list[Tensor]) -> None:
        self.kind = kind
        self.rule = _RULES.get(kind)  # SGD has its own in-place path
        self.state = {name: [torch.zeros_like(p) for p in params] for name in STATE[kind]}
        n = params[0].shape[0]
        self.steps = torch.zeros(n, device=params[0].device) if kind in COUNTS_STEPS else None

    def update(
        self,
        params: list[Tensor],
        grads: list[Tensor],
        decays: list[bool],
        hp: Hyper,
        active: Tensor | None,
    ) -> None:
        """One step for every run; `active` (N, 1, 1) bool, or None when all step. Weight
        decay only where `decays` (weights, not biases: app/train/optim.py's groups)."""
        if self.kind == "sgd":
            self._sgd_in_place(params, grads, decays, hp, active)
            return
        assert self.rule is not None
        step = Step()
        if self.steps is not None:
            self.steps += 1 if active is None else active.view(-1).to(self.steps.dtype)
            if self.kind in ("adam", "adamw"):
                t = self.steps.view(-1, 1, 1).double()
                step = Step(_f(hp.lr / (1 - hp.beta1**t)), _f((1 - hp.beta2**t).sqrt()))
        coupled = self.kind != "adamw"  # AdamW decays the weights, not the gradient
        for index, (p, g, decays_here) in enumerate(zip(params, grads, decays, strict=True)):
            state = {name: tensors[index] for name, tensors in self.state.items()}
            if decays_here and coupled:
                g = g + hp.decay32 * p
            new_p, new_state = self.rule(p, g, state, hp, step, decays_here and not coupled)
            _commit(p, new_p, active)
            for name, value in new_state.items():
                _commit(state[name], value, active)

    def _sgd_in_place(
        self,
        params: list[Tensor],
        grads: list[Tensor],
        decays: list[bool],
        hp: Hyper,
        active: Tensor | None,
    ) -> None:
        """`_sgd` for every parameter at once (torch's foreach ops): the class's default
        optimizer. A run that sits the step out must come with zero gradients; its rate
        and decay are taken as 0 and its momentum as 1, which leaves its weights and buffer
        exactly as they were, without a `where` per tensor."""
        many = len(params)
        lr, momentum, decay = hp.lr32, hp.momentum32, hp.decay32
        if active is not None:
            lr, decay = lr * active, decay * active
            momentum = torch.where(active, momentum, 1.0)
        d = grads
        if hp.decays:
            d = [g + decay * p if w else g for p, g, w in zip(params, grads, decays, strict=True)]
        if hp.moves:
            bufs = self.state["momentum_buffer"]  # m * buf + g; from zero, g: torch's first
            torch._foreach_mul_(bufs, [momentum] * many)
            torch._foreach_add_(bufs, d)
            if hp.nesterov is not None:
                d = [
                    torch.where(hp.nesterov, g + b * momentum, b)
                    for g, b in zip(d, bufs, strict=True)
                ]
            else:
                d = bufs
        torch._foreach_addcmul_(params, d, [lr] * many, value=-1)


def _commit(target: Tensor, value: Tensor, active: Tensor | None) -> None:
    target.copy_(value if active is None else torch.where(active, value, target))


def _adam(
    p: Tensor, g: Tensor, s: dict[str, Tensor], hp: Hyper, st: Step, decoupled: bool
) -> Update:
    assert st.size is not None and st.bias2_sqrt is not None
    if decoupled:
        p = p * hp.shrink
    m = s["exp_avg"].lerp(g, hp.take1)
    v = s["exp_avg_sq"] * hp.keep2 + hp.take2 * g * g
    denom = v.sqrt() / st.bias2_sqrt + ADAM_EPS
    return p - st.size * (m / denom), {"exp_avg": m, "exp_avg_sq": v}


def _rmsprop(p: Tensor, g: Tensor, s: dict[str, Tensor], hp: Hyper, st: Step, _: bool) -> Update:
    square = s["square_avg"] * RMSPROP_ALPHA + (1 - RMSPROP_ALPHA) * g * g
    buf = s["momentum_buffer"] * hp.momentum32 + g / (square.sqrt() + RMSPROP_EPS)
    return p - hp.lr32 * buf, {"square_avg": square, "momentum_buffer": buf}


def _adagrad(p: Tensor, g: Tensor, s: dict[str, Tensor], hp: Hyper, st: Step, _: bool) -> Update:
    total = s["sum"] + g * g
    return p - hp.lr32 * (g / (total.sqrt() + ADAGRAD_EPS)), {"sum": total}


_RULES: dict[str, Rule] = {
    "adam": _adam,
    "adamw": _adam,
    "rmsprop": _rmsprop,
    "adagrad": _adagrad,
}
