"""A run's own stream of torch's global random numbers (dropout draws from the global
generator), so runs that share a process (a worker time-slices many) stay reproducible
whatever their interleaving."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch


class OwnRng:
    """Holds a run's generator state between uses; `active()` swaps it in and out."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self._cpu = torch.random.get_rng_state()  # continues from the caller's state now
        self._cuda: torch.Tensor | None = None

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        cuda = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=cuda):
            torch.random.set_rng_state(self._cpu)
            if cuda and self._cuda is not None:
                torch.cuda.set_rng_state(self._cuda, self.device)
            yield
            self._cpu = torch.random.get_rng_state()
            if cuda:
                self._cuda = torch.cuda.get_rng_state(self.device)

    def generator(self) -> torch.Generator:
        """A generator that continues this run's stream (CPU): what a group of runs trained
        together draws the run's dropout from, then hands back with `take`."""
        generator = torch.Generator()
        generator.set_state(self._cpu)
        return generator

    def take(self, generator: torch.Generator) -> None:
        """The stream continues from where `generator` left it."""
        self._cpu = generator.get_state()
