"""A group's dense networks stacked into one: each layer's weights for every run in one
(runs, out, in) tensor, padded with zeros to the widest run, so one batched matrix product
steps the whole group. Forward and backward are written out (the textbook's
backpropagation, one line per equation) rather than left to autograd: for networks this
small a step costs its dispatch, and autograd's bookkeeping would double it.

Padding never changes a run's numbers:
- a padded unit's weights and bias are zero and a mask zeroes its output (sigmoid(0) is
  not 0), so it passes nothing on and no gradient comes back to it;
- a padded input feature is zero, so its column gets no gradient;
- a run with fewer layers than the deepest passes its hidden vector through the extra
  layers unchanged (a `where`), so their weights get no gradient either.
Each layer computes every activation its runs use and each run takes its own."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch.nn import functional as F

from app.train.group.layout import DenseLayout

Tensor = torch.Tensor
Forward = Callable[[Tensor], Tensor]
Derivative = Callable[[Tensor, Tensor], Tensor]  # (z, f(z)) -> f'(z)

_SQRT1_2 = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


def _d_gelu(z: Tensor, f: Tensor) -> Tensor:  # Phi(z) + z phi(z), for the exact (erf) GELU
    return 0.5 * (1 + torch.erf(z * _SQRT1_2)) + z * torch.exp(-0.5 * z * z) * _INV_SQRT_2PI


def _d_silu(z: Tensor, f: Tensor) -> Tensor:
    s = torch.sigmoid(z)
    return s * (1 + z * (1 - s))


# Each activation of app/nn/blocks.py, and its derivative (None: the identity's, 1).
ACTIVATIONS: dict[str, tuple[Forward, Derivative | None]] = {
    "tanh": (torch.tanh, lambda z, f: 1 - f * f),
    "sigmoid": (torch.sigmoid, lambda z, f: f * (1 - f)),
    "relu": (torch.relu, lambda z, f: (z > 0).to(z.dtype)),
    "leaky_relu": (F.leaky_relu, lambda z, f: torch.where(z > 0, 1.0, 0.01)),
    "elu": (F.elu, lambda z, f: torch.where(z > 0, 1.0, f + 1)),
    "gelu": (F.gelu, _d_gelu),
    "silu": (F.silu, _d_silu),
    "softplus": (F.softplus, lambda z, f: torch.sigmoid(z)),
    "linear": (lambda z: z, None),
}


# For views only (a picture quantized to 256 levels), tanh as 2 sigmoid(2z) - 1: torch's
# sigmoid is about six times faster than its tanh on this kind of CPU, and a 100x100
# boundary for every run of a class is mostly tanh. Equal to within 1e-6.
VIEW_ACTIVATIONS = ACTIVATIONS | {
    "tanh": (lambda z: torch.sigmoid(2 * z).mul_(2).sub_(1), None),
}


@dataclass
class Slot:
    """One hidden layer position of the stack, and how each run uses it."""

    activations: list[tuple[str, Tensor | None]]  # (name, which runs (N,1,1)); the first: None
    units: Tensor | None  # (N,1,D) 1 for a run's real units; None: no run is padded here
    depth: Tensor | None  # (N,1,1) True where the run has this layer; None: all have it

    def take(self, rows: Tensor) -> Slot:
        """The slot for some of the runs (their indices)."""
        return Slot(
            [(name, None if m is None else m[rows]) for name, m in self.activations],
            None if self.units is None else self.units[rows],
            None if self.depth is None else self.depth[rows],
        )

    def activate(self, z: Tensor) -> Tensor:
        (name, _), *others = self.activations
        f = ACTIVATIONS[name][0](z)
        for name, runs in others:
            assert runs is not None
            f = torch.where(runs, ACTIVATIONS[name][0](z), f)
        return f

    def activate_rows(self, z: Tensor) -> Tensor:
        """`activate` for views (VIEW_ACTIVATIONS), each activation on its own runs' rows
        only: on a view's many points a `where` per activation over every run cost more
        than the matrix products."""
        if len(self.activations) == 1:
            return VIEW_ACTIVATIONS[self.activations[0][0]][0](z)
        out = torch.empty_like(z)
        left = torch.ones(len(z), dtype=torch.bool, device=z.device)
        for name, runs in reversed(self.activations):  # later kinds win, as in `activate`
            rows = left if runs is None else runs.view(-1) & left
            picked = rows.nonzero().view(-1)
            if len(picked):
                out[picked] = VIEW_ACTIVATIONS[name][0](z[picked])
            left &= ~rows
        return out

    def derivative(self, z: Tensor, f: Tensor) -> Tensor | None:
        (name, _), *others = self.activations
        derivative = ACTIVATIONS[name][1]
        if not others:
            return None if derivative is None else derivative(z, f)
        d = torch.ones_like(z) if derivative is None else derivative(z, f)
        for name, runs in others:
            assert runs is not None
            derivative = ACTIVATIONS[name][1]
            d = torch.where(runs, torch.ones_like(z) if derivative is None else derivative(z, f), d)
        return d


class DenseStack:
    """The parameters of N dense networks, stacked and padded, and their gradients.

    Parameters, in order: each hidden slot's weight (N, D, D) and bias (N, 1, D), then the
    output layer's weight (N, O, D) and bias (N, 1, O). D is the widest layer or input
    of any run. `member_views(i)` gives run i's own parameters as views into these."""

    def __init__(self, layouts: list[DenseLayout], device: torch.device) -> None:
        self.layouts = layouts
        n = len(layouts)
        outputs = layouts[0].key.outputs
        self.depth = max(len(layout.units) for layout in layouts)
        self.width = max(max((layout.features, *layout.units)) for layout in layouts)
        d = self.width
        with torch.device(device):
            shapes = [((n, d, d), (n, 1, d))] * self.depth + [((n, outputs, d), (n, 1, outputs))]
            self.params = [torch.zeros(shape) for pair in shapes for shape in pair]
            self.grads = [torch.zeros_like(p) for p in self.params]
            self.slots = [self._slot(index) for index in range(self.depth)]
        self.is_weight = [i % 2 == 0 for i in range(len(self.params))]

    def _slot(self, index: int) -> Slot:
        n, d = len(self.layouts), self.width
        has = [index < len(layout.units) for layout in self.layouts]
        names = [
            layout.activations[index] if has[i] else "linear"
            for i, layout in enumerate(self.layouts)
        ]
        kinds = list(dict.fromkeys(name for name, h in zip(names, has, strict=True) if h))
        activations: list[tuple[str, Tensor | None]] = [(kinds[0], None)]
        for name in kinds[1:]:
            activations.append((name, torch.tensor([m == name for m in names]).view(n, 1, 1)))
        units = torch.zeros(n, 1, d)
        for i, layout in enumerate(self.layouts):
            if has[i]:
                units[i, 0, : layout.units[index]] = 1
        depth = torch.tensor(has).view(n, 1, 1)
        return Slot(
            activations,
            None if bool(units.all()) else units,
            None if all(has) else depth,
        )

    def member_views(self, i: int, stacked: list[Tensor] | None = None) -> list[Tensor]:
        """Run i's parameters, in its model's order (each dense layer's weight and bias,
        then the output's), as views into the stacked tensors; or its part of other
        tensors shaped like them (`stacked`: the gradients, an optimizer's state)."""
        stacked = self.params if stacked is None else stacked
        layout = self.layouts[i]
        views = []
        widths = (layout.features, *layout.units)
        for slot, units in enumerate(layout.units):
            views += [
                stacked[2 * slot][i, :units, : widths[slot]],
                stacked[2 * slot + 1][i, 0, :units],
            ]
        views += [stacked[-2][i, :, : widths[-1]], stacked[-1][i, 0, :]]
        return views

    # --- the passes ---

    def forward(
        self,
        x: Tensor,
        drop: list[Tensor | None] | None = None,
        rows: Tensor | None = None,
    ) -> tuple[Tensor, list[tuple[Tensor, Tensor, Tensor]]]:
        """Outputs (N, B, O) for inputs x (N, B, D), and what backward needs: each slot's
        input, pre-activation and activation. `drop`: each slot's dropout multipliers
        (N, B, D) or None. `rows`: the runs to compute (indices); all when None."""
        params = self.params if rows is None else [p[rows] for p in self.params]
        slots = self.slots if rows is None else [s.take(rows) for s in self.slots]
        h, cache = x, []
        for index, slot in enumerate(slots):
            z = torch.baddbmm(params[2 * index + 1], h, params[2 * index].transpose(1, 2))
            f = slot.activate(z)
            a = f if slot.units is None else f * slot.units
            mask = None if drop is None else drop[index]
            if mask is not None:
                a = a * mask
            if slot.depth is not None:
                a = torch.where(slot.depth, a, h)
            cache.append((h, z, f))
            h = a
        out = torch.baddbmm(params[-1], h, params[-2].transpose(1, 2))
        cache.append((h, out, out))
        return out, cache

    @torch.no_grad()
    def observe(
        self, x_t: Tensor, rows: Tensor, widths: Sequence[int]
    ) -> tuple[list[Tensor], Tensor]:
        """`forward` for views, on many points: runs `rows`, which all have the same depth,
        inputs laid out point-last (E, features, P); each layer's activation (E, units, P)
        and the outputs (E, O, P). `widths`: the most features, then the most units of each
        hidden layer, of these runs; the padding beyond is left out (a class of 4-2 nets
        padded to 8 would otherwise do 8 times the work). Point-last makes the points the
        long side of each matrix product (three times faster on a 100x100 raster); one
        depth at a time, no layer is passed through, and no mask is needed: a padded
        unit's outgoing weights are zero, so what it holds never counts."""
        h, activations = x_t, []
        for index, (fan_in, units) in enumerate(itertools.pairwise(widths)):
            weight = self.params[2 * index][rows, :units, :fan_in]
            bias = self.params[2 * index + 1][rows, :, :units].transpose(1, 2)
            h = self.slots[index].take(rows).activate_rows(torch.baddbmm(bias, weight, h))
            activations.append(h)
        weight = self.params[-2][rows, :, : widths[-1]]
        return activations, torch.baddbmm(self.params[-1][rows].transpose(1, 2), weight, h)

    def backward(
        self,
        d_out: Tensor,
        cache: list[tuple[Tensor, Tensor, Tensor]],
        drop: list[Tensor | None],
    ) -> list[Tensor]:
        """Each parameter's gradient (stacked, in `params` order) from the loss's gradient
        with respect to the outputs, d_out (N, B, O)."""
        grads: list[Tensor] = [torch.empty(0)] * len(self.params)
        h_last = cache[-1][0]
        grads[-2] = torch.bmm(d_out.transpose(1, 2), h_last)
        grads[-1] = d_out.sum(1, keepdim=True)
        d_h = torch.bmm(d_out, self.params[-2])
        for index in reversed(range(self.depth)):
            slot, (h, z, f) = self.slots[index], cache[index]
            d_a, d_through = d_h, None
            if slot.depth is not None:  # runs without this layer pass d_h straight down
                d_a = torch.where(slot.depth, d_h, 0.0)
                d_through = torch.where(slot.depth, 0.0, d_h)
            mask = drop[index]
            if mask is not None:
                d_a = d_a * mask
            derivative = slot.derivative(z, f)
            d_z = d_a if derivative is None else d_a * derivative
            grads[2 * index] = torch.bmm(d_z.transpose(1, 2), h)
            grads[2 * index + 1] = d_z.sum(1, keepdim=True)
            if index:
                d_h = torch.bmm(d_z, self.params[2 * index])
                if d_through is not None:
                    d_h = d_h + d_through
        return grads
