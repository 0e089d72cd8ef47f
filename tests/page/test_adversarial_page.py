"""The adversarial lesson in a real headless Chromium against a real server: a student
answers, presses Play, and the highlighted view draws a real digit, the change the fast
gradient sign method makes to it and the changed digit, with the network's answers."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from app.lessons import LESSONS
from tests.page.browser import shoot
from tests.page.test_lessons import open_lesson, wait_for_every_arm
from tests.page.test_playground import TIMEOUT

# JavaScript: how many distinct colours a canvas holds (1 for a blank one)
COLOURS = """(c) => {
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  const seen = new Set();
  for (let i = 0; i < d.length; i += 4) seen.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
  return seen.size;
}"""


def test_the_adversarial_lesson_draws_the_attacked_digit(page: Page) -> None:
    lesson = LESSONS["adversarial"]
    open_lesson(page, "?lesson=adversarial")
    answer = lesson.question.choices[lesson.question.answer]
    page.get_by_role("radio", name=answer, exact=True).check()
    wait_for_every_arm(page, "a.dataset.step === '0'")
    page.get_by_role("button", name="Play").click()

    view = page.locator(".look-here[data-view=adversarial]")
    expect(view).to_contain_text("look here")
    before = view.locator(".adv-before")
    expect(before).to_have_text(re.compile(r"^network: \d \(\d+%\)$"), timeout=TIMEOUT)
    expect(view.locator(".adv-after")).to_have_text(re.compile(r"^network: \d \(\d+%\)$"))
    expect(view.locator(".adv-eps")).to_have_text("each pixel ±0.15 (amplified)")
    first = before.text_content()
    # the figures follow training: the answer's probability moves as the network learns
    page.wait_for_function(
        "(t) => document.querySelector('.look-here[data-view=adversarial] .adv-before')"
        ".textContent !== t",
        arg=first,
        timeout=TIMEOUT,
    )
    for name in ("the digit", "the change to each pixel, amplified", "the changed digit"):
        canvas = view.get_by_role("img", name=name, exact=True)
        expect(canvas).to_have_attribute("width", "8")
        assert canvas.evaluate(COLOURS) > 2, name  # a digit, not a blank canvas
    view.scroll_into_view_if_needed()
    shoot(page, "lesson-adversarial")
    page.get_by_role("button", name="Pause").click()
