"""Images moved by whole pixels, zeros filling in: the random shifts of data augmentation
(training batches, app/train/run.py) and of a shifted test set (app/data/images.py)."""

from __future__ import annotations

import torch
from torch.nn import functional as F


def shift_images(x: torch.Tensor, dy: torch.Tensor, dx: torch.Tensor) -> torch.Tensor:
    """Each image of x (B, C, H, W) moved down by dy[i] and right by dx[i] pixels ((B,)
    int64, negative: up or left); what leaves the canvas is lost, zeros come in."""
    batch, channels, height, width = x.shape
    k = int(max(dy.abs().max(), dx.abs().max())) if batch else 0
    if k == 0:
        return x
    padded = F.pad(x, (k, k, k, k))  # (B, C, H + 2k, W + 2k)
    # out[r, c] = x[r - dy, c - dx] = padded[r - dy + k, c - dx + k]
    rows = (k - dy.to(x.device))[:, None] + torch.arange(height, device=x.device)  # (B, H)
    cols = (k - dx.to(x.device))[:, None] + torch.arange(width, device=x.device)  # (B, W)
    b = torch.arange(batch, device=x.device)[:, None, None, None]
    c = torch.arange(channels, device=x.device)[None, :, None, None]
    return padded[b, c, rows[:, None, :, None], cols[:, None, None, :]]


def random_shifts(
    x: torch.Tensor, most: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """(dy, dx), each (B,) int64 uniform in [-most, most], from `generator` (CPU)."""
    dy = torch.randint(-most, most + 1, (len(x),), generator=generator)
    dx = torch.randint(-most, most + 1, (len(x),), generator=generator)
    return dy, dx
