"""A whole class in a real Chromium against a real server in class mode (docs/classroom.md):
one teacher's page and three students' pages, the real mouse and keyboard throughout.

Three students join by the join page (a wrong code first: refused), each changes the network
their own way and trains; the teacher's grid shows all three with their losses moving. The
teacher sets a challenge: the leaderboard ranks the three runs in the order of their own
validation losses (read from the server once the teacher pauses the class). The teacher sends
an experiment with the learning rate locked: it reaches all three pages, and a locked change
sent past the page, on a raw websocket with a student's cookie, is refused by the server.
Last, the teacher opens a lesson for the class: each student answers, and the teacher's page
shows the answers and the verdict."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Browser, Page, expect

from app.lessons import LESSONS
from app.web.classroom import COOKIE
from tests.page.test_page_class import CODE, KEY, TIMEOUT, new_page
from tests.page.test_page_class_locks import shows_the_locked_experiment
from tests.servers import class_mode_server
from tests.web.test_classroom import open_socket

pytestmark = pytest.mark.slow

# Each student's own change to the page's default network (circle, 4 and 2 tanh units).
CHANGES = {"Ada": None, "Bo": "Add a hidden layer", "Cy": "Remove the last hidden layer"}
NETWORKS = {
    "Ada": "circle: dense 4 tanh → dense 2 tanh",
    "Bo": "circle: dense 4 tanh → dense 2 tanh → dense 4 tanh",
    "Cy": "circle: dense 4 tanh",
}
QUESTION = LESSONS["perceptron"].question  # the teacher's menu's first lesson
RIGHT, WRONG = QUESTION.choices[QUESTION.answer], QUESTION.choices[0]


@pytest.fixture(scope="module")
def class_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from class_mode_server(
        tmp_path_factory,
        "class-scenario-data",
        ws_resume_grace_s=3.0,
        ws_runs_per_ip=1000,  # every page of the test connects from loopback
    )


def join(browser: Browser, url: str, name: str, problems: list[str], wrong_first: bool) -> Page:
    page = new_page(browser, url, problems)
    answer = page.goto("/")
    assert answer is not None and answer.status == 401  # the join form, nothing else
    for code in ("WRONG9", CODE) if wrong_first else (CODE,):
        page.get_by_label("Class code").fill("")
        page.get_by_label("Class code").click()
        page.keyboard.type(code)
        page.get_by_label("Your name").fill("")
        page.get_by_label("Your name").click()
        page.keyboard.type(name)
        page.get_by_role("button", name="Join").click()
        if code != CODE:
            expect(page.locator("#join-error")).to_have_text("That class code is not right.")
    expect(page).to_have_url(re.compile(r"/$"), timeout=TIMEOUT)
    page.wait_for_function("window.nnp && window.nnp.framesPainted > 0", timeout=TIMEOUT)
    expect(page.locator("#student-name")).to_have_text(name)
    return page


def train_own_network(student: Page, change: str | None) -> None:
    if change:
        student.get_by_role("button", name=change).click()
    student.get_by_role("button", name="Play").click()
    student.wait_for_function("window.nnp.epoch > 2", timeout=TIMEOUT)


def card_loss(teacher: Page, name: str) -> str:
    return teacher.locator(".student-card", has_text=name).locator(".student-loss").inner_text()


def grid_shows_the_class(teacher: Page) -> None:
    for name, network in NETWORKS.items():
        card = teacher.locator(".student-card", has_text=name)
        expect(card.locator(".student-network")).to_have_text(network, timeout=TIMEOUT)
        expect(card.locator(".student-loss")).to_have_text(re.compile(r"^loss \S+ / \S+$"))
    for name in NETWORKS:  # each card's losses move as its run trains
        before = card_loss(teacher, name)
        expect(
            teacher.locator(".student-card", has_text=name).locator(".student-loss")
        ).not_to_have_text(before, timeout=TIMEOUT)


def leaderboard_orders_the_runs(teacher: Page) -> None:
    """A challenge on circle with at most 20 neurons: all three qualify. Paused, the board's
    order is the order of the runs' validation losses as the server has them."""
    teacher.get_by_label("At most neurons").click()
    teacher.keyboard.type("20")
    teacher.get_by_role("button", name="Set the challenge").click()
    expect(teacher.locator("#challenge-result")).to_have_text(re.compile(r"^Challenge set: "))
    teacher.get_by_role("button", name="Pause all").click()
    expect(teacher.locator("#class-actions-result")).to_have_text("Paused 3 runs.")
    board = teacher.locator("#challenge-board li")
    expect(board).to_have_count(3, timeout=TIMEOUT)
    expect(teacher.locator(".student-status", has_text="paused")).to_have_count(3)
    students = teacher.request.get("/api/class").json()["students"]
    assert {s["run"]["status"] for s in students} == {"paused"}  # their last points are in
    losses = {s["name"]: s["run"]["val_loss"] for s in students}
    ranked = sorted(losses, key=lambda name: losses[name])
    expected = [f"{name}: {losses[name]:#.3g} " for name in ranked]  # as toPrecision(3)
    expect(board).to_have_text([re.compile(f"^{re.escape(e)}") for e in expected], timeout=TIMEOUT)


def send_with_the_lr_locked(teacher: Page, students: dict[str, Page]) -> None:
    teacher.goto("/")
    teacher.wait_for_function("window.nnp && window.nnp.framesPainted > 0", timeout=TIMEOUT)
    teacher.get_by_role("button", name="dataset spiral").click()
    teacher.get_by_role("button", name="Add a hidden layer").click()
    teacher.get_by_role("combobox", name="Learning rate").focus()
    teacher.keyboard.press("ArrowDown")  # 0.03 -> 0.1
    teacher.locator("#class-send").get_by_role("checkbox", name="Learning rate").click()
    teacher.get_by_role("button", name="Send to the class").click()
    expect(teacher.locator("#class-send-result")).to_have_text(
        re.compile(r"Sent to 3 student pages open now \(locked: lr\)"), timeout=TIMEOUT
    )
    for page in students.values():
        shows_the_locked_experiment(page)


async def a_locked_change_past_the_page(url: str, cookie: str) -> dict[str, object]:
    """What the server answers a student's raw socket that sets the locked learning rate."""
    socket = await open_socket(url, cookie, "tab-raw")
    try:
        await socket.set(lr=1.0)
        return await socket.wait_for(lambda e: e["type"] == "error", timeout=10)
    finally:
        await socket.close()


def the_class_answers_a_lesson(teacher: Page, students: dict[str, Page]) -> None:
    teacher.goto("/teacher")
    teacher.get_by_role("button", name="Open for the class").click()
    summary = teacher.locator("#class-lesson-summary")
    expect(summary).to_have_text("0 of 3 answered (0 skipped).", timeout=TIMEOUT)
    choices = {"Ada": RIGHT, "Bo": RIGHT, "Cy": WRONG}
    for name, choice in choices.items():
        student = students[name]
        expect(student).to_have_url(re.compile(r"\?lesson=perceptron$"), timeout=TIMEOUT)
        student.get_by_label(choice, exact=True).click()
        expect(student.locator(".question-status")).to_contain_text("Your answer is in.")
    counts = teacher.locator("#class-lesson-counts li")
    tally = {c: list(choices.values()).count(c) for c in QUESTION.choices}
    expect(counts).to_have_text([f"{c}: {n}" for c, n in tally.items()], timeout=TIMEOUT)
    teacher.get_by_role("button", name="Show the verdict").click()
    expect(summary).to_have_text(
        f"Verdict: “{RIGHT}”. 2 of 3 predicted it. 3 of 3 answered (0 skipped)."
    )


def test_a_teacher_and_three_students_go_through_a_lesson_together(
    browser: Browser, class_server: str
) -> None:
    problems: list[str] = []
    students = {
        name: join(browser, class_server, name, problems, wrong_first=name == "Ada")
        for name in CHANGES
    }
    for name, change in CHANGES.items():
        train_own_network(students[name], change)
    teacher = new_page(browser, class_server, problems)
    teacher.goto(f"/teacher?key={KEY}")
    grid_shows_the_class(teacher)
    leaderboard_orders_the_runs(teacher)

    send_with_the_lr_locked(teacher, students)
    cookie = next(c["value"] for c in students["Bo"].context.cookies() if c["name"] == COOKIE)
    with ThreadPoolExecutor(1) as thread:  # Playwright's own event loop runs in this one
        refused = thread.submit(asyncio.run, a_locked_change_past_the_page(class_server, cookie))
        refused = refused.result()
    assert (refused["code"], refused["field"]) == ("locked", "params.lr")
    assert refused["message"] == "the teacher locked the learning rate: it stays 0.1"

    the_class_answers_a_lesson(teacher, students)
    for page in (*students.values(), teacher):
        page.context.close()
    assert not problems, problems
