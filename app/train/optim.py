"""Optimizers and learning-rate schedules, built from the TrainSpec and retuned live."""

from __future__ import annotations

import math

import torch
from torch import nn

from app.spec import TrainSpec

OPTIMIZERS: dict[str, type[torch.optim.Optimizer]] = {
    "sgd": torch.optim.SGD,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
}


def param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """Weights (decayed) apart from biases and norm scales (not decayed), as is usual; one
    group when nothing decays, since each group costs the optimizer a pass per step."""
    if weight_decay == 0:
        return [{"params": list(model.parameters()), "weight_decay": 0.0}]
    return [
        {"params": [p for p in model.parameters() if p.ndim > 1], "weight_decay": weight_decay},
        {"params": [p for p in model.parameters() if p.ndim <= 1], "weight_decay": 0.0},
    ]


def hyperparameters(train: TrainSpec) -> dict:
    """The optimizer's constructor keywords for this spec (those its class accepts)."""
    kind = train.optimizer
    hp: dict = {"lr": train.lr}
    if kind == "sgd":
        hp |= {"momentum": train.momentum, "nesterov": train.nesterov}
    elif kind == "rmsprop":
        hp |= {"momentum": train.momentum}
    elif kind in ("adam", "adamw"):
        hp |= {"betas": (train.beta1, train.beta2)}
    return hp


def make_optimizer(model: nn.Module, train: TrainSpec) -> torch.optim.Optimizer:
    return OPTIMIZERS[train.optimizer](
        param_groups(model, train.weight_decay), **hyperparameters(train)
    )


def retune(
    optimizer: torch.optim.Optimizer,
    model: nn.Module,
    train: TrainSpec,
) -> torch.optim.Optimizer:
    """The optimizer with new hyperparameters, keeping its state (momentum, Adam's moments)
    when the kind is the same; a new kind starts afresh."""
    same_kind = type(optimizer) is OPTIMIZERS[train.optimizer]
    decayed_groups = 2 if train.weight_decay > 0 else 1
    if same_kind and len(optimizer.param_groups) == decayed_groups:
        for group in optimizer.param_groups:
            group.update(hyperparameters(train))
        if decayed_groups == 2:
            optimizer.param_groups[0]["weight_decay"] = train.weight_decay
        return optimizer
    fresh = make_optimizer(model, train)
    if same_kind:  # regrouped for weight decay: per-parameter state carries over
        fresh.state.update(optimizer.state)
    return fresh


def lr_factor(train: TrainSpec, epoch: int) -> float:
    """Multiplier on the base learning rate during `epoch` (0-based)."""
    if train.lr_schedule == "step":
        return train.lr_gamma ** (epoch // train.lr_period)
    if train.lr_schedule == "exponential":
        return train.lr_gamma**epoch
    if train.lr_schedule == "cosine":  # anneal to 0 over each period, then restart
        return 0.5 * (1 + math.cos(math.pi * (epoch % train.lr_period) / train.lr_period))
    return 1.0


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr
