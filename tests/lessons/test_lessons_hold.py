"""Every lesson proves its phenomenon on seeds 0-4 (the issue: "on any seed").

One test, two spawned worker processes (one torch thread each), every (lesson, seed) pair
shared between them; every failure is reported at the end with its figures. `pytest -s`
prints each lesson's min/median/max of every measure and its seconds per check; the same
figures go to test-output/lessons.json.
"""

from __future__ import annotations

import json
import multiprocessing
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from app.lessons import LESSONS

SEEDS = range(5)
WORKERS = 2
OUTPUT = Path(__file__).parents[2] / "test-output" / "lessons.json"


def _one_thread() -> None:
    import torch

    torch.set_num_threads(1)


def _check(job: tuple[str, int]) -> dict[str, Any]:
    """In a worker: one lesson on one seed, as JSON (an error is a failure with its reason)."""
    from app.lessons import LESSONS, LessonError, check_lesson

    lesson_id, seed = job
    try:
        return check_lesson(LESSONS[lesson_id], seed).to_json()
    except LessonError as error:
        return {"lesson": lesson_id, "seed": seed, "holds": False, "error": str(error)}


def test_every_lesson_holds_on_seeds_0_to_4() -> None:
    started = time.perf_counter()
    jobs = [(lesson_id, seed) for lesson_id in LESSONS for seed in SEEDS]
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(WORKERS, mp_context=spawn, initializer=_one_thread) as pool:
        results = list(pool.map(_check, jobs))
    wall = time.perf_counter() - started
    summary = summarize(results)
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(json.dumps({"wall_seconds": round(wall, 1), "lessons": summary}, indent=1))
    print_summary(summary, wall)
    failures = [describe(r) for r in results if not r["holds"]]
    assert not failures, f"{len(failures)} checks failed:\n" + "\n".join(failures)


def summarize(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Per lesson: min/median/max of each measure over the seeds (null figures left out),
    seconds per check, and the seeds where it failed."""
    out: dict[str, Any] = {}
    for lesson_id in LESSONS:
        mine = [r for r in results if r["lesson"] == lesson_id]
        figures: dict[str, list[float]] = {}
        for r in mine:
            for name, value in r.get("measured", {}).items():
                figures.setdefault(name, []).append(value)
        out[lesson_id] = {
            "measures": {
                name: spread([v for v in vs if v is not None]) for name, vs in figures.items()
            },
            "seconds": spread([r["seconds"] for r in mine if "seconds" in r]),
            "failed_seeds": [r["seed"] for r in mine if not r["holds"]],
        }
    return out


def spread(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"min": None, "median": None, "max": None}
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def print_summary(summary: dict[str, Any], wall: float) -> None:
    def g(x: float | None) -> str:
        return "null" if x is None else f"{x:.4g}"

    for lesson_id, entry in summary.items():
        s = entry["seconds"]
        print(f"\n{lesson_id}: {g(s['min'])}-{g(s['max'])} s per check", end="")
        if entry["failed_seeds"]:
            print(f", FAILED on seeds {entry['failed_seeds']}", end="")
        for name, m in entry["measures"].items():
            print(f"\n  {name:<24} {g(m['min'])} / {g(m['median'])} / {g(m['max'])}", end="")
    print(
        f"\nall lessons x seeds {SEEDS.start}-{SEEDS.stop - 1}: {wall:.1f} s on {WORKERS} workers"
    )


def describe(result: dict[str, Any]) -> str:
    if "error" in result:
        return f"{result['lesson']} seed {result['seed']}: {result['error']}"
    failed = [a["text"] for a in result["assertions"] if not a["holds"]]
    return (
        f"{result['lesson']} seed {result['seed']}: {'; '.join(failed)} "
        f"(measured {result['measured']})"
    )
