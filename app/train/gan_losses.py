"""The GAN's three loss formulations, one function per side (app/train/gan.py trains with
them; the `gan_gradients` view differentiates the generator's). Each takes the
discriminator's logits: D(x) = sigmoid(logit) is the probability that x is real."""

from __future__ import annotations

import torch
from torch.nn import functional as F


def discriminator_loss(kind: str, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Real samples should score 1, fakes 0: cross-entropy, or squares for least squares."""
    if kind == "least_squares":
        return 0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake**2).mean()
    return F.softplus(-real).mean() + F.softplus(fake).mean()  # -log D(x) - log(1 - D(G(z)))


def generator_loss(kind: str, fake: torch.Tensor) -> torch.Tensor:
    """What the generator minimizes. classic: log(1 - D(G(z))), the minimax game, whose
    gradient vanishes while D rejects the fakes; non_saturating: -log D(G(z)), the same
    fixed point with strong gradients early; least_squares: (D(G(z)) - 1)^2 / 2."""
    if kind == "classic":
        return -F.softplus(fake).mean()
    if kind == "least_squares":
        return 0.5 * ((fake - 1) ** 2).mean()
    return F.softplus(-fake).mean()
