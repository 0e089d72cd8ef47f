"""The teacher's "Send to the class" in a real Chromium against a real server in class mode
(docs/classroom.md): the teacher builds an experiment in their playground with the real mouse
and keyboard, locks the learning rate and sends it; two students' pages load it, and so does
a third student's who joins later: each shows the banner, greys the learning rate with the
teacher's words, and cannot change it through the page; all train the teacher's experiment.
Then the teacher's page resets, pauses and unlocks them all."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.page.test_page_class import CODE, KEY, TIMEOUT, new_page
from tests.servers import class_mode_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def class_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from class_mode_server(
        tmp_path_factory,
        "class-locks-page-data",
        ws_resume_grace_s=3.0,
        ws_runs_per_ip=1000,  # every page of the test connects from loopback
    )


def open_student(browser: Browser, url: str, problems: list[str]) -> Page:
    page = new_page(browser, url, problems)
    page.goto(f"/?code={CODE}")
    page.wait_for_function("window.nnp && window.nnp.framesPainted > 0", timeout=TIMEOUT)
    assert "code=" not in page.url  # admitted (a late joiner's address already shows the
    # teacher's experiment: the query is the page's own)
    return page


def compose_and_send(teacher: Page) -> None:
    """The teacher's playground: spiral, a third layer, learning rate 0.1, locked; sent."""
    teacher.wait_for_function("window.nnp && window.nnp.framesPainted > 0", timeout=TIMEOUT)
    teacher.get_by_role("button", name="dataset spiral").click()
    teacher.get_by_role("button", name="Add a hidden layer").click()
    teacher.get_by_role("combobox", name="Learning rate").focus()
    teacher.keyboard.press("ArrowDown")  # 0.03 -> 0.1
    expect(teacher).to_have_url(re.compile(r"dataset=spiral.*lr=0\.1"))
    teacher.locator("#class-send").get_by_role("checkbox", name="Learning rate").click()
    teacher.get_by_role("button", name="Send to the class").click()
    expect(teacher.locator("#class-send-result")).to_have_text(
        re.compile(r"Sent to 2 student pages open now \(locked: lr\)"), timeout=TIMEOUT
    )


def shows_the_locked_experiment(student: Page) -> None:
    banner = student.locator("#class-banner")
    expect(banner).to_be_visible(timeout=TIMEOUT)
    expect(banner).to_contain_text("The teacher sent a new experiment")
    expect(banner).to_contain_text("Locked by the teacher: the learning rate")
    expect(student).to_have_url(re.compile(r"dataset=spiral.*lr=0\.1"), timeout=TIMEOUT)
    expect(student.locator("#layer-count")).to_have_text("3 hidden layers")
    lr = student.get_by_role("combobox", name="Learning rate")
    expect(lr).to_have_value("0.1")
    expect(lr).to_be_disabled()
    note = student.locator('[data-control="lr"] .class-lock-note')
    expect(note).to_have_text("The teacher locked the learning rate")
    expect(student.get_by_role("combobox", name="Optimizer")).to_be_enabled()  # not locked


def cannot_change_the_lr(student: Page) -> None:
    """The real mouse on the greyed menu, then the keyboard: nothing changes."""
    lr = student.get_by_role("combobox", name="Learning rate")
    box = lr.bounding_box()
    assert box is not None
    student.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    student.keyboard.press("ArrowDown")
    student.keyboard.press("Enter")
    expect(lr).to_have_value("0.1")
    expect(student).to_have_url(re.compile(r"lr=0\.1"))


def test_the_teacher_sends_an_experiment_with_the_lr_locked(
    browser: Browser, class_server: str
) -> None:
    problems: list[str] = []
    students = [open_student(browser, class_server, problems) for _ in range(2)]
    teacher = new_page(browser, class_server, problems)
    teacher.goto(f"/teacher?key={KEY}")
    teacher.get_by_role("link", name="Compose an experiment in the playground").click()
    expect(teacher).to_have_url(re.compile(r"/$"))
    compose_and_send(teacher)

    students.append(open_student(browser, class_server, problems))  # joins after the send
    for student in students:
        shows_the_locked_experiment(student)
        cannot_change_the_lr(student)
    for student in students:
        student.get_by_role("button", name="Play").click()
    for student in students:  # each trains the teacher's experiment, at the locked lr
        student.wait_for_function("window.nnp.epoch > 1 && window.nnp.lr === 0.1", timeout=TIMEOUT)
        expect(student.locator(".field-error", has_text="locked")).to_have_count(0)
    teacher_acts_on_the_class(teacher, students)
    for page in (*students, teacher):
        page.context.close()
    assert not problems, problems


def teacher_acts_on_the_class(teacher: Page, students: list[Page]) -> None:
    """Pause all stops every run; reset all then starts each over (its counter shows step 0:
    paused first, so a run trained in groups cannot race back past where it was before the
    test reads it); a reload keeps the experiment and its lock, without the banner; unlock
    all frees the control."""
    teacher.goto("/teacher")
    teacher.get_by_role("button", name="Pause all").click()
    expect(teacher.locator("#class-actions-result")).to_have_text("Paused 3 runs.")
    for student in students:
        expect(student.get_by_role("button", name="Play")).to_be_visible(timeout=TIMEOUT)
        student.wait_for_function("window.nnp.step > 0", timeout=TIMEOUT)
    teacher.get_by_role("button", name="Reset all").click()
    expect(teacher.locator("#class-actions-result")).to_have_text("Reset 3 runs.")
    for student in students:
        student.wait_for_function("window.nnp.step === 0", timeout=TIMEOUT)
        expect(student.get_by_role("button", name="Play")).to_be_visible()  # still paused
    reloaded = students[0]
    reloaded.reload()
    reloaded.wait_for_function("window.nnp && window.nnp.framesPainted > 0", timeout=TIMEOUT)
    expect(reloaded.get_by_role("combobox", name="Learning rate")).to_be_disabled()
    expect(reloaded.locator("#class-banner")).to_be_hidden()  # not a new experiment
    expect(reloaded).to_have_url(re.compile(r"dataset=spiral.*lr=0\.1"))
    teacher.get_by_role("button", name="Unlock all").click()
    expect(teacher.locator("#class-actions-result")).to_have_text("Every lock lifted.")
    for student in students:
        expect(student.get_by_role("combobox", name="Learning rate")).to_be_enabled()
        expect(student.locator(".class-lock-note")).to_have_count(0)
