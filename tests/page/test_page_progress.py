"""The top bar's progress in a real Chromium with the real mouse: the steps/s readout is
the page's own measure (the step counter over wall time), slow motion shows each step and
its place in the epoch, and Step trains exactly one epoch, as TensorFlow Playground's."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.page.browser import shoot

TIMEOUT = 30_000  # ms: a shared 2-core machine trains and paints at once


def open_page(page: Page, query: str = "") -> None:
    page.goto(f"/{query}")
    page.wait_for_function("window.nnp && window.nnp.framesPainted > 0", timeout=TIMEOUT)


def epoch(page: Page) -> int:
    return int(page.locator(".epoch").inner_text().replace(",", ""))


def rate(page: Page) -> float:
    text = page.locator(".rate").inner_text()
    match = re.fullmatch(r"([\d,.]+) steps/s", text)
    assert match, f"the readout says {text!r}"
    return float(match.group(1).replace(",", ""))


def wait_for_step(page: Page, step: int) -> None:
    page.wait_for_function(f"window.nnp.step >= {step}", timeout=TIMEOUT)


def test_slow_motion_reads_about_one_step_a_second_and_shows_each_step(page: Page) -> None:
    open_page(page, "?speed=1")
    page.get_by_role("button", name="Play").click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    wait_for_step(page, 3)  # two changes of the counter a second apart: the rate is measured
    readings = []
    for step in range(4, 7):
        wait_for_step(page, step)
        readings.append(rate(page))
    assert all(0.5 <= r <= 2 for r in readings), f"at 1 step/s the page read {readings}"
    step = page.evaluate("window.nnp.step") + 1
    wait_for_step(page, step)
    expect(page.locator(".progress")).to_contain_text(f"step {step} · {step} of 25 in this epoch")
    shoot(page, "top-bar-slow-motion")


@pytest.mark.parametrize(("batch_size", "steps"), [(10, 25), (3, 83)])
def test_step_trains_exactly_one_epoch(page: Page, batch_size: int, steps: int) -> None:
    open_page(page, f"?batch_size={batch_size}")
    button = page.get_by_role("button", name="Step")
    assert epoch(page) == 0
    button.click()
    wait_for_step(page, steps)
    expect(page.locator(".epoch")).to_have_text("000,001", timeout=TIMEOUT)
    expect(page.locator(".rate")).to_have_text("paused", timeout=TIMEOUT)
    assert page.evaluate("window.nnp.step") == steps, "Step trained more than one epoch"
    # From the middle of an epoch too: a few steps at 5 steps/s, then Step.
    page.get_by_role("combobox", name="Speed").select_option("5")
    page.get_by_role("button", name="Play").click()
    wait_for_step(page, steps + 3)
    page.get_by_role("button", name="Pause").click()
    expect(page.locator(".rate")).to_have_text("paused", timeout=TIMEOUT)
    before = page.evaluate("window.nnp.step")
    assert epoch(page) == 1
    button.click()
    wait_for_step(page, before + steps)
    expect(page.locator(".epoch")).to_have_text("000,002", timeout=TIMEOUT)
    expect(page.locator(".rate")).to_have_text("paused", timeout=TIMEOUT)
    assert page.evaluate("window.nnp.step") == before + steps
    assert epoch(page) == 2
    # The button says what it does, to the eye and to a screen reader.
    expect(button).to_have_attribute("title", "Step: train one epoch")
    expect(button).to_have_accessible_name("Step: train one epoch")
