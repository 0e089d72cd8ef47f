"""Shared test setup."""

from __future__ import annotations

import torch

# As the CLI and the workers do (Settings.torch_threads): small nets train fastest on one
# thread, and timings do not depend on what else the machine is running.
torch.set_num_threads(1)
