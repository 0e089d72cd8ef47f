"""Lessons and check results as lines of text, for the command line."""

from __future__ import annotations

import math
from collections.abc import Iterable

from app.lessons.model import Lesson
from app.lessons.runner import CheckResult


def listing_lines(lessons: Iterable[Lesson]) -> list[str]:
    """One line per lesson: id, runs x steps, title."""
    rows = [(f"{x.order:>3}", x.id, _size(x), x.title) for x in lessons]
    width = max((len(r[1]) for r in rows), default=0)
    return [f"{order}  {id_:<{width}}  {size:<19}  {title}" for order, id_, size, title in rows]


def _size(lesson: Lesson) -> str:
    if not lesson.runs:
        return "no training"
    runs = len(lesson.runs)
    return f"{runs} run{'s' if runs > 1 else ''} x {lesson.steps} steps"


def check_lines(result: CheckResult) -> list[str]:
    """Each measure, each assertion with its figures, the verdict and the outcome."""
    lines = [f"lesson {result.lesson}, seed {result.seed}"]
    width = max((len(name) for name in result.measured), default=0)
    lines += [f"  {name:<{width}}  {_figure(v)}" for name, v in result.measured.items()]
    for a in result.assertions:
        mark = "ok  " if a.holds else "FAIL"
        lines.append(f"  {mark} {a.text}  ({_figure(a.left)} vs {_figure(a.right)})")
    lines += result.lines
    outcome = "holds" if result.holds else "does NOT hold"
    lines.append(f"{outcome} on seed {result.seed} ({result.seconds:.1f} s)")
    return lines


def _figure(x: float) -> str:
    if math.isnan(x):
        return "n/a"
    return f"{x:.4g}"
