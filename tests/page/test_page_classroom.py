"""A classroom link in a real Chromium, checked with the real mouse: what it hides is gone
wherever the page draws it (layer cards and feature toggles are rebuilt on every change),
and a panel whose every control it hid goes too."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.page.browser import shoot

TIMEOUT = 30_000  # ms: a shared 2-core machine trains and paints at once


def open_page(page: Page, query: str = "") -> None:
    page.goto(f"/{query}")
    page.wait_for_function("window.nnp && window.nnp.framesPainted > 0", timeout=TIMEOUT)


# Each option of the classroom link and controls it must take away, found by their names.
HIDDEN = {
    "layers": [
        ("combobox", "Layer 1"),
        ("button", "One neuron more in layer 1"),
        ("button", "One neuron fewer in layer 1"),
        ("button", "Remove layer 1"),
        ("button", "Add a hidden layer"),
    ],
    "input": [("button", "X₁²"), ("button", "X₁"), ("button", "sin(X₂)")],
    "play": [("button", "Play")],
    "step": [("button", "Step: train one epoch")],
    "reset": [("button", "Reset")],
    "show_val": [("checkbox", "Show validation data")],
    "discretize": [("checkbox", "Discretize output")],
}


# The options whose control changes the address: the address says whether it acted.
URL_PARAM = {
    "layers": "layers",
    "input": "features",
    "show_val": "show_val",
    "discretize": "discretize",
}


def control(page: Page, role: str, name: str) -> Locator:
    return page.get_by_role(role, name=name, exact=True).first  # type: ignore[arg-type]


@pytest.mark.parametrize("option", list(HIDDEN))
def test_each_option_takes_its_controls_away_from_the_mouse(page: Page, option: str) -> None:
    open_page(page)
    spots = []
    for role, name in HIDDEN[option]:
        box = control(page, role, name).bounding_box()
        assert box is not None, f"{role} {name!r} is on the page without a classroom link"
        spots.append((box["x"] + box["width"] / 2, box["y"] + box["height"] / 2))
    open_page(page, f"?hide={option}")
    for (role, name), (x, y) in zip(HIDDEN[option], spots, strict=True):
        expect(control(page, role, name)).to_be_hidden()
        page.mouse.click(x, y)  # where it was: nothing of it is there now
        hit = page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y)?.closest('[data-control]')"
            "?.dataset.control ?? ''",
            [x, y],
        )
        assert hit != option, f"the hidden {name!r} still takes the mouse"
    # What the hidden control does did not happen (a neighbour may have moved into its
    # place and taken the click: that is its own doing).
    if option == "play":
        expect(page.get_by_role("button", name="Pause")).to_be_hidden()
    if option in URL_PARAM:
        assert f"{URL_PARAM[option]}=" not in page.url, page.url
    if option == "input":
        # The features in use are still drawn and named; the others are gone.
        expect(page.locator(".feature-name")).to_have_text(["X₁", "X₂"])
        expect(page.locator(".node.feature")).to_have_count(2)
    if option == "layers":
        expect(page.locator(".card")).to_have_count(2)
        expect(page.locator(".card").first).to_be_hidden()
        # The units stay level with the features, below where the cards were.
        tops = page.evaluate(
            """['input', 'dense0', 'dense1'].map((name) => document
              .querySelector(`[data-layer="${name}"] .node`).getBoundingClientRect().top)"""
        )
        assert max(tops) - min(tops) < 1, tops


def test_hiding_everything_leaves_no_empty_box(page: Page) -> None:
    open_page(page)
    boxes = page.locator("fieldset.hide-list input[type=checkbox]")
    for i in range(boxes.count()):
        boxes.nth(i).check()  # the teacher ticks every option with the mouse
    link = page.locator("#classroom-link").input_value()
    assert re.search(r"hide=play,step,reset,show_val,discretize,", link)
    page.goto(link)
    page.wait_for_function("window.nnp && window.nnp.framesPainted > 0", timeout=TIMEOUT)
    empty = page.evaluate(
        """(() => [...document.querySelectorAll('.panel, .top-bar, .player, .checks')]
          .filter((p) => p.getBoundingClientRect().height > 0)
          .filter((p) => ![...p.querySelectorAll('*')].some((c) => c.tagName !== 'H2'
              && !c.closest('h2') && c.children.length === 0 && c.getClientRects().length > 0
              && c.getBoundingClientRect().width > 0 && c.getBoundingClientRect().height > 0))
          .map((p) => p.querySelector('h2')?.textContent || p.className))()"""
    )
    assert empty == [], f"boxes with nothing in them: {empty}"
    for title in ["Data", "Training", "Share, import, export"]:
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_hidden()
    expect(page.locator(".checks")).to_be_hidden()
    # The network takes the room the data panel left.
    network = page.locator(".network-panel").bounding_box()
    assert network is not None and network["x"] < 40
    visible_controls = page.evaluate(
        """(() => [...document.querySelectorAll('button, select, input')]
          .filter((c) => c.getClientRects().length > 0).map((c) => c.outerHTML.slice(0, 80)))()"""
    )
    assert visible_controls == [], f"controls left to click: {visible_controls}"
    shoot(page, "classroom-everything-hidden")
