"""Adversarial examples: the fast gradient sign method (FGSM, Goodfellow et al. 2015).

Each pixel moves by `eps` (pixels are in [0, 1]) in the direction that raises the loss of
the class the model answers, x' = clip(x + eps * sign(dL/dx), 0, 1): the largest change of
the loss a perturbation of that size per pixel can make, to first order. The control is
random signs of the same size: the same change per pixel, in no chosen direction.

Only the input's gradient is asked of autograd, so no parameter's .grad changes; the
random signs come from a generator of their own, so observing draws nothing from the
run's random numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from app.train.probes.common import ObserveError, to_numpy
from app.train.probes.example import _example_batch

if TYPE_CHECKING:
    from app.train.run import Run

EPS = 0.15  # the change of each pixel (pixels are in [0, 1]): faint on a digit
CAP = 1024  # val examples a flip fraction looks at
NOISE_SEED = 0  # random signs are the same for every look: the control is reproducible


def _check_images(run: Run) -> None:
    if run.data.input_kind != "image" or run.task != "multiclass":
        raise ObserveError("adversarial examples need image data with classes (digits)")


def gradient_signs(run: Run, x: torch.Tensor) -> torch.Tensor:
    """sign(dL/dx) for each example of `x` (B, C, H, W): L the loss of the model's own
    answer, so each example is pushed away from what the model reads in it."""
    with torch.enable_grad():
        held = x.detach().requires_grad_()
        out = run.model(held)  # (B, classes)
        answer = out.argmax(dim=1)
        (grad,) = torch.autograd.grad(run.loss_fn(out, answer), held)
    return grad.sign()


def random_signs(x: torch.Tensor) -> torch.Tensor:
    """±1 per pixel, seeded on its own generator (the run's random numbers stay untouched)."""
    generator = torch.Generator().manual_seed(NOISE_SEED)
    bits = torch.randint(0, 2, x.shape, generator=generator).to(x.device, x.dtype)
    return bits * 2 - 1


def perturb(x: torch.Tensor, signs: torch.Tensor, eps: float) -> torch.Tensor:
    """x + eps * signs, kept within the pixel range [0, 1]."""
    return (x + eps * signs).clamp(0.0, 1.0)


@torch.no_grad()
def flip_fraction(run: Run, eps: float = EPS, random: bool = False) -> float:
    """Of the val examples (up to CAP) the model reads right, the share whose answer changes
    when each pixel moves by `eps`: along the loss gradient's sign, or in random signs."""
    _check_images(run)
    x, y = run.x_val[:CAP], run.y_val[:CAP].to(run.x_val.device)
    right = run.model(x).argmax(dim=1) == y
    if not bool(right.any()):
        return float("nan")  # no example to flip: the figure does not exist
    x, y = x[right], y[right]
    signs = random_signs(x) if random else gradient_signs(run, x)
    flipped = run.model(perturb(x, signs, eps)).argmax(dim=1) != y
    return float(flipped.float().mean())


def adversarial(
    run: Run, sample: int = 0, inputs: Any = None, eps: float = EPS, **_: Any
) -> dict[str, Any]:
    """One example attacked by FGSM at `eps`: the original image (H, W), the perturbation
    (H, W, values ±eps where the pixel could move), the perturbed image (H, W), and the
    model's answer and its probability for each image."""
    _check_images(run)
    x = _example_batch(run, sample, inputs)  # (1, C, H, W)
    moved = perturb(x, gradient_signs(run, x), eps)
    with torch.no_grad():
        p_before = torch.softmax(run.model(x), dim=1)[0]
        p_after = torch.softmax(run.model(moved), dim=1)[0]
    label = int(run.y_val[sample]) if inputs is None else None
    before, after = int(p_before.argmax()), int(p_after.argmax())
    return {
        "original": to_numpy(x[0, 0]),
        "perturbation": to_numpy(moved[0, 0] - x[0, 0]),
        "perturbed": to_numpy(moved[0, 0]),
        "eps": eps,
        "label": label,
        "before": before,
        "p_before": float(p_before[before]),
        "after": after,
        "p_after": float(p_after[after]),
    }
