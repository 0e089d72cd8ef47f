"""A lesson for the whole class in a real Chromium against a real server in class mode
(docs/classroom.md): the teacher opens a lesson on their page with the real mouse; two
students' playgrounds open it; each answers its question with the real mouse; the
teacher's page shows the answers' distribution live, then the verdict and how many
predicted it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from app.lessons import LESSONS
from tests.page.test_page_class import KEY, TIMEOUT, new_page
from tests.page.test_page_class_locks import open_student
from tests.servers import class_mode_server

pytestmark = pytest.mark.slow
QUESTION = LESSONS["perceptron"].question  # the menu's first lesson
RIGHT, WRONG = QUESTION.choices[QUESTION.answer], QUESTION.choices[0]


@pytest.fixture(scope="module")
def class_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from class_mode_server(
        tmp_path_factory,
        "class-lesson-page-data",
        ws_resume_grace_s=3.0,
        ws_runs_per_ip=1000,  # every page of the test connects from loopback
    )


def answer(student: Page, choice: str) -> None:
    """The student's page has opened the class's lesson: they pick `choice` with the mouse."""
    expect(student).to_have_url(re.compile(r"\?lesson=perceptron$"), timeout=TIMEOUT)
    expect(student.locator("#lesson-title")).to_have_text(LESSONS["perceptron"].title)
    student.get_by_label(choice, exact=True).click()
    expect(student.locator(".question-status")).to_contain_text("Your answer is in.")


def test_the_class_answers_a_lesson_and_the_teacher_sees_it_live(
    browser: Browser, class_server: str
) -> None:
    problems: list[str] = []
    students = [open_student(browser, class_server, problems) for _ in range(2)]
    teacher = new_page(browser, class_server, problems)
    teacher.goto(f"/teacher?key={KEY}")
    expect(teacher.get_by_label("Lesson", exact=True)).to_have_value("perceptron", timeout=TIMEOUT)
    teacher.get_by_role("button", name="Open for the class").click()
    summary = teacher.locator("#class-lesson-summary")
    expect(summary).to_have_text("0 of 2 answered (0 skipped).", timeout=TIMEOUT)

    answer(students[0], RIGHT)
    counts = teacher.locator("#class-lesson-counts li")
    expect(counts).to_have_text([f"{c}: {int(c == RIGHT)}" for c in QUESTION.choices])
    answer(students[1], WRONG)  # the distribution moves live, before any verdict
    expect(summary).to_have_text("2 of 2 answered (0 skipped).", timeout=TIMEOUT)
    expect(counts).to_have_text(
        [f"{c}: {int(c in (RIGHT, WRONG))}" for c in QUESTION.choices], timeout=TIMEOUT
    )

    teacher.get_by_role("button", name="Show the verdict").click()
    expect(summary).to_have_text(
        f"Verdict: “{RIGHT}”. 1 of 2 predicted it. 2 of 2 answered (0 skipped)."
    )
    expect(counts.nth(QUESTION.answer)).to_have_text(f"{RIGHT}: 1 ✓ right")
    assert not problems, problems
    for page in (*students, teacher):
        page.context.close()
