"""The drawing pad while paused, in a real headless Chromium against a real server: every
stroke drawn with the real mouse reaches "what the network sees", the input column, the
feature maps and the class bars, even when the network is costly to run on one example.

Under load a per-example view once measured over 20 ms became "slow", and slow views are
not recomputed for a new drawing while the run is paused: "what the network sees" kept
showing a validation sample ("true class: 2") while the bars followed the drawing. Load
cannot be ordered, so the network is made costly instead (two 128-filter 7x7 convolutions
over 28x28 MNIST): every view that runs it on the example (probabilities, feature maps)
costs over 20 ms on any CPU here. With the old rule, the second stroke left the feature
maps and the bars on the first (`example` itself is a cheap slice and followed)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.page.browser import shoot
from tests.page.test_playground import TIMEOUT, open_page, pause, play
from tests.page.test_workspaces import LEARN_TIMEOUT, pixels

# One example's forward pass: about 1.3 G multiply-adds. tanh, as relu left every map of
# the second layer dead after a few steps: the answer no longer depended on the drawing.
COSTLY_CNN = ",".join(["conv2d:128:7:1:same:tanh"] * 3)
SEEN = ".network-sees canvas"
INPUT_COLUMN = "canvas.example-input"
FIRST_MAP = ".map-grid.maps canvas >> nth=0"
CAPTION = ".network-sees figcaption"


def bars(page: Page) -> str:
    """The percent beside each class's bar, as the page shows them."""
    return "|".join(page.locator(".class-bar-percent").all_inner_texts())


def shown(page: Page) -> dict[str, str]:
    """What the views of the one example show now."""
    return {
        "what the network sees": pixels(page, SEEN),
        "the input column": pixels(page, INPUT_COLUMN),
        "the first feature map": pixels(page, FIRST_MAP),
        "the class bars": bars(page),
    }


def stroke(page: Page, start: tuple[float, float], end: tuple[float, float]) -> None:
    """One stroke across the pad with the real mouse, from `start` to `end` (shares of the
    pad's width and height), in small moves as a hand makes them."""
    pad = page.get_by_role("img", name="Drawing pad: draw a digit")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None

    def at(share: tuple[float, float]) -> tuple[float, float]:
        return box["x"] + box["width"] * share[0], box["y"] + box["height"] * share[1]

    page.mouse.move(*at(start))
    page.mouse.down()
    for i in range(1, 13):
        t = i / 12
        page.mouse.move(
            *at((start[0] + t * (end[0] - start[0]), start[1] + t * (end[1] - start[1])))
        )
    page.mouse.up()


def wait_until_all_change(page: Page, before: dict[str, str], what: str) -> None:
    """Waits until every view of the example differs from `before`; fails naming those that
    did not follow."""
    try:
        page.wait_for_function(
            """([before, seen, column]) => {
                const url = (selector) => document.querySelector(selector).toDataURL();
                const map = document.querySelector('.map-grid.maps canvas').toDataURL();
                const percents = [...document.querySelectorAll('.class-bar-percent')]
                    .map((node) => node.innerText).join('|');
                const now = [url(seen), url(column), map, percents];
                return now.every((value, i) => value !== before[i]);
            }""",
            arg=[list(before.values()), SEEN, INPUT_COLUMN],
            timeout=TIMEOUT,
        )
    except PlaywrightTimeout:
        now = shown(page)
        stuck = [name for name, value in before.items() if now[name] == value]
        raise AssertionError(f"after {what}, these did not follow the drawing: {stuck}") from None


def test_a_paused_mnist_pad_shows_each_stroke_in_every_per_example_view(page: Page) -> None:
    open_page(page, f"?dataset=mnist&layers={COSTLY_CNN}&batch_size=4")
    expect(page.locator(".map-grid.maps")).to_have_count(3, timeout=TIMEOUT)
    play(page)
    page.wait_for_function("window.nnp.step >= 3", timeout=LEARN_TIMEOUT)
    pause(page)
    # paused on validation sample 0: its true class is named, the bars hold its answer
    expect(page.locator(CAPTION)).to_contain_text("true class")
    expect(page.locator(".class-bars")).to_have_attribute(
        "aria-label", re.compile(r"Prediction: \w")
    )
    steps = page.evaluate("window.nnp.step")

    before = shown(page)
    stroke(page, (0.5, 0.15), (0.52, 0.85))  # a "1"
    wait_until_all_change(page, before, "the first stroke")
    expect(page.locator(CAPTION)).to_contain_text("your drawing")
    shoot(page, "mnist-paused-drawn-1")

    before = shown(page)
    stroke(page, (0.2, 0.3), (0.8, 0.3))  # a bar across: a "7"
    wait_until_all_change(page, before, "the second stroke")
    expect(page.locator(CAPTION)).to_contain_text("your drawing")
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    assert page.evaluate("window.nnp.step") == steps, "the run trained while paused"
    shoot(page, "mnist-paused-drawn-2")
