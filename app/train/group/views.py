"""Views of many grouped runs in one batched pass: the plane views (app/train/probes/
plane.py: `neurons` and `boundary`) and `weights`. At 10 frames a second for a class,
computing them run by run cost a worker more than training did. The results are the
probes' own, array for array (tests/train/test_group.py compares them)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from app.train.probes import plane
from app.train.probes.common import ObserveError

if TYPE_CHECKING:
    from app.train.group.group import RunGroup
    from app.train.run import Run

Tensor = torch.Tensor


GROUP_VIEWS = frozenset({"neurons", "boundary", "weights"})


def group_views(
    group: RunGroup,
    rows: list[int],
    views: frozenset[str],
    neuron_grid: int,
    boundary_grid: int,
) -> dict[int, dict[str, Any]]:
    """For each row (a member's), those of `views` in GROUP_VIEWS, `neurons` and `boundary`
    at these grids, as the probes would give them; a run whose view would raise is left
    out (the probe then raises for it, with its message)."""
    out: dict[int, dict[str, Any]] = defaultdict(dict)
    if "weights" in views:
        for row, weights in zip(rows, _weights(group, rows), strict=True):
            out[row]["weights"] = weights
    for name, grid_of, view in (
        ("neurons", neuron_grid, _neurons),
        ("boundary", boundary_grid, _boundary),
    ):
        if name not in views:
            continue
        by_grid: dict[int, list[int]] = defaultdict(list)
        for row in rows:
            run = group.members[row].run
            try:
                by_grid[_effective_grid(run, name, grid_of)].append(row)
            except ObserveError:
                continue
        for grid, same in by_grid.items():
            for row, value in zip(same, view(group, same, grid), strict=True):
                out[row][name] = value
    return out


def _weights(group: RunGroup, rows: list[int]) -> list[dict[str, np.ndarray]]:
    """numbers.weights: every parameter by its dotted name, from one copy of the stacked
    tensors (the group trains on in place)."""
    stack = group.stack
    snapshot = [p.clone() for p in stack.params]
    results = []
    for row in rows:
        layout = group.members[row].layout
        names = [
            f"{module}.linear.{kind}" for module in layout.modules for kind in ("weight", "bias")
        ]
        arrays = [t.cpu().numpy() for t in stack.member_views(row, snapshot)]
        results.append(dict(zip(names, arrays, strict=True)))
    return results


def _effective_grid(run: Run, view: str, grid: int) -> int:
    grid = plane._check_grid(run, grid)
    maps = plane._map_count(run) if view == "neurons" else max(1, run.data.output_dim)
    return plane.fit_grid(run, grid, maps)


def _inputs(group: RunGroup, rows: list[int], grid: int) -> Tensor:
    """The featurized plane raster of each run, padded to the group's width, point-last:
    (E, D, g*g). Built once per group and grid (the rasters never change)."""
    every = group.view_inputs.get(grid)
    if every is None:
        every = torch.zeros(len(group.members), group.stack.width, grid * grid)
        for row, member in enumerate(group.members):
            data = member.run.data
            raster = _raster(tuple(data.feature_names), data.domain, grid, data.featurize)
            every[row, : raster.shape[1]] = raster.T
        every = group.view_inputs[grid] = every.to(group.device)
    return every[torch.tensor(rows, device=group.device)]


_RASTERS: dict[tuple[tuple[str, ...], Any, int], Tensor] = {}


def _raster(features: tuple[str, ...], domain: Any, grid: int, featurize: Any) -> Tensor:
    """plane.raster, cached: the same features over the same domain give the same inputs
    whichever run asks."""
    key = (features, domain, grid)
    if key not in _RASTERS:
        if len(_RASTERS) > 64:
            _RASTERS.clear()
        _RASTERS[key] = plane.raster(featurize, domain, grid)
    return _RASTERS[key]


Observed = tuple[Tensor, list[Tensor], Tensor]  # inputs, each layer's activation, outputs


def _by_depth(group: RunGroup, rows: list[int], grid: int, read: Any) -> list[Any]:
    """`read(same, observed)` for the runs of each depth at once (stack.observe), in the
    order of `rows`."""
    depths: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        depths[len(group.members[row].layout.units)].append(row)
    found: dict[int, Any] = {}
    for depth, same in depths.items():
        x = _inputs(group, same, grid)
        layers, out = group.stack.observe(x, torch.tensor(same, device=group.device), depth)
        found.update(zip(same, read(same, (x, layers, out)), strict=True))
    return [found[row] for row in rows]


def _neurons(group: RunGroup, rows: list[int], grid: int) -> list[dict[str, np.ndarray]]:
    def read(same: list[int], observed: Observed) -> list[dict[str, np.ndarray]]:
        x, layers, _ = observed
        inputs, slots = x.cpu().numpy(), [f.cpu().numpy() for f in layers]
        results = []
        for e, row in enumerate(same):
            layout = group.members[row].layout
            maps = {"input": _maps(inputs[e, : layout.features], grid)}
            for name, slot in layout.hidden:
                maps[name] = _maps(slots[slot][e, : layout.units[slot]], grid)
            results.append(maps)
        return results

    return _by_depth(group, rows, grid, read)


def _boundary(group: RunGroup, rows: list[int], grid: int) -> list[np.ndarray]:
    task = group.key.task

    def read(same: list[int], observed: Observed) -> list[np.ndarray]:
        out = observed[2]
        if task == "binary":
            values = torch.sigmoid(out[:, 0]).cpu().numpy()  # (E, g*g)
            return [values[e].reshape(grid, grid) for e in range(len(same))]
        pred = torch.softmax(out, 1) if task == "multiclass" else out  # objective.predict's
        values = pred.cpu().numpy()
        return [_maps(values[e], grid) for e in range(len(same))]

    return _by_depth(group, rows, grid, read)


def _maps(rows: np.ndarray, grid: int) -> np.ndarray:
    """(k, g*g) values over the raster -> (k, g, g) maps, as the probes shape them."""
    return rows.reshape(-1, grid, grid)
