"""Class mode in a real Chromium against a real server (docs/classroom.md): a student opens
the address, gets the join form, types the class code and a name with the real keyboard,
lands on the playground and trains; the teacher's page lists them with their moving run."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.page.conftest import VIEWPORT
from tests.page.test_lessons import ARMS, wait_for_every_arm
from tests.servers import CLASS_CODE, TEACHER_KEY, class_mode_server

TIMEOUT = 30_000  # ms: a shared 2-core machine trains and paints at once
CODE, KEY = CLASS_CODE, TEACHER_KEY
NAME = "<b>Ada</b>"  # markup in a name must show as text, everywhere

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def class_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from class_mode_server(
        tmp_path_factory,
        "class-page-data",
        ws_resume_grace_s=3.0,
    )


def new_page(browser: Browser, url: str, problems: list[str]) -> Page:
    """A page in a fresh context (no cookie). Console errors are problems, except the 401
    Chromium logs for the join form itself (the answer a page without the cookie gets)."""
    page = browser.new_context(viewport=VIEWPORT, base_url=url).new_page()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "status of 401" not in message.text:
            problems.append(f"{message.text} ({message.location['url']})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"uncaught {error}"))
    return page


def join(student: Page, name: str) -> None:
    """The join form, typed: the class code in lower case, as a phone types it."""
    answer = student.goto("/")
    assert answer is not None and answer.status == 401
    student.get_by_label("Class code").click()
    student.keyboard.type(CODE.lower())
    student.get_by_label("Your name").click()
    student.keyboard.type(name)
    student.get_by_role("button", name="Join").click()
    expect(student).to_have_url(re.compile(r"/$"), timeout=TIMEOUT)


def test_a_student_joins_trains_and_the_teacher_sees_them(
    browser: Browser, class_server: str
) -> None:
    problems: list[str] = []
    student = new_page(browser, class_server, problems)
    join(student, NAME)
    student.wait_for_function("window.nnp && window.nnp.framesPainted > 0", timeout=TIMEOUT)
    expect(student.locator("#student-name")).to_have_text(NAME)  # as text, linked to /join
    student.get_by_role("button", name="Play").click()
    student.wait_for_function("window.nnp.epoch > 2", timeout=TIMEOUT)

    teacher = new_page(browser, class_server, problems)
    teacher.goto(f"/teacher?key={KEY}")
    expect(teacher).to_have_url(re.compile(r"/teacher$"))  # the key left the address
    card = teacher.locator(".student-card", has_text=NAME)  # the markup, as text
    expect(card).to_have_count(1, timeout=TIMEOUT)
    expect(teacher.locator("#class-grid b")).to_have_count(0)  # never as HTML
    expect(card.locator(".student-network")).to_have_text(
        "circle: dense 4 tanh → dense 2 tanh", timeout=TIMEOUT
    )  # the page's default data and net
    expect(card.locator(".student-status")).to_have_text("running", timeout=TIMEOUT)
    epoch = int(card.locator(".student-epoch").inner_text().split()[1])
    teacher.wait_for_function(
        """([name, epoch]) => [...document.querySelectorAll('.student-card')].some(
             (c) => c.querySelector('.student-name').textContent === name
               && Number(c.querySelector('.student-epoch').textContent.split(' ')[1]) > epoch)""",
        arg=[NAME, epoch],
        timeout=TIMEOUT,
    )  # refreshed: the epoch moves on the teacher's page
    assert re.fullmatch(r"loss \S+ / \S+", card.locator(".student-loss").inner_text())
    student.context.close()
    teacher.context.close()
    assert not problems, problems


def test_a_students_race_trains_as_one_run(browser: Browser, class_server: str) -> None:
    """A race's sockets share the page's `tab` (static/js/socket.js): the server counts them
    as the student's one run, so neither is refused as another tab's (`busy`)."""
    problems: list[str] = []
    student = new_page(browser, class_server, problems)
    join(student, "Grace")
    student.goto("/?race=lr:0.3")
    wait_for_every_arm(student, "a.dataset.step === '0'")
    student.get_by_role("button", name="Play").click()
    wait_for_every_arm(student, "Number(a.dataset.step) > 0")
    expect(student.locator(f"{ARMS} .arm-note")).to_have_text(["", ""])  # no "busy", no error
    student.context.close()
    assert not problems, problems
