"""Run: one experiment you can step, pause, retune, reset and observe, synchronously.

The training step itself is `train_step` below: forward, loss, backward, optimizer step.
Everything else here is bookkeeping around it (epochs, schedules, early stopping,
divergence), kept out of the step so the loop reads like the textbook's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from app.data import build_dataset
from app.data.base import Dataset
from app.data.shifts import random_shifts, shift_images
from app.nn import ModelInput, build_model, cost
from app.settings import DEFAULT_LIMITS, Limits
from app.spec import Dropout, ExperimentSpec, Layer, TrainSpec
from app.train import objective, optim, probes
from app.train.modes import evaluating
from app.train.objective import LossFn
from app.train.rng import OwnRng
from app.train.trainer import DoneReason, Lifecycle, resolve_device

EVAL_CHUNK = 1024  # examples per forward pass when evaluating
TRAIN_EVAL_CAP = 4096  # train-set metrics are measured on at most this many examples
# A loss beyond this many times the run's first loss (floored at LOSS_FLOOR, so a tiny first
# regression loss does not make a small bump count) has exploded: the run has diverged, even
# while every number is still finite (lr 10 on plane reaches 3.7e8 before inf). Not lower:
# the dead-relu lesson's leaky arm at lr 10 spikes to 1e4 times its first loss and recovers
# (seed 2; 1e3 to 3e3 on most seeds 0-9), and a recovering run is not diverged.
DIVERGED_FACTOR = 1e6
LOSS_FLOOR = 0.01


def train_step(
    model: nn.Module,
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    x: torch.Tensor,
    y: torch.Tensor,
    l1: float,
    clip: float | None,
) -> torch.Tensor:
    """One step of gradient descent on a batch; returns the batch's data loss (detached)."""
    optimizer.zero_grad(set_to_none=True)
    loss = loss_fn(model(x), y)  # forward
    total = loss
    if l1 > 0:  # L1 penalty on the weights (not biases), as in TensorFlow Playground
        total = loss + l1 * sum(p.abs().sum() for p in model.parameters() if p.ndim > 1)
    total.backward()  # backward: fills p.grad
    if clip is not None:  # rescale all gradients together when their norm exceeds `clip`
        nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()  # update the weights
    return loss.detach()


@dataclass
class Metrics:
    """Quality at one moment. `val_score` and `train_score` are accuracy for classification
    and R² for regression. Non-finite values stay NaN here; the wire turns them to null."""

    step: int
    epoch: int
    train_loss: float
    val_loss: float
    train_score: float
    val_score: float
    lr: float
    grad_norms: dict[str, float] = field(default_factory=dict)


@dataclass
class Measured:
    """One evaluation's numbers, before they become a Metrics point (which adds the step,
    epoch and learning rate): what a group of runs measures for each of its runs at once."""

    train_loss: float
    train_score: float
    val_loss: float
    val_score: float
    grad_norms: dict[str, float]


class WeightEditError(ValueError):
    """`Run.edit_weight` cannot apply; `field` is the part at fault: param, index or value."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Run(Lifecycle):
    """A model, its optimizer and its data (all on one device), trained step by step."""

    def __init__(
        self,
        spec: ExperimentSpec,
        device: str = "cpu",
        *,
        data: Dataset | None = None,
        data_dir: Path | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.device = resolve_device(device)
        self.limits = limits
        self.data_dir = data_dir
        self.spec = spec
        self.running = False  # set by whoever drives the run (the worker's play/pause)
        self._load_data(data)
        self._init_training()

    def _load_data(self, data: Dataset | None = None) -> None:
        spec = self.spec
        self.data = data or build_dataset(
            spec.data, spec.seed, data_dir=self.data_dir, limits=self.limits
        )
        self.task = self.data.task
        self.score_name = "r2" if self.task == "regression" else "accuracy"
        self.x_train, self.y_train, self.x_val, self.y_val = (
            t.to(self.device)
            for t in (self.data.x_train, self.data.y_train, self.data.x_val, self.data.y_val)
        )

    # --- life cycle ---

    def _init_training(self) -> None:
        """Fresh weights, optimizer and batch order from the spec's seed."""
        spec = self.spec
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(spec.seed)  # weights built on the CPU: same on every device
            self.model, self.report = build_model(
                spec.model.layers,
                ModelInput.of(self.data),
                batch_size=spec.train.batch_size,
                limits=self.limits,
                output_init=spec.model.output_init,
                output_init_value=spec.model.output_init_value,
            )
            self._rng = OwnRng(self.device)  # dropout's draws continue from here
        self.model.to(self.device)
        # Examples one evaluation may use (app/nn/cost.py): all of them for small networks.
        self.eval_size = cost.eval_examples(self.report, self.limits)
        self.loss_fn = objective.make_loss(self.task, spec.train.loss)
        self.optimizer = optim.make_optimizer(self.model, spec.train)
        self._shuffle = torch.Generator().manual_seed(spec.seed + 1)
        self._augment = torch.Generator().manual_seed(spec.seed + 2)  # augmentation's shifts
        self.step_count = 0
        self.epoch = 0
        self._order = self._new_order()
        self._pos = 0  # next example of `_order` to train on
        self.history: list[Metrics] = []
        self._done: tuple[DoneReason, str] | None = None
        self._first_loss: float | None = None  # the reference for DIVERGED_FACTOR
        self._best: tuple[float, int, dict[str, torch.Tensor]] | None = None
        self._bad_epochs = 0
        # (step, flat weights) seen by the loss_landscape view: the path it draws
        self.trail: list[tuple[int, torch.Tensor]] = []
        self._apply_lr()

    @property
    def steps_per_epoch(self) -> int:
        return max(1, math.ceil(len(self.x_train) / self.spec.train.batch_size))

    @property
    def step_limit(self) -> int | None:
        """The steps `max_epochs` allows at today's batch size; None without a limit."""
        epochs = self.spec.train.max_epochs
        return None if epochs is None else epochs * self.steps_per_epoch

    def reset(self, seed: int | None = None) -> None:
        """Start over with fresh weights (the current settings kept); a new seed also
        regenerates the data."""
        if seed is not None and seed != self.spec.seed:
            self.spec = self.spec.model_copy(update={"seed": ExperimentSpec(seed=seed).seed})
            self._load_data()
        self.running = False
        self._init_training()

    # --- training ---

    def step(self, n: int = 1) -> int:
        """Trains `n` batches (fewer if the run ends); returns how many were trained.

        Never raises: a failure inside torch (out of memory, a shape torch refuses) ends the
        run as `failed` with the reason in its status."""
        if self.done:
            return 0
        start = self.step_count
        try:
            self._train(n)
        except (RuntimeError, ValueError, MemoryError) as error:  # torch's failures
            what = str(error)
            if _out_of_memory(error):  # torch's message names a source file, not a remedy
                what = (
                    "out of memory: this server's workers cannot hold what it needed; "
                    "use fewer or smaller layers, or a smaller batch"
                )
            self.fail(f"training failed at step {self.step_count + 1}: {what}")
        return self.step_count - start

    def _train(self, n: int) -> None:
        losses: list[torch.Tensor] = []  # since the last finiteness check
        model, loss_fn, x, y = self.model, self.loss_fn, self.x_train, self.y_train
        l1, clip = self.spec.train.l1, self.spec.train.grad_clip
        batch, n_train = self.spec.train.batch_size, len(x)
        shift = self.spec.data.augment if self.data.input_kind == "image" else 0
        with self._rng.active():
            model.train()
            for _ in range(n):
                end = min(self._pos + batch, n_train)
                if 0 < n_train - end < 2 <= batch:
                    end = n_train  # no lone last example: batch norm cannot train on one
                idx = self._order[self._pos : end]
                xb = x[idx]
                if shift:  # data augmentation: each image moved anew, every step
                    xb = shift_images(xb, *random_shifts(xb, shift, self._augment))
                losses.append(train_step(model, loss_fn, self.optimizer, xb, y[idx], l1, clip))
                self.step_count += 1
                self._pos = end
                if end == n_train:  # epoch boundary
                    if self._check_finite(losses):
                        return
                    losses = []
                    self._end_epoch()
                    if self.done:
                        return
        self._check_finite(losses)

    def _check_finite(self, losses: list[torch.Tensor]) -> bool:
        """Marks the run diverged at the first non-finite or exploded loss among the latest
        steps (`losses` ends at the current step), or when the last update left a weight
        non-finite (its loss was still finite: the views would see NaN weights). One device
        sync per call."""
        if not losses or self.done:
            return self.done
        with torch.no_grad():  # non-finite if any weight is
            norms = torch._foreach_norm([p.detach() for p in self.model.parameters()])
        both = torch.cat([torch.stack(losses).float(), torch.stack(norms).float()]).cpu()
        weights_ok = bool(torch.isfinite(both[len(losses) :]).all())
        return self.check_losses(both[: len(losses)].tolist(), weights_ok)

    def check_losses(self, values: Sequence[float], weights_ok: bool = True) -> bool:
        """`_check_finite` on losses already read (the latest steps', ending at the current
        step): what a group of runs trained together (app/train/group) calls per run."""
        if not values or self.done:
            return self.done
        if self._first_loss is None and math.isfinite(values[0]):
            self._first_loss = values[0]
        bound = self.loss_bound
        first = next(
            (i for i, v in enumerate(values) if not (math.isfinite(v) and v <= bound)), None
        )
        if first is not None:
            self._diverge(self.step_count - len(values) + first + 1, values[first])
        elif not weights_ok:
            self._diverge(self.step_count, math.nan, weights=True)
        return self.done

    @property
    def loss_bound(self) -> float:
        """The largest loss that does not count as diverged (see DIVERGED_FACTOR)."""
        first = LOSS_FLOOR if self._first_loss is None else self._first_loss
        return DIVERGED_FACTOR * max(first, LOSS_FLOOR)

    def _diverge(self, step: int, loss: float, weights: bool = False) -> None:
        """Ends the run as diverged; the detail says how, in words, never with the number
        itself as a loss a page could show."""
        if weights:
            what = "the weights became infinite or NaN"
        elif not math.isfinite(loss):
            what = "the loss became infinite or NaN"
        else:
            what = f"the loss exploded to over {DIVERGED_FACTOR:,.0f} times its first value"
        self._done = ("diverged", f"{what} at step {step}; try a smaller learning rate")
        self.running = False

    def _end_epoch(self, measured: Measured | None = None) -> None:
        """Bookkeeping at an epoch's end: a new order, the metrics (measured now, or as a
        group measured them for this run), divergence, early stopping, the schedule."""
        self.epoch += 1
        self._order, self._pos = self._new_order(), 0
        metrics = self.metrics_from(measured or self.measure())
        losses = [metrics.train_loss] + ([metrics.val_loss] if len(self.x_val) else [])
        bad = [x for x in losses if not math.isfinite(x) or x > self.loss_bound]
        if bad:  # no metric point with a huge or NaN loss: the status says diverged
            self._diverge(self.step_count, bad[0])
            return
        self.history.append(metrics)
        train = self.spec.train
        if train.early_stopping is not None and self._early_stop(metrics.val_loss):
            return
        if train.max_epochs is not None and self.epoch >= train.max_epochs:
            self._done = ("max_epochs", f"trained the {train.max_epochs} epochs asked for")
            self.running = False
        self._apply_lr()

    def _early_stop(self, val_loss: float) -> bool:
        rule = self.spec.train.early_stopping
        assert rule is not None
        if self._best is None or val_loss < self._best[0] - rule.min_delta:
            state = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
            self._best, self._bad_epochs = (val_loss, self.epoch, state), 0
            return False
        self._bad_epochs += 1
        if self._bad_epochs < rule.patience:
            return False
        best_loss, best_epoch, best_state = self._best
        if rule.restore_best:
            self.model.load_state_dict(best_state)
        self._done = (
            "early_stopped",
            f"no val-loss improvement for {rule.patience} epochs; "
            f"best {best_loss:.4g} at epoch {best_epoch}"
            + (" (weights restored)" if rule.restore_best else ""),
        )
        self.running = False
        return True

    @property
    def best_epoch(self) -> int | None:
        """The epoch with the best val loss so far (early stopping only)."""
        return self._best[1] if self._best else None

    def _new_order(self) -> torch.Tensor:
        n = len(self.x_train)
        return torch.randperm(n, generator=self._shuffle).to(self.device)

    def _apply_lr(self) -> None:
        optim.set_lr(self.optimizer, self.lr)

    @property
    def lr(self) -> float:
        """The learning rate now: the base rate times the schedule's factor for this epoch."""
        return self.spec.train.lr * optim.lr_factor(self.spec.train, self.epoch)

    # --- live changes ---

    HOT = frozenset(TrainSpec.model_fields) - {"loss"} | {"dropout"}

    def set(self, **hot: Any) -> None:
        """Changes training settings between steps, keeping the weights.

        Accepts TrainSpec fields (lr, optimizer, momentum, weight_decay, l1, batch_size,
        schedule, early stopping, max_epochs...) and `dropout` (the p of every dropout
        layer). Raises pydantic's ValidationError, or ValueError, naming the field."""
        unknown = set(hot) - self.HOT
        if unknown:
            raise ValueError(
                f"cannot change {', '.join(sorted(unknown))} while training; "
                f"live settings are {', '.join(sorted(self.HOT))}"
            )
        dropout = hot.pop("dropout", None)
        old = self.spec.train
        train = TrainSpec.model_validate(old.model_dump() | hot)
        if train.batch_size < 2 and _has_batchnorm(self.spec.model.layers):
            raise ValueError("batch_size: batch norm needs at least 2 examples per batch")
        layers = self.spec.model.layers
        if dropout is not None:
            p = Dropout(p=dropout).p  # validated: 0 <= p <= 0.95
            layers = [Dropout(p=p) if layer.type == "dropout" else layer for layer in layers]
            for module in self.model.modules():
                if isinstance(module, nn.Dropout):
                    module.p = p
        self.spec = self.spec.model_copy(
            update={"train": train, "model": self.spec.model.model_copy(update={"layers": layers})}
        )
        self.optimizer = optim.retune(self.optimizer, self.model, train)
        self._apply_lr()
        if (
            self.done
            and self._done
            and self._done[0] == "max_epochs"
            and (train.max_epochs is None or train.max_epochs > self.epoch)
        ):
            self._done = None  # more epochs allowed: the run may go on

    @torch.no_grad()
    def edit_weight(self, param: str, index: Sequence[int], value: float) -> None:
        """Sets one element of one parameter in place, between steps or while paused, like
        clicking a connection in TensorFlow Playground. `param` is a name the `weights` view
        uses (``dense0.linear.weight``, indexed [out, in]; ``dense0.linear.bias``, [out]).
        The optimizer's state (momentum, Adam's moments) is kept. Raises WeightEditError,
        naming the parameters or the valid index range."""
        params = dict(self.model.named_parameters())
        tensor = params.get(param)
        if tensor is None:
            shown = param if len(param) <= 40 else param[:40] + "..."  # never echo a long input
            raise WeightEditError(
                "param", f"no parameter named {shown!r}; the parameters are {_listing(params)}"
            )
        shape = list(tensor.shape)
        if len(index) != len(shape):
            raise WeightEditError(
                "index",
                f"{param} has shape {shape}: its index needs {len(shape)} numbers, "
                f"not {len(index)}",
            )
        for axis, (i, size) in enumerate(zip(index, shape, strict=True)):
            if not 0 <= i < size:
                raise WeightEditError(
                    "index",
                    f"index {list(index)} is outside {param} (shape {shape}): "
                    f"position {axis} must be 0 to {size - 1}",
                )
        if not math.isfinite(value):
            raise WeightEditError("value", "the value must be a finite number")
        tensor[tuple(index)] = value

    # --- measuring ---

    def evaluate(self) -> Metrics:
        """Loss and accuracy/R² on the train set (up to TRAIN_EVAL_CAP examples) and the val
        set, plus each layer's gradient norm from the last step. Changes nothing."""
        return self.metrics_from(self.measure())

    def metrics_from(self, measured: Measured) -> Metrics:
        """The run's metrics now, from what was measured of it (by itself or its group)."""
        m = measured
        return Metrics(
            self.step_count,
            self.epoch,
            m.train_loss,
            m.val_loss,
            m.train_score,
            m.val_score,
            self.lr,
            m.grad_norms,
        )

    @torch.no_grad()
    def measure(self) -> Measured:
        """What `evaluate` reports, measured now. A network too costly to measure every
        example within `Limits.max_eval_seconds` is measured on the first `eval_size`
        examples of each split (the same ones every time)."""
        train_cap, val_cap = min(TRAIN_EVAL_CAP, self.eval_size), self.eval_size
        with evaluating(self.model):
            train_loss, train_score = self._measure(
                self.x_train[:train_cap], self.y_train[:train_cap]
            )
            val_loss, val_score = self._measure(self.x_val[:val_cap], self.y_val[:val_cap])
        return Measured(train_loss, train_score, val_loss, val_score, self.grad_norms())

    def _measure(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
        if len(x) == 0:
            return math.nan, math.nan
        chunks = [self.model(x[i : i + EVAL_CHUNK]) for i in range(0, len(x), EVAL_CHUNK)]
        outs = chunks[0] if len(chunks) == 1 else torch.cat(chunks)
        loss = float(self.loss_fn(outs, y))
        if self.task == "regression":
            return loss, objective.r2_score(outs, y)
        return loss, float(objective.correct(self.task, outs, y)) / len(y)

    def grad_norms(self) -> dict[str, float]:
        """L2 norm of each layer's gradient (all its parameters) from the last training step;
        0 for a layer with parameters but no gradient yet."""
        owners = [
            (name, p) for name, child in self.model.named_children() for p in child.parameters()
        ]
        norms = dict.fromkeys((name for name, _ in owners), 0.0)
        with_grad = [(name, p.grad) for name, p in owners if p.grad is not None]
        if with_grad:
            # One fused op and one device sync for all parameters, not a few per layer.
            each = torch.stack(torch._foreach_norm([g for _, g in with_grad])).tolist()
            for (name, _), norm in zip(with_grad, each, strict=True):
                norms[name] += norm**2
        return {name: math.sqrt(sq) for name, sq in norms.items()}

    def observe(self, *views: str, **options: Any) -> dict[str, Any]:
        """Numpy arrays for the named views (see the app/train/probes package); changes nothing."""
        return probes.observe(self, views, **options)


def _out_of_memory(error: Exception) -> bool:
    """Whether an allocation failed (torch's CPU and CUDA allocators, or numpy)."""
    text = str(error)
    return (
        isinstance(error, MemoryError) or "can't allocate memory" in text or "out of memory" in text
    )


def _listing(params: dict[str, Any], most: int = 24) -> str:
    """Parameter names for an error message, at most `most` of them."""
    names = list(params)
    shown = ", ".join(names[:most])
    return shown if len(names) <= most else f"{shown}... ({len(names)} in all)"


def _has_batchnorm(layers: Sequence[Layer]) -> bool:
    return any(layer.type == "batchnorm" for layer in layers)
