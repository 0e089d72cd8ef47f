"""The statistics of bench/class.py (a benchmark, not run by the suite): percentiles, rates
over a window, CPU shares, and the process tree it sums over."""

from __future__ import annotations

import importlib.util
import math
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    path = Path(__file__).parents[2] / "bench" / "class.py"  # `class` cannot be imported
    spec = importlib.util.spec_from_file_location("bench_class", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_percentiles_interpolate(bench: ModuleType) -> None:
    values = [float(v) for v in range(1, 101)]
    assert bench.percentile(values, 95) == pytest.approx(95.05)
    assert bench.percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert bench.percentile([7.0], 95) == 7.0
    assert math.isnan(bench.percentile([], 95))


def test_a_rate_counts_only_the_window(bench: ModuleType) -> None:
    samples = [(0.0, 0), (1.0, 100), (2.0, 150), (3.0, 250), (9.0, 10_000)]
    assert bench.rate_in_window(samples, 1.0, 3.0) == pytest.approx(75.0)
    assert bench.rate_in_window(samples, 0.5, 1.5) == 0.0  # one sample: no rate


def test_cpu_is_a_share_of_one_core(bench: ModuleType) -> None:
    tck = os.sysconf("SC_CLK_TCK")
    assert bench.cpu_percent(0, 2 * tck, 4.0) == pytest.approx(50.0)


def test_the_process_tree_holds_the_children(bench: ModuleType) -> None:
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=-1)
    try:
        assert child.pid in bench.process_tree(os.getpid())
        ticks, rss_mib = bench.tree_usage(os.getpid())
        assert ticks > 0 and rss_mib > 1
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(10)


def test_a_mixed_class_is_mostly_varied_2d_nets_with_some_cnns_and_lstms(
    bench: ModuleType,
) -> None:
    kinds = [kind for kind, _ in bench.class_of(100, mixed=True)]
    assert kinds.count("varied") == 80 and kinds.count("cnn") == kinds.count("lstm") == 10
    assert bench.class_of(100, mixed=True) == bench.class_of(100, mixed=True)  # repeatable
    assert {kind for kind, _ in bench.class_of(5, mixed=False)} == {"default"}
    assert bench.steps_per_epoch(bench.DEFAULT) == 25


def test_twenty_students_at_once_all_train_and_see_their_views(bench: ModuleType) -> None:
    """The smoke run of a class: a real server, 20 students on their own sockets, each
    training the default net and watching neurons, boundary and weights at 10 fps."""
    import asyncio

    (level,) = asyncio.run(bench.main([20], warmup=2.0, window=5.0, fresh=False))
    assert level.students == 20
    assert level.epochs_min > 1.0  # every one of them trains
    assert level.frames_per_s > 1.0
    assert level.healthz_p95_ms < 2000
