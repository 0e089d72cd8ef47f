"""The hierarchical-features lesson in a real Chromium against a real server: a student
answers, presses Play with the mouse, and each arm's receptive-field view draws a digit
with a box per conv layer (3×3, 8×8, 18×18) and the top-exciting digits cropped to them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.lessons import LESSONS
from tests.page.test_lessons import open_lesson
from tests.page.test_playground import TIMEOUT

pytestmark = pytest.mark.slow
LESSON = "hierarchical-features"
VIEW = "article.arm .receptive-fields"

# JavaScript: the step the first arm's view was drawn at, how many box pixels are coloured
# (neither transparent nor grey), and how many crops have both ink and paper.
DRAWN = """() => {
  const fig = document.querySelector("article.arm .receptive-fields");
  const boxes = fig.querySelector(".rf-boxes");
  const ctx = boxes.getContext("2d");
  const px = boxes.width ? ctx.getImageData(0, 0, boxes.width, boxes.height).data : [];
  let coloured = 0;
  for (let i = 0; i < px.length; i += 4) {
    if (px[i + 3] && (px[i] !== px[i + 1] || px[i + 1] !== px[i + 2])) coloured++;
  }
  const inked = [...fig.querySelectorAll(".rf-crop")].filter((c) => {
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    const shades = new Set();
    for (let i = 0; i < d.length; i += 4) shades.add(d[i]);
    return shades.size > 1;
  }).length;
  return {step: Number(fig.dataset.step ?? -1), coloured, inked};
}"""


def test_the_receptive_field_view_draws_boxes_and_top_inputs(page: Page) -> None:
    lesson = LESSONS[LESSON]
    open_lesson(page, f"?lesson={LESSON}")
    expect(page.locator(VIEW)).to_have_count(len(lesson.runs))
    expect(page.locator(".look-here[data-view=receptive_fields]").first).to_contain_text(
        "look here"
    )
    answer = lesson.question.choices[lesson.question.answer]
    page.get_by_role("radio", name=answer, exact=True).click()
    page.get_by_role("button", name="Play").click()
    ready = "d.step > 0 && d.coloured > 100 && d.inked > 4"
    page.wait_for_function(
        f"(() => {{ const d = ({DRAWN})(); return {ready}; }})()", timeout=TIMEOUT
    )
    layers = page.locator(VIEW).first.locator(".rf-layer")
    expect(layers).to_have_count(3)
    sizes = [r"sees 3×3 pixels", r"sees 8×8 pixels", r"sees 18×18 pixels"]
    for layer, size in zip(layers.all(), sizes, strict=True):
        expect(layer).to_contain_text(re.compile(size))
        expect(layer.locator(".rf-classes")).to_have_text(re.compile(r"^classes( \d)+ · "))
