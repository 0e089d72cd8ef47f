"""Every lesson in app/lessons/files, validated once, at first use, in the course's order.

A file that does not parse stops the loading with an error naming the file and the field:
lessons ship with the product, so a bad one is a bug to fix, not a lesson to skip.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

from pydantic import ValidationError

from app.lessons.model import Lesson
from app.spec import format_errors

FILES = Path(__file__).parent / "files"


class LessonFileError(ValueError):
    """A lesson file is unreadable or invalid; the message names the file and the field."""


def parse_lesson(text: str | bytes, name: str) -> Lesson:
    """One lesson file's text -> Lesson; `name` is the file's name (``perceptron.json``)."""
    try:
        lesson = Lesson.model_validate_json(text)
    except ValidationError as error:
        problems = "; ".join(
            f"{e['field']}: {e['message']}" if e["field"] != "body" else e["message"]
            for e in format_errors(error)
        )
        raise LessonFileError(f"{name}: {problems}") from None
    if f"{lesson.id}.json" != name:
        raise LessonFileError(f"{name}: id: {lesson.id!r} must be the file's name without .json")
    return lesson


def load_lessons(folder: Path = FILES) -> dict[str, Lesson]:
    """Every ``*.json`` in `folder`, by id, ordered by `order` (each order used once)."""
    lessons: list[Lesson] = []
    for path in sorted(folder.glob("*.json")):
        try:
            text = path.read_bytes()
        except OSError as error:
            raise LessonFileError(f"{path.name}: cannot read: {error.strerror}") from None
        lessons.append(parse_lesson(text, path.name))
    by_order: dict[int, str] = {}
    for lesson in lessons:
        if lesson.order in by_order:
            raise LessonFileError(
                f"{lesson.id}.json: order: {lesson.order} is also {by_order[lesson.order]}'s"
            )
        by_order[lesson.order] = lesson.id
    return {lesson.id: lesson for lesson in sorted(lessons, key=lambda x: x.order)}


@cache
def _shipped() -> dict[str, Lesson]:
    return load_lessons(FILES)


class _Lessons(Mapping[str, Lesson]):
    """The shipped lessons by id, in course order; the files are read on first access."""

    def __getitem__(self, lesson_id: str) -> Lesson:
        return _shipped()[lesson_id]

    def __iter__(self) -> Iterator[str]:
        return iter(_shipped())

    def __len__(self) -> int:
        return len(_shipped())


LESSONS: Mapping[str, Lesson] = _Lessons()
