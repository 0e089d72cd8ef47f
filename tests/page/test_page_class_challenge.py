"""The class challenge in a real Chromium against a real server in class mode
(docs/classroom.md): the teacher sets a goal on their page with the real mouse and keyboard;
a student's page shows it in a banner with their own place once their run trains, and the
teacher's leaderboard ranks the student from the server's metrics."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.page.test_page_class import KEY, TIMEOUT, new_page
from tests.page.test_page_class_locks import open_student
from tests.servers import class_mode_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def class_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from class_mode_server(
        tmp_path_factory,
        "class-challenge-page-data",
        ws_resume_grace_s=3.0,
    )


def test_the_teacher_sets_a_challenge_and_a_student_sees_it(
    browser: Browser, class_server: str
) -> None:
    problems: list[str] = []
    student = open_student(browser, class_server, problems)
    banner = student.locator("#challenge-banner")
    expect(banner).to_be_hidden()  # no challenge yet
    teacher = new_page(browser, class_server, problems)
    teacher.goto(f"/teacher?key={KEY}")
    expect(teacher.get_by_label("Dataset")).to_have_value("circle", timeout=TIMEOUT)
    teacher.get_by_label("At most neurons").click()
    teacher.keyboard.type("20")
    teacher.get_by_role("button", name="Set the challenge").click()
    goal = "lowest validation loss on circle, with at most 20 neurons"
    expect(teacher.locator("#challenge-result")).to_have_text(f"Challenge set: {goal}.")

    expect(banner).to_be_visible(timeout=TIMEOUT)  # the page's default net: 4 + 2 neurons
    expect(banner).to_contain_text(f"Challenge: {goal}.")
    student.get_by_role("button", name="Play").click()
    expect(banner).to_contain_text("You are 1st of 1.", timeout=TIMEOUT)
    expect(teacher.locator("#challenge-board li")).to_have_text(
        [re.compile(r"^Student 1: [0-9.]+ \(6 neurons, 2 layers\)$")], timeout=TIMEOUT
    )

    teacher.get_by_role("button", name="End the challenge").click()
    expect(banner).to_be_hidden(timeout=TIMEOUT)
    assert not problems, problems
    for page in (student, teacher):
        page.context.close()
