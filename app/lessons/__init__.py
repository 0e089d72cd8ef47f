"""Lessons: one concept each, shown in a few minutes and proved on any seed.

A lesson file (app/lessons/files/<id>.json, the model in `model`) names up to four runs,
the figures to measure on them and the assertions those figures must satisfy;
`check_lesson` trains the runs headless and judges them. docs/lessons.md is the contract.
"""

from app.lessons.model import Lesson
from app.lessons.registry import LESSONS, LessonFileError, load_lessons, parse_lesson
from app.lessons.runner import CheckResult, LessonError, check_lesson

__all__ = [
    "LESSONS",
    "CheckResult",
    "Lesson",
    "LessonError",
    "LessonFileError",
    "check_lesson",
    "load_lessons",
    "parse_lesson",
]
