"""The new lessons' views in a real headless Chromium against a real server (one of each,
sharing the module's server): a student opens the lesson, answers, presses Play with the
mouse, and the lesson's highlighted view draws the run's real numbers as they change."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from app.lessons import LESSONS
from tests.page.browser import shoot
from tests.page.test_lessons import (
    ARMS,
    answer_and_play,
    arm_steps,
    open_lesson,
    wait_for_every_arm,
)
from tests.page.test_playground import TIMEOUT

pytestmark = pytest.mark.slow


def test_backprop_shows_each_weights_gradient_on_its_edge_and_in_numbers(page: Page) -> None:
    """One step at a time ("+1 step"): each step's gradients, on the edges and in the table."""
    lesson = LESSONS["backprop"]
    open_lesson(page, "?lesson=backprop&seed=0")
    page.get_by_role("radio", name=lesson.question.choices[lesson.question.answer]).click()
    wait_for_every_arm(page, "a.dataset.step === '0'")
    view = page.locator(f"{ARMS}[data-arm=net] .look-here[data-view=weight_grads]")
    expect(view).to_contain_text("look here")
    cells = view.locator("td.weight-grads-value")
    caption = view.locator(".weight-grads-caption")
    expect(cells).to_have_count(9)  # 2-2-1: 4 + 2 weights, 2 + 1 biases
    expect(caption).to_contain_text("No step yet: every gradient is 0")

    page.get_by_role("button", name="+1 step").click()
    wait_for_every_arm(page, "a.dataset.step === '1'")
    expect(caption).to_have_text("Step 1: the gradient that step applied.")
    first = cells.all_text_contents()
    assert any(float(t) != 0 for t in first), first
    # each of the 6 edges is drawn in the gradient's colour, carrying its number
    edges = view.locator("svg.weight-grads-net line")
    expect(edges).to_have_count(6)
    strokes = edges.evaluate_all("(lines) => lines.map((l) => l.style.stroke)")
    assert all(s.startswith("rgb(") for s in strokes), strokes
    labels = view.locator("svg text.weight-grads-label").all_text_contents()
    assert len(labels) == 6 and any(float(t) != 0 for t in labels), labels

    # the next step has moved the weights: its gradients are others
    page.get_by_role("button", name="+1 step").click()
    wait_for_every_arm(page, "a.dataset.step === '2'")
    expect(caption).to_have_text("Step 2: the gradient that step applied.")
    assert cells.all_text_contents() != first
    wait_for_every_arm(page, "a.querySelector('.arm-state').textContent === 'paused'")
    assert arm_steps(page) == [2, 2]  # one step a click, then paused
    shoot(page, "lesson-backprop")


def test_softmax_temperature_shows_one_querys_scores_softmax_and_sum(page: Page) -> None:
    answer_and_play(page, "softmax-temperature", "&seed=0")
    view = page.locator(f"{ARMS}[data-arm=hot] .look-here[data-view=attention_query]")
    expect(view).to_contain_text("look here")
    expect(view.locator(".aq-temperature")).to_have_text("4")
    weights = view.locator("td.aq-weight")
    expect(weights).to_have_count(7)  # six pairs and the question
    # the weights are a softmax (they add up to 1) and change as the layer learns
    page.wait_for_function(
        """(sel) => {
             const w = [...document.querySelectorAll(sel)].map((c) => Number(c.textContent));
             return w.length === 7 && Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 0.01;
           }""",
        arg=f"{ARMS}[data-arm=hot] td.aq-weight",
        timeout=TIMEOUT,
    )
    first = weights.all_text_contents()
    page.wait_for_function(
        """([sel, first]) =>
             [...document.querySelectorAll(sel)].some((c, i) => c.textContent !== first[i])""",
        arg=[f"{ARMS}[data-arm=hot] td.aq-weight", first],
        timeout=TIMEOUT,
    )
    # each score ÷ T is the score divided by 4
    scores = [float(t) for t in view.locator("td.aq-score").all_text_contents()]
    scaled = [float(t) for t in view.locator("td.aq-scaled").all_text_contents()]
    assert all(abs(s / 4 - c) <= 0.006 for s, c in zip(scores, scaled, strict=True)), (
        scores,
        scaled,
    )
    # the values and their weighted sum are painted: the canvas is not blank
    painted = view.locator("canvas.aq-values").evaluate(
        """(c) => {
             const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
             let n = 0;
             for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
             return n;
           }"""
    )
    assert painted > 100, painted
    shoot(page, "lesson-softmax-temperature")
