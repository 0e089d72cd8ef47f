"""A lesson taught to the whole class (docs/classroom.md): the teacher opens one of the
lessons for everyone, each student answers its question on their own device, and the teacher
watches the answers' distribution live; then the teacher shows the verdict: the right answer
and how many predicted it. The answers are counted here, per student (one answer each; a
new one replaces it until the verdict), never taken as a count from a page.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from app.lessons.model import Lesson

SKIPPED = None  # a student's answer when they skipped the question


class AnswerRefused(ValueError):
    """An answer that cannot count; its words say why."""


@dataclass
class ClassLesson:
    """The lesson the class is on: which, since when (`id`, new per start), the answers."""

    lesson: Lesson
    id: str = field(default_factory=lambda: secrets.token_urlsafe(9))
    answers: dict[str, int | None] = field(default_factory=dict)  # by student id
    revealed: bool = False

    def answer(self, student: str, choice: int | None) -> None:
        """Records a student's answer; raises AnswerRefused after the verdict, or for a
        choice the question does not have."""
        if self.revealed:
            raise AnswerRefused("answers are closed: the teacher has shown the verdict")
        count = len(self.lesson.question.choices)
        if choice is not None and not 0 <= choice < count:
            raise AnswerRefused(f"choice: {choice} is not a choice; there are {count}, from 0")
        self.answers[student] = choice

    def public(self) -> dict[str, Any]:
        """What every page may read: the lesson open for the class (no answer in it)."""
        return {"id": self.id, "lesson": self.lesson.id, "title": self.lesson.title}

    def tally(self, students: int) -> dict[str, Any]:
        """The teacher's view: the count per choice (and skipped) of `students` in class;
        the right answer and how many predicted it only once revealed."""
        question = self.lesson.question
        counts = [0] * len(question.choices)
        for choice in self.answers.values():
            if choice is not None:
                counts[choice] += 1
        view: dict[str, Any] = self.public() | {
            "question": question.text,
            "choices": list(question.choices),
            "counts": counts,
            "skipped": sum(1 for c in self.answers.values() if c is SKIPPED),
            "answered": len(self.answers),
            "students": students,
            "revealed": self.revealed,
            "answer": None,
            "right": None,
        }
        if self.revealed:
            view["answer"] = question.answer
            view["right"] = counts[question.answer]
        return view


class ClassLessonHolder:
    """The class's current lesson (None: none); one per server in class mode."""

    def __init__(self) -> None:
        self.current: ClassLesson | None = None
