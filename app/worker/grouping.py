"""A worker's groups: the runs it hosts that train together (app/train/group), one group
per GroupKey, and when to build, use and dissolve them.

A group's membership is fixed once built. It is dissolved (its runs take their tensors
back) before anything that changes a member's network or optimizer (reset, a live change,
close), and rebuilt at the next turn with the runs then ready: at most every REBUILD_S,
so a class arriving one student at a time costs a few rebuilds, not one per student
(meanwhile a newcomer trains alone, in its own turns). A member that pauses, finishes or
waits for its slow-motion credit sits the group's steps out; when most of a group sits
out, it is rebuilt without them."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from app.settings import Settings
from app.train import Run
from app.train.group.group import RunGroup
from app.train.group.layout import GroupKey
from app.train.group.views import GROUP_VIEWS, group_views
from app.worker.hosted import HostedRun
from app.worker.thumbnail import THUMBNAIL_GRID

log = logging.getLogger(__name__)

REBUILD_S = 0.5  # a group is rebuilt (to take in newcomers, or drop idle runs) at most this often
# A group's turn lasts this many slices at most (one per member up to it): a group of 50
# runs does in one turn what 50 turns would, with one round of reports after it.
GROUP_SLICES = 8
# Frames due this soon are prepared with the others: the batch itself takes a few
# milliseconds, and a frame that falls due meanwhile would be observed alone.
PREPARE_AHEAD_S = 0.05


@dataclass
class Entry:
    group: RunGroup
    hosted: list[HostedRun]
    built_at: float


class Groups:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.entries: dict[GroupKey, Entry] = {}

    def release(self, run_id: str) -> None:
        """Dissolves the group holding this run, if any: its runs take their tensors back
        (before the run is changed or closed)."""
        for key, entry in list(self.entries.items()):
            if any(h.id == run_id for h in entry.hosted):
                self._dissolve(key)

    def _dissolve(self, key: GroupKey) -> None:
        self.entries.pop(key).group.dissolve()

    def turn(self, chosen: HostedRun, runs: dict[str, HostedRun], now: float) -> bool:
        """Trains the group of `chosen` (a groupable run whose turn it is), building it
        first if need be; False when `chosen` should train alone this turn instead."""
        assert chosen.layout is not None
        key = chosen.layout.key
        entry = self.entries.get(key)
        if entry is None or chosen not in entry.hosted:
            if entry is not None and now - entry.built_at < REBUILD_S:
                return False
            entry = self._build(key, runs, now)
            if entry is None:
                return False
        try:
            self._train(entry, now)
        except Exception:  # a bug must not cost the runs: they go on alone
            log.exception("group %s failed; its runs train alone from now on", key)
            for hosted in entry.hosted:
                hosted.solo = True
            self._dissolve(key)
        return True

    def prepare_frames(self, now: float) -> None:
        """Computes, in one pass per group, the views of GROUP_VIEWS of every member whose
        frame is due (HostedRun.prepare); the rest of each frame is observed run by run."""
        for key, entry in list(self.entries.items()):
            asks: dict[tuple[frozenset[str], int, int], list[int]] = {}
            for row, hosted in enumerate(entry.hosted):
                view = hosted.frames.view
                wanted = GROUP_VIEWS.intersection(view["views"]) if view else frozenset()
                if wanted and hosted.frames.due(now + PREPARE_AHEAD_S):
                    assert view is not None
                    ask = (wanted, view["grid"], view["boundary_grid"])
                    asks.setdefault(ask, []).append(row)
            try:
                self._prepare_thumbnails(entry, now)
                for (wanted, grid, boundary_grid), rows in asks.items():
                    started = time.perf_counter()
                    computed = group_views(entry.group, rows, wanted, grid, boundary_grid)
                    share = (time.perf_counter() - started) / len(rows)
                    for row, views in computed.items():
                        entry.hosted[row].frames.prepare(views, share)
            except Exception:  # the frames observe run by run instead
                log.exception("views of group %s failed", key)

    def _prepare_thumbnails(self, entry: Entry, now: float) -> None:
        """The boundaries of the members whose thumbnail is due, in one pass."""
        rows = [row for row, hosted in enumerate(entry.hosted) if hosted.thumbnail.due(now)]
        if not rows:
            return
        views = group_views(entry.group, rows, frozenset({"boundary"}), 2, THUMBNAIL_GRID)
        for row, computed in views.items():
            if "boundary" in computed:
                entry.hosted[row].thumbnail.prepare(computed["boundary"])

    def _build(self, key: GroupKey, runs: dict[str, HostedRun], now: float) -> Entry | None:
        if key in self.entries:
            self._dissolve(key)
        members = [
            h
            for h in runs.values()
            if h.groupable and h.layout is not None and h.layout.key == key and h.ready(now)
        ]
        if not members:
            return None
        layouts = [h.layout for h in members]
        runs_of = [h.run for h in members]
        assert all(isinstance(r, Run) for r in runs_of) and None not in layouts
        group = RunGroup(runs_of, layouts)  # type: ignore[arg-type]
        self.entries[key] = entry = Entry(group, members, now)
        return entry

    def _train(self, entry: Entry, now: float) -> None:
        budgets: list[int | None] = []
        for hosted in entry.hosted:
            ready = hosted.ready(now) and not hosted.over_time(now)
            budgets.append(hosted.allowance() if ready else 0)
        active = sum(b != 0 for b in budgets)
        if not active:
            return
        seconds = self.settings.slice_ms / 1000 * min(active, GROUP_SLICES)
        started = time.perf_counter()
        trained = entry.group.train(budgets, seconds)
        elapsed = time.perf_counter() - started
        for hosted, done, budget in zip(entry.hosted, trained, budgets, strict=True):
            if budget != 0:
                hosted.account(done, elapsed / active, elapsed)
        if 2 * active < len(entry.hosted) and now - entry.built_at >= REBUILD_S:
            self._dissolve(entry.group.key)  # most sit out: rebuild with the ready ones
