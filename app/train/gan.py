"""GanRun: a generator and a discriminator trained against each other, step by step, with
the same small API as `Run` (step, set, reset, observe), so the worker, the CLI and the
lessons drive either without knowing which.

One step is one round of the game, in `gan_step`: `d_steps` discriminator updates on a real
and a fake batch, then one generator update through the (frozen) discriminator (the three
loss formulations: app/train/gan_losses.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from app.data.gan import GanData, build_gan_data
from app.nn.gan import build_discriminator, build_generator
from app.settings import DEFAULT_LIMITS, Limits
from app.spec import ExperimentSpec, GanNet, GanSpec, TrainSpec
from app.train import optim
from app.train.gan_losses import discriminator_loss, generator_loss
from app.train.modes import evaluating
from app.train.probes.gan import observe_gan
from app.train.rng import OwnRng
from app.train.trainer import DoneReason, Lifecycle, resolve_device

VIEW_SAMPLES = 512  # fixed latent vectors the views draw (the same every frame)


def gan_step(
    gan: GanSpec,
    generator: nn.Module,
    discriminator: nn.Module,
    g_opt: torch.optim.Optimizer,
    d_opt: torch.optim.Optimizer,
    real_batches: list[torch.Tensor],
    latents: list[torch.Tensor],
) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """One round: a discriminator update per real batch (`d_steps` of them, unless only the
    generator trains), then one generator update (unless only the discriminator trains).
    `latents` holds one batch per update, the generator's last. Returns the mean
    discriminator loss and the generator loss (None for a side that did not train)."""
    d_losses = []
    if gan.train_only != "generator":
        for real, z in zip(real_batches, latents, strict=False):
            d_opt.zero_grad(set_to_none=True)
            with torch.no_grad():
                fake = generator(z)  # the generator is fixed while the discriminator learns
            loss = discriminator_loss(gan.loss, discriminator(real), discriminator(fake))
            loss.backward()
            d_opt.step()
            d_losses.append(loss.detach())
    g_loss = None
    if gan.train_only != "discriminator":
        g_opt.zero_grad(set_to_none=True)
        discriminator.requires_grad_(False)  # gradients flow through D to G; D's stay unset
        try:
            g_loss = generator_loss(gan.loss, discriminator(generator(latents[-1])))
            g_loss.backward()
        finally:
            discriminator.requires_grad_(True)
        g_opt.step()
        g_loss = g_loss.detach()
    d_loss = torch.stack(d_losses).mean() if d_losses else None
    return d_loss, g_loss


@dataclass
class GanMetrics:
    """Means over the steps since the previous point; NaN for a side that did not train.
    `d_real` and `d_fake` are the discriminator's mean P(real) on the last real and fake
    batches: 0.5 and 0.5 at the game's equilibrium."""

    step: int
    epoch: int
    d_loss: float
    g_loss: float
    d_real: float
    d_fake: float


class GanRun(Lifecycle):
    """Both networks, their optimizers and the real samples (on one device), trained by
    rounds. `epoch` counts passes of the discriminator over the real samples' worth of
    batches; a metrics point is kept per epoch."""

    HOT = frozenset(
        {"g_lr", "d_lr", "d_steps", "gan_loss", "train_only", "batch_size", "max_steps"}
    )

    def __init__(
        self,
        spec: ExperimentSpec,
        device: str = "cpu",
        *,
        data: GanData | None = None,
        data_dir: Path | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        assert spec.gan is not None, "a GanRun needs a spec of kind 'gan'"
        self.device = resolve_device(device)
        self.limits = limits
        self.data_dir = data_dir
        self.spec = spec
        self.running = False
        self.data = data or build_gan_data(spec.data, spec.seed)
        self.real = self.data.real.to(self.device)
        self.task = "generate"
        self._init_training()

    @property
    def gan(self) -> GanSpec:
        assert self.spec.gan is not None
        return self.spec.gan

    def _init_training(self) -> None:
        gan, shape = self.gan, self.data.shape
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.spec.seed)  # weights built on the CPU: same on every device
            self.generator, self.g_report = build_generator(gan, shape, limits=self.limits)
            self.discriminator, self.d_report = build_discriminator(gan, shape, limits=self.limits)
            self._rng = OwnRng(self.device)
        self.generator.to(self.device)
        self.discriminator.to(self.device)
        self.g_opt = optim.make_optimizer(self.generator, _train_spec(gan.generator))
        self.d_opt = optim.make_optimizer(self.discriminator, _train_spec(gan.discriminator))
        self._batches = torch.Generator().manual_seed(self.spec.seed + 1)
        self._noise = torch.Generator().manual_seed(self.spec.seed + 2)
        view_noise = torch.Generator().manual_seed(self.spec.seed + 3)
        self.view_latents = self.sample_latent(VIEW_SAMPLES, view_noise).to(self.device)
        self.view_real = self.real[
            torch.randperm(len(self.real), generator=view_noise)[:VIEW_SAMPLES].to(self.device)
        ]
        self.step_count = 0
        self.epoch = 0
        self._order = self._new_order()
        self._pos = 0
        self.history: list[GanMetrics] = []
        self._pending: list[tuple[torch.Tensor | None, torch.Tensor | None]] = []
        self._last_scores = (math.nan, math.nan)
        self._done: tuple[DoneReason, str] | None = None

    def sample_latent(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """n latent vectors on the CPU, from the spec's distribution."""
        size = (n, self.gan.latent_size)
        if self.gan.latent == "normal":
            return torch.randn(size, generator=generator)
        return torch.rand(size, generator=generator) * 2 - 1

    @property
    def steps_per_epoch(self) -> int:
        return max(1, math.ceil(len(self.real) / self.gan.batch_size))

    @property
    def step_limit(self) -> int | None:
        return self.gan.max_steps

    def reset(self, seed: int | None = None) -> None:
        """Fresh weights (settings kept); a new seed also redraws the real samples."""
        if seed is not None and seed != self.spec.seed:
            self.spec = self.spec.model_copy(update={"seed": ExperimentSpec(seed=seed).seed})
            self.data = build_gan_data(self.spec.data, self.spec.seed)
            self.real = self.data.real.to(self.device)
        self.running = False
        self._init_training()

    @property
    def best_epoch(self) -> None:
        return None

    # --- training ---

    def step(self, n: int = 1) -> int:
        """Trains `n` rounds (fewer if the run ends); returns how many. Never raises: a
        failure inside torch ends the run as `failed`."""
        if self.done:
            return 0
        start = self.step_count
        try:
            with self._rng.active():
                for _ in range(n):
                    self._round()
                    if self.done:
                        break
        except (RuntimeError, ValueError) as error:
            self.fail(f"training failed at step {self.step_count + 1}: {error}")
        return self.step_count - start

    def _round(self) -> None:
        gan = self.gan
        d_updates = 0 if gan.train_only == "generator" else gan.d_steps
        real = [self._real_batch() for _ in range(d_updates)]
        z = [self._latent_batch() for _ in range(d_updates + 1)]
        self.generator.train()
        self.discriminator.train()
        self._pending.append(
            gan_step(gan, self.generator, self.discriminator, self.g_opt, self.d_opt, real, z)
        )
        self.step_count += 1
        if self.step_count % self.steps_per_epoch == 0:
            self._end_epoch(real[-1] if real else self.view_real)
        if gan.max_steps is not None and self.step_count >= gan.max_steps and not self.done:
            self._done = ("max_steps", f"trained the {gan.max_steps} steps asked for")
            self.running = False

    def _real_batch(self) -> torch.Tensor:
        end = self._pos + self.gan.batch_size
        if end > len(self._order):  # wrap: a fresh order
            self._order, self._pos, end = self._new_order(), 0, self.gan.batch_size
        idx = self._order[self._pos : end]
        self._pos = end
        return self.real[idx]

    def _latent_batch(self) -> torch.Tensor:
        return self.sample_latent(self.gan.batch_size, self._noise).to(self.device)

    def _new_order(self) -> torch.Tensor:
        n = len(self.real)
        reps = max(1, math.ceil(self.gan.batch_size / n))  # a batch bigger than the data
        order = torch.cat([torch.randperm(n, generator=self._batches) for _ in range(reps)])
        return order.to(self.device)

    def _end_epoch(self, real: torch.Tensor) -> None:
        """A metrics point: the epoch's mean losses (one device sync), the scores now."""
        self.epoch += 1
        d = [d for d, _ in self._pending if d is not None]
        g = [g for _, g in self._pending if g is not None]
        self._pending = []
        d_mean, g_mean = (float(torch.stack(x).mean()) if x else math.nan for x in (d, g))
        if not math.isfinite(d_mean if d else 0.0) or not math.isfinite(g_mean if g else 0.0):
            self._done = (
                "diverged",
                f"a loss became infinite or NaN by step {self.step_count}; "
                "try smaller learning rates",
            )
            self.running = False
        d_real, d_fake = self.scores(real[: self.gan.batch_size])
        self.history.append(GanMetrics(self.step_count, self.epoch, d_mean, g_mean, d_real, d_fake))

    @torch.no_grad()
    def scores(self, real: torch.Tensor) -> tuple[float, float]:
        """The discriminator's mean P(real) on `real` and on as many of the views' fakes."""
        with evaluating(self.generator), evaluating(self.discriminator):
            fake = self.generator(self.view_latents[: len(real)])
            both = torch.sigmoid(self.discriminator(torch.cat([real, fake]))).view(2, -1).mean(1)
        return float(both[0]), float(both[1])

    # --- live changes ---

    def set(self, **hot: Any) -> None:
        """Changes settings between steps, keeping the weights and optimizer state: g_lr,
        d_lr, d_steps, gan_loss, train_only, batch_size, max_steps. Raises ValueError (or
        pydantic's ValidationError) naming the field."""
        unknown = set(hot) - self.HOT
        if unknown:
            raise ValueError(
                f"cannot change {', '.join(sorted(unknown))} on a GAN; "
                f"live settings are {', '.join(sorted(self.HOT))}"
            )
        gan = self.gan.model_dump()
        for side, key in (("generator", "g_lr"), ("discriminator", "d_lr")):
            if key in hot:
                gan[side]["lr"] = hot.pop(key)
        if "gan_loss" in hot:
            gan["loss"] = hot.pop("gan_loss")
        new = GanSpec.model_validate(gan | hot)
        self.spec = self.spec.model_copy(update={"gan": new})
        self.g_opt = optim.retune(self.g_opt, self.generator, _train_spec(new.generator))
        self.d_opt = optim.retune(self.d_opt, self.discriminator, _train_spec(new.discriminator))
        if self._done and self._done[0] == "max_steps":
            if new.max_steps is None or new.max_steps > self.step_count:
                self._done = None

    # --- measuring ---

    def observe(self, *views: str, **options: Any) -> dict[str, Any]:
        """Numpy arrays for the named views (app/train/probes/gan.py); changes nothing."""
        return observe_gan(self, views, **options)

    def grad_norms(self) -> dict[str, float]:
        """The L2 norm of each network's gradient from its last update."""
        return {
            name: math.sqrt(
                sum(float(p.grad.pow(2).sum()) for p in net.parameters() if p.grad is not None)
            )
            for name, net in (("generator", self.generator), ("discriminator", self.discriminator))
        }


def _train_spec(net: GanNet) -> TrainSpec:
    """The optimizer settings of one network, as the optimizer factory reads them (every
    GanNet bound lies within TrainSpec's)."""
    return TrainSpec(
        optimizer=net.optimizer, lr=net.lr, beta1=net.beta1, beta2=net.beta2, momentum=net.momentum
    )
