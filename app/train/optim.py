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


def param_groups(model: nn.Module) -> list[dict]:
    """Weights (decayed) apart from biases and norm scales (not decayed), as is usual."""
    decay = [p for p in model.parameters() if p.ndim > 1]
    rest = [p for p in model.parameters() if p.ndim <= 1]
    return [{"params": decay, "decay": True}, {"params": rest, "decay": False}]


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
    groups = param_groups(model)
    for group in groups:
        group["weight_decay"] = train.weight_decay if group["decay"] else 0.0
    return OPTIMIZERS[train.optimizer](groups, **hyperparameters(train))


def retune(optimizer: torch.optim.Optimizer, train: TrainSpec) -> None:
    """Applies new hyperparameters in place, keeping the optimizer's state (momentum...)."""
    hp = hyperparameters(train)
    for group in optimizer.param_groups:
        group.update(hp)
        group["weight_decay"] = train.weight_decay if group["decay"] else 0.0


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
