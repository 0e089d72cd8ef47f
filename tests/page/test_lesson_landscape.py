"""The loss-landscape lesson in a real Chromium against a real server: a student answers,
presses Play with the mouse, and each arm's landscape view draws the loss over its slice
(colours, not a blank canvas) and the path its weights took, growing as they train."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.lessons import LESSONS
from tests.page.test_lessons import open_lesson
from tests.page.test_playground import TIMEOUT

pytestmark = pytest.mark.slow
LESSON = "loss-landscape"
MAP = "article.arm .loss-landscape"

# JavaScript: how many distinct colours the first arm's landscape canvas holds (a blank or
# one-colour canvas has at most 1), and the step its view was drawn at.
DRAWN = """() => {
  const fig = document.querySelector("article.arm .loss-landscape");
  const canvas = fig.querySelector("canvas");
  const px = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  const colours = new Set();
  for (let i = 0; i < px.length; i += 4) {
    if (px[i + 3]) colours.add(`${px[i]},${px[i + 1]},${px[i + 2]}`);
  }
  return {colours: colours.size, step: Number(fig.dataset.step ?? -1)};
}"""


def test_the_landscape_view_draws_each_arms_slice_and_path(page: Page) -> None:
    lesson = LESSONS[LESSON]
    open_lesson(page, f"?lesson={LESSON}")
    expect(page.locator(MAP)).to_have_count(len(lesson.runs))
    expect(page.locator(".look-here[data-view=loss_landscape]").first).to_contain_text("look here")
    answer = lesson.question.choices[lesson.question.answer]
    page.get_by_role("radio", name=answer, exact=True).click()
    page.get_by_role("button", name="Play").click()
    # drawn after training began: many colour bands, and a path of several points
    page.wait_for_function(f"({DRAWN})().step > 0 && ({DRAWN})().colours > 5", timeout=TIMEOUT)
    first = page.locator(f"{MAP} .loss-landscape-readout").first
    readout = r"^loss here \d+\.\d{3} · path: \d+ points? from step \d+ to \d+$"
    expect(first).to_have_text(re.compile(readout))
    seen = page.evaluate(DRAWN)["step"]
    # a later frame redraws it: the slice moves with the weights
    page.wait_for_function(f"({DRAWN})().step > {seen}", timeout=TIMEOUT)
