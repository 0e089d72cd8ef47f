"""What a viewer can observe of a GAN, as numpy arrays: GAN Lab's views for 2-D data (real
and fake samples, the generator's warped latent grid, the discriminator's verdict over the
plane, the way each fake is pushed) and sample grids for images, plus quality readouts.

Like the supervised probes, every view runs in eval mode under no_grad, on fixed latent
vectors drawn once per run, and draws no random numbers, so observing never changes
training. `gan_gradients` turns gradients on for its own pass and asks autograd for the
samples' gradient only, so no parameter's .grad changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from app.train.gan_losses import generator_loss
from app.train.judge import judge_images
from app.train.modes import evaluating
from app.train.probes.common import ObserveError, to_numpy

if TYPE_CHECKING:
    from app.train.gan import GanRun

DRAWN = 256  # real and fake samples drawn on the plane
SAMPLE_GRID = 36  # images in the sample grid (6 x 6)
INTERPOLATION_STEPS = 11
MAX_MANIFOLD_GRID = 40
NEAR_SPREADS = 3.0  # a fake within this many standard deviations of the data is "on" it
MODE_SHARE = 0.01  # a mode is covered when at least this share of the fakes sit on it


def observe_gan(run: GanRun, views: tuple[str, ...], **options: Any) -> dict[str, Any]:
    unknown = [v for v in views if v not in GAN_VIEWS]
    if unknown:
        raise ObserveError(f"unknown GAN view {unknown[0]!r}; GAN views are {', '.join(GAN_VIEWS)}")
    with torch.no_grad(), evaluating(run.generator), evaluating(run.discriminator):
        return {view: GAN_VIEWS[view](run, **options) for view in views}


def metrics(run: GanRun, **_: Any) -> dict[str, float]:
    """The latest metrics point (NaN before the first epoch ends)."""
    if not run.history:
        nan = float("nan")
        return {
            "step": run.step_count,
            "epoch": run.epoch,
            "d_loss": nan,
            "g_loss": nan,
            "d_real": nan,
            "d_fake": nan,
        }
    return dict(vars(run.history[-1]))


def _points_only(run: GanRun, view: str) -> None:
    if run.data.input_kind != "points":
        raise ObserveError(f"{view} needs 2-D data; image GANs show gan_images")


def _images_only(run: GanRun, view: str) -> None:
    if run.data.input_kind != "image":
        raise ObserveError(f"{view} needs image data; 2-D GANs show gan_samples")


def _fakes(run: GanRun, memo: dict[str, Any]) -> torch.Tensor:
    """The generator's output for the fixed view latents, computed once per frame."""
    if "fakes" not in memo:
        memo["fakes"] = run.generator(run.view_latents)
    return memo["fakes"]


def samples(run: GanRun, memo: dict[str, Any] | None = None, **_: Any) -> dict[str, np.ndarray]:
    """Real and fake samples: (256, 2) each, the same latents and real points every frame."""
    _points_only(run, "gan_samples")
    fake = _fakes(run, {} if memo is None else memo)
    return {"real": to_numpy(run.view_real[:DRAWN]), "fake": to_numpy(fake[:DRAWN])}


def manifold(run: GanRun, grid: int = 20, **_: Any) -> np.ndarray:
    """The generator's image of a grid over the latent space: (rows, columns, 2). The grid
    spans [-1, 1] (uniform latents) or [-2, 2] (normal, two standard deviations) in the
    first two latent dimensions, the others held at 0; one row for a 1-D latent."""
    _points_only(run, "gan_manifold")
    grid = max(2, min(grid, MAX_MANIFOLD_GRID))
    reach = 1.0 if run.gan.latent == "uniform" else 2.0
    axis = torch.linspace(-reach, reach, grid)
    latent = run.gan.latent_size
    if latent == 1:
        z, rows = axis[:, None], 1
    else:
        b, a = torch.meshgrid(axis, axis, indexing="ij")
        z = torch.zeros(grid * grid, latent)
        z[:, 0], z[:, 1] = a.flatten(), b.flatten()
        rows = grid
    out = run.generator(z.to(run.device))
    return to_numpy(out.reshape(rows, grid, 2))


def discriminator(run: GanRun, grid: int = 60, **_: Any) -> np.ndarray:
    """The discriminator's P(real) over the plane: (grid, grid), row 0 at the top (max y),
    over the data's square domain. (The worker passes the view's `boundary_grid`.)"""
    _points_only(run, "gan_discriminator")
    assert run.data.domain is not None
    grid = max(2, min(grid, run.limits.max_grid))
    axis = torch.linspace(*run.data.domain, grid)
    y, x = torch.meshgrid(axis.flip(0), axis, indexing="ij")
    plane = torch.stack([x.flatten(), y.flatten()], dim=1).to(run.device)
    return to_numpy(torch.sigmoid(run.discriminator(plane)).reshape(grid, grid))


def gradients(run: GanRun, memo: dict[str, Any] | None = None, **_: Any) -> np.ndarray:
    """For each drawn fake, the direction the generator's loss pushes it: minus the loss's
    gradient with respect to the sample, (256, 2). The generator moves its weights so that
    its samples follow these arrows (as far as it can)."""
    _points_only(run, "gan_gradients")
    fake = _fakes(run, {} if memo is None else memo)[:DRAWN].detach().requires_grad_(True)
    with torch.enable_grad():
        # Summed, not averaged: each arrow is its own sample's gradient, whatever the count.
        loss = generator_loss(run.gan.loss, run.discriminator(fake)) * len(fake)
        (grad,) = torch.autograd.grad(loss, fake)
    return to_numpy(-grad)


def images(run: GanRun, memo: dict[str, Any] | None = None, **_: Any) -> np.ndarray:
    """Generated images from 36 fixed latent vectors, (36, C, H, W) in [0, 1]: the same
    vectors every frame, so a student sees each sample sharpen."""
    _images_only(run, "gan_images")
    return to_numpy(_fakes(run, {} if memo is None else memo)[:SAMPLE_GRID])


def interpolation(run: GanRun, **_: Any) -> np.ndarray:
    """Images along the straight line between two fixed latent vectors, (11, C, H, W): the
    page's slider walks it."""
    _images_only(run, "gan_interpolation")
    t = torch.linspace(0, 1, INTERPOLATION_STEPS, device=run.device)[:, None]
    z = (1 - t) * run.view_latents[0] + t * run.view_latents[1]
    return to_numpy(run.generator(z))


def quality(run: GanRun, memo: dict[str, Any] | None = None, **_: Any) -> dict[str, Any]:
    """How good and how varied the fakes are, on all 512 view latents.

    2-D: `on_data`, the share of fakes within 3 standard deviations of some real sample;
    with the 8 gaussians also `modes_covered` (of `modes`), a mode counting when at least
    1 % of the fakes sit on it, and `mode_counts`. Images: the built-in digit classifier's
    `confident` share (P >= 0.9), the distinct `classes` among those and `class_counts`."""
    fakes = _fakes(run, {} if memo is None else memo)
    if run.data.input_kind == "image":
        verdict = judge_images(fakes, run.data.name, run.data_dir)  # type: ignore[arg-type]
        return {
            "confident": verdict.confident,
            "classes": verdict.classes,
            "class_counts": verdict.class_counts,
        }
    reach = NEAR_SPREADS * run.data.spread
    nearest = torch.cdist(fakes, run.real).min(dim=1).values
    out: dict[str, Any] = {"on_data": float((nearest <= reach).float().mean())}
    if run.data.modes is not None:
        counts = mode_counts(fakes, run.data.modes.to(fakes.device), reach)
        out["modes"] = len(counts)
        out["modes_covered"] = sum(c >= MODE_SHARE * len(fakes) for c in counts)
        out["mode_counts"] = counts
    return out


def mode_counts(fakes: torch.Tensor, modes: torch.Tensor, reach: float) -> list[int]:
    """How many fakes lie within `reach` of each mode's centre."""
    return [int(n) for n in (torch.cdist(fakes, modes) <= reach).sum(dim=0).tolist()]


GAN_VIEWS: dict[str, Callable[..., Any]] = {
    "metrics": metrics,
    "gan_samples": samples,
    "gan_manifold": manifold,
    "gan_discriminator": discriminator,
    "gan_gradients": gradients,
    "gan_images": images,
    "gan_interpolation": interpolation,
    "gan_quality": quality,
}
