"""A lesson's arms, opened in a real Chromium, are recorded in the runs database as the
browser's own runs of kind "lesson" (the page's socket says `kind=lesson`; the page's
owner cookie travels with the websocket handshake)."""

from __future__ import annotations

import time

from playwright.sync_api import Page

from app.lessons import LESSONS
from tests.page.test_lessons import COMPARISON, open_lesson, wait_for_every_arm


def test_a_lessons_arms_are_recorded_as_the_browsers_lesson_runs(page: Page) -> None:
    open_lesson(page, f"?lesson={COMPARISON}")
    wait_for_every_arm(page, "a.dataset.step === '0'")  # every arm's run exists
    arms = len(LESSONS[COMPARISON].runs)
    deadline = time.monotonic() + 10
    while len(runs := page.request.get("/api/runs").json()["runs"]) < arms:
        assert time.monotonic() < deadline, runs
        time.sleep(0.05)  # the writer thread records them moments after the events
    assert len(runs) == arms and {r["kind"] for r in runs} == {"lesson"}
