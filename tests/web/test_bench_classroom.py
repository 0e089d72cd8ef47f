"""The overview latency of bench/classroom.py (a benchmark, not run by the suite): for each
step a student saw, the time until the teacher's overview first showed it or a later one."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    path = Path(__file__).parents[2] / "bench" / "classroom.py"
    spec = importlib.util.spec_from_file_location("bench_classroom", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_latency_is_until_the_teacher_is_shown_that_step_or_later(bench: ModuleType) -> None:
    statuses = [(1.0, 10), (2.0, 20), (3.0, 30), (9.0, 90)]
    shown = [(1.5, 5), (2.5, 25), (2.7, 12), (4.0, 40)]
    lags = bench.latencies(statuses, shown)
    # 10 and 20 first shown (as 25) at 2.5; 30 at 4.0; 90 never within the window.
    assert lags == pytest.approx([1.5, 0.5, 1.0])


def test_a_step_the_teacher_saw_first_has_no_latency(bench: ModuleType) -> None:
    lags = bench.latencies([(3.0, 10)], [(2.0, 15), (3.5, 15)])
    assert lags == pytest.approx([0.0])
