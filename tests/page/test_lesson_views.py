"""The lessons' own views in a real Chromium against one real server: a student answers,
presses Play with the mouse, and each arm draws the lesson's new view with real data.
- loss-landscape: the loss over each arm's slice (colour bands, not a blank canvas) and
  the path its weights took, redrawn as they train;
- hierarchical-features: a digit with a box per conv layer (3×3, 8×8, 18×18) and the
  top-exciting digits cropped to them; receptive-field shows the same view."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.lessons import LESSONS
from tests.page.test_lessons import open_lesson
from tests.page.test_playground import TIMEOUT

pytestmark = pytest.mark.slow
LANDSCAPE = "loss-landscape"
MAP = "article.arm .loss-landscape"

# JavaScript: how many distinct colours the first arm's landscape canvas holds (a blank or
# one-colour canvas has at most 1), and the step its view was drawn at.
LANDSCAPE_DRAWN = """() => {
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
    lesson = LESSONS[LANDSCAPE]
    open_lesson(page, f"?lesson={LANDSCAPE}")
    expect(page.locator(MAP)).to_have_count(len(lesson.runs))
    expect(page.locator(".look-here[data-view=loss_landscape]").first).to_contain_text("look here")
    answer = lesson.question.choices[lesson.question.answer]
    page.get_by_role("radio", name=answer, exact=True).click()
    page.get_by_role("button", name="Play").click()
    # drawn after training began: many colour bands, and a path of several points
    page.wait_for_function(
        f"({LANDSCAPE_DRAWN})().step > 0 && ({LANDSCAPE_DRAWN})().colours > 5", timeout=TIMEOUT
    )
    first = page.locator(f"{MAP} .loss-landscape-readout").first
    readout = r"^loss here \d+\.\d{3} · path: \d+ points? from step \d+ to \d+$"
    expect(first).to_have_text(re.compile(readout))
    seen = page.evaluate(LANDSCAPE_DRAWN)["step"]
    # a later frame redraws it: the slice moves with the weights
    page.wait_for_function(f"({LANDSCAPE_DRAWN})().step > {seen}", timeout=TIMEOUT)


HIERARCHY = "hierarchical-features"
VIEW = "article.arm .receptive-fields"

# JavaScript: the step the first arm's view was drawn at, how many box pixels are coloured
# (neither transparent nor grey), and how many crops have both ink and paper.
FIELDS_DRAWN = """() => {
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
    lesson = LESSONS[HIERARCHY]
    open_lesson(page, f"?lesson={HIERARCHY}")
    expect(page.locator(VIEW)).to_have_count(len(lesson.runs))
    expect(page.locator(".look-here[data-view=receptive_fields]").first).to_contain_text(
        "look here"
    )
    answer = lesson.question.choices[lesson.question.answer]
    page.get_by_role("radio", name=answer, exact=True).click()
    page.get_by_role("button", name="Play").click()
    ready = "d.step > 0 && d.coloured > 100 && d.inked > 4"
    page.wait_for_function(
        f"(() => {{ const d = ({FIELDS_DRAWN})(); return {ready}; }})()", timeout=TIMEOUT
    )
    layers = page.locator(VIEW).first.locator(".rf-layer")
    expect(layers).to_have_count(3)
    sizes = [r"sees 3×3 pixels", r"sees 8×8 pixels", r"sees 18×18 pixels"]
    for layer, size in zip(layers.all(), sizes, strict=True):
        expect(layer).to_contain_text(re.compile(size))
        expect(layer.locator(".rf-classes")).to_have_text(re.compile(r"^classes( \d)+ · "))
    # the older receptive-field lesson shows the same view in each of its arms
    open_lesson(page, "?lesson=receptive-field")
    expect(page.locator(VIEW)).to_have_count(len(LESSONS["receptive-field"].runs))
