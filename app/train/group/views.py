"""Views of many grouped runs in one batched pass: the plane views (app/train/probes/
plane.py: `neurons` and `boundary`), and of app/train/probes/numbers.py `metrics`,
`weights`, `histograms` and `activation_stats`. At 10 frames a second for a class,
computing them run by run cost a worker more than training did. The results are the
probes' own, array for array (tests/train/test_group.py compares them)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from app.train.probes import numbers, plane
from app.train.probes.common import STATS_BATCH, ObserveError

if TYPE_CHECKING:
    from app.train.group.group import RunGroup
    from app.train.group.layout import DenseLayout
    from app.train.run import Run

Tensor = torch.Tensor


GROUP_VIEWS = frozenset(
    {"metrics", "neurons", "boundary", "weights", "histograms", "activation_stats"}
)
HISTOGRAM_BINS = 20  # numbers.histograms' default: the page never asks for another


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
    if "metrics" in views:
        for row, measured in zip(rows, group.measure(rows), strict=True):
            run = group.members[row].run
            out[row]["metrics"] = numbers.metrics_view(run, run.metrics_from(measured))
    if "activation_stats" in views:
        for row, stats in zip(rows, _activation_stats(group, rows), strict=True):
            out[row]["activation_stats"] = stats
    if views & {"weights", "histograms"}:
        snapshot = [p.detach().cpu().clone() for p in group.stack.params]  # it trains on
        if "weights" in views:
            for row, weights in zip(rows, _weights(group, rows, snapshot), strict=True):
                out[row]["weights"] = weights
        if "histograms" in views:
            for row, histograms in zip(rows, _histograms(group, rows, snapshot), strict=True):
                if histograms is not None:
                    out[row]["histograms"] = histograms
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


def _weights(
    group: RunGroup, rows: list[int], snapshot: list[Tensor]
) -> list[dict[str, np.ndarray]]:
    """numbers.weights: every parameter by its dotted name, from a copy of the stacked
    tensors."""
    results = []
    for row in rows:
        layout = group.members[row].layout
        names = [
            f"{module}.linear.{kind}" for module in layout.modules for kind in ("weight", "bias")
        ]
        arrays = [t.numpy() for t in group.stack.member_views(row, snapshot)]
        results.append(dict(zip(names, arrays, strict=True)))
    return results


def _histograms(
    group: RunGroup, rows: list[int], snapshot: list[Tensor]
) -> list[dict[str, dict[str, np.ndarray]] | None]:
    """numbers.histograms of each run, a layer slot of the whole group at a time: each
    run's real (unpadded) weights in that slot are masked in, and binned at once. None
    for a run numpy cannot bin (its own probe says why)."""
    layouts = [group.members[row].layout for row in rows]
    results: list[dict[str, dict[str, np.ndarray]]] = [{} for _ in rows]
    unbinnable = [False for _ in rows]
    outputs = len(snapshot) // 2 - 1  # the output layer's slot; the hidden ones come first
    for slot in range(outputs + 1):
        chosen = [i for i, lay in enumerate(layouts) if slot == outputs or slot < len(lay.units)]
        if not chosen:
            continue
        stacked = snapshot[2 * slot].numpy()[[rows[i] for i in chosen]]  # (R, out, in), padded
        shapes = [_weight_shape(layouts[i], slot, outputs, stacked.shape[1]) for i in chosen]
        outs, ins = (np.array(sizes)[:, None, None] for sizes in zip(*shapes, strict=True))
        height, width = stacked.shape[1:]
        real = (np.arange(height)[None, :, None] < outs) & (np.arange(width)[None, None] < ins)
        counts, edges, binnable = _batched_histogram(
            stacked.reshape(len(chosen), -1), real.reshape(len(chosen), -1)
        )
        for k, i in enumerate(chosen):
            name = layouts[i].modules[-1 if slot == outputs else slot]
            results[i][name] = {"counts": counts[k], "edges": edges[k]}
            unbinnable[i] |= not binnable[k]
    return [None if bad else found for found, bad in zip(results, unbinnable, strict=True)]


def _weight_shape(layout: DenseLayout, slot: int, outputs: int, height: int) -> tuple[int, int]:
    """(out, in) of a run's weight in a slot: the output layer's is as tall as the slot."""
    widths = (layout.features, *layout.units)
    return (height, widths[-1]) if slot == outputs else (layout.units[slot], widths[slot])


def _batched_histogram(
    values: np.ndarray, real: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """np.histogram(row's finite real values, bins=HISTOGRAM_BINS) for every row of
    values (R, N), as numbers.histograms makes it: the same float32 edges and the same
    counts, bit for bit, and which rows numpy can bin (it refuses a range too narrow for
    20 float32 bins: the probe then raises for that run itself). The steps are
    np.histogram's own (numpy/lib/_histograms_impl.py: outer edges from the data, widened
    by 0.5 when they meet; indices by scaling, corrected against the edges)."""
    bins = HISTOGRAM_BINS
    valid = real & np.isfinite(values)
    found = valid.any(axis=1)
    lo = np.where(found, np.where(valid, values, np.inf).min(axis=1), np.float32(0))
    hi = np.where(found, np.where(valid, values, -np.inf).max(axis=1), np.float32(1))
    meet = lo == hi
    lo = np.where(meet, lo - np.float32(0.5), lo).astype(np.float32)
    hi = np.where(meet, hi + np.float32(0.5), hi).astype(np.float32)
    # np.linspace of many rows rounds differently for all of them once one row's step is
    # 0, so rows too narrow to step (numpy cannot bin them either) are spaced apart.
    steps = (hi - lo) / np.float32(bins) != 0
    edges = np.repeat(lo[:, None], bins + 1, axis=1)
    edges[steps] = np.linspace(lo[steps], hi[steps], bins + 1, axis=1, dtype=np.float32)
    # With no finite value the range is (0.0, 1.0) in Python floats: numpy spaces those
    # edges in float64 and rounds them, not in float32 as it does data's own edges.
    edges[~found] = np.linspace(0.0, 1.0, bins + 1).astype(np.float32)
    binnable = np.logical_and.reduce(edges[:, :-1] < edges[:, 1:], axis=1)
    valid &= binnable[:, None]
    lo, hi = np.where(binnable, lo, 0), np.where(binnable, hi, 1)
    at = np.where(valid, values, lo[:, None])  # what is not counted is binned harmlessly
    indices = (((at - lo[:, None]) / (hi - lo)[:, None]) * np.float32(bins)).astype(np.intp)
    indices[indices == bins] -= 1
    row = np.arange(len(values))[:, None]
    indices -= at < edges[row, indices]
    indices += (at >= edges[row, indices + 1]) & (indices != bins - 1)
    flat = (indices + row * bins)[valid]
    counts = np.bincount(flat, minlength=len(values) * bins).reshape(len(values), bins)
    return counts, edges, binnable


def _effective_grid(run: Run, view: str, grid: int) -> int:
    grid = plane._check_grid(run, grid)
    maps = plane._map_count(run) if view == "neurons" else max(1, run.data.output_dim)
    return plane.fit_grid(run, grid, maps)


def _inputs(group: RunGroup, rows: list[int], grid: int, features: int) -> Tensor:
    """The featurized plane raster of each run, its first `features` inputs (the most any
    of these runs has), point-last: (E, features, g*g). Built once per group and grid
    (the rasters never change)."""
    every = group.view_inputs.get(grid)
    if every is None:
        every = torch.zeros(len(group.members), group.stack.width, grid * grid)
        for row, member in enumerate(group.members):
            data = member.run.data
            raster = _raster(tuple(data.feature_names), data.domain, grid, data.featurize)
            every[row, : raster.shape[1]] = raster.T
        every = group.view_inputs[grid] = every.to(group.device)
    if rows == list(range(rows[0], rows[-1] + 1)):
        return every[rows[0] : rows[-1] + 1, :features]  # no copy
    return every[torch.tensor(rows, device=group.device), :features]


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


# Floats in each layer's activations for one pass of stack.observe: runs are taken a few
# at a time so that these stay in the CPU's cache. A 100x100 boundary for a class of 100
# default nets took 283 µs a run in one pass, 105-125 µs in passes of 13 runs.
VIEW_CHUNK = 2**19


def _by_depth(group: RunGroup, rows: list[int], points: int, inputs: Any, read: Any) -> list[Any]:
    """`read(same, observed)` for the runs of each depth, a cache-sized chunk of them at a
    time (stack.observe on `inputs(same, features)`, (E, features, points)), in the order
    of `rows`."""
    depths: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        depths[len(group.members[row].layout.units)].append(row)
    found: dict[int, Any] = {}
    for same_depth in depths.values():
        layouts = [group.members[row].layout for row in same_depth]
        sizes = zip(*((lay.features, *lay.units) for lay in layouts), strict=True)
        widths = [max(size) for size in sizes]
        chunk = max(1, VIEW_CHUNK // (max(widths) * max(1, points)))
        for start in range(0, len(same_depth), chunk):
            same = same_depth[start : start + chunk]
            x = inputs(same, widths[0])
            layers, out = group.stack.observe(x, torch.tensor(same, device=group.device), widths)
            found.update(zip(same, read(same, (x, layers, out)), strict=True))
    return [found[row] for row in rows]


def _on_plane(group: RunGroup, rows: list[int], grid: int, read: Any) -> list[Any]:
    """_by_depth over each run's plane raster."""
    return _by_depth(
        group, rows, grid * grid, lambda same, features: _inputs(group, same, grid, features), read
    )


def _activation_stats(group: RunGroup, rows: list[int]) -> list[dict[str, dict[str, float]]]:
    """numbers.activation_stats: each run's hidden layers on its first STATS_BATCH val
    examples, computed for all runs at once and counted per run (numbers.unit_stats)."""
    counts = [min(STATS_BATCH, len(group.members[row].run.x_val)) for row in rows]
    examples = max(counts)
    count_of = dict(zip(rows, counts, strict=True))

    def inputs(same: list[int], features: int) -> Tensor:
        at = torch.tensor(same, device=group.device)
        return group.x_val[at, :examples, :features].transpose(1, 2)

    def read(same: list[int], observed: Observed) -> list[dict[str, dict[str, float]]]:
        layers = observed[1]
        results = []
        for e, row in enumerate(same):
            member, n = group.members[row], count_of[row]
            stats = {}
            for name, slot in member.layout.hidden:
                module = getattr(member.run.model, name)
                if not hasattr(module, "act"):  # a dropout layer, shown as the one it follows
                    continue
                out = layers[slot][e, : member.layout.units[slot], :n].T  # (examples, units)
                entry = numbers.unit_stats(module.act, out)
                if entry:
                    stats[name] = entry
            results.append(stats)
        return results

    return _by_depth(group, rows, examples, inputs, read)


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

    return _on_plane(group, rows, grid, read)


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

    return _on_plane(group, rows, grid, read)


def _maps(rows: np.ndarray, grid: int) -> np.ndarray:
    """(k, g*g) values over the raster -> (k, g, g) maps, as the probes shape them."""
    return rows.reshape(-1, grid, grid)
