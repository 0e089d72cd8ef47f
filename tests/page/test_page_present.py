"""Presentation mode on a projector and a phone, in a real Chromium: the whole network (the
default one and the largest a class builds, 6 hidden layers of 8 neurons), its output and
Play on one screen without scrolling; on a phone Play and the output within one screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.page.browser import shoot

TIMEOUT = 30_000  # ms: a shared 2-core machine trains and paints at once
LARGEST = "layers=" + ",".join(["dense:8:tanh"] * 6)

# What must be on the screen: every unit of the diagram (features, neurons, the output
# unit), the output map and Play, as [name, left, top, right, bottom] in the viewport.
BOXES = """(() => {
  const box = (name, e) => { const r = e.getBoundingClientRect();
    return [name, r.left, r.top, r.right, r.bottom]; };
  return [...document.querySelectorAll('.network .node')].map((n, i) =>
      box(`${n.closest('[data-layer]').dataset.layer} unit ${i}`, n))
    .concat([box('output map', document.getElementById('boundary-map')),
             box('Play', document.querySelector('button[aria-label=Play]'))]); })()"""


def open_presentation(page: Page, width: int, height: int, query: str) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"/?present=1{query}")
    page.wait_for_function("window.nnp && window.nnp.framesPainted > 0", timeout=TIMEOUT)
    # "connected" shows for two seconds on top of the panels: the room it takes is not kept.
    page.wait_for_function(
        "document.getElementById('connection').textContent === ''", timeout=TIMEOUT
    )


@pytest.mark.parametrize("network", ["default", "largest"])
@pytest.mark.parametrize(("width", "height"), [(1024, 768), (1280, 720), (1440, 900)])
def test_a_projector_shows_the_whole_network_its_output_and_play(
    page: Page, width: int, height: int, network: str
) -> None:
    open_presentation(page, width, height, "&" + LARGEST if network == "largest" else "")
    boxes = page.evaluate(BOXES)
    assert len(boxes) == (7 + 4 + 2 + 1 if network == "default" else 7 + 6 * 8 + 1) + 2
    outside = [
        f"{name} at ({left:.0f}, {top:.0f})-({right:.0f}, {bottom:.0f})"
        for name, left, top, right, bottom in boxes
        if left < 0 or top < 0 or right > width or bottom > height
    ]
    shoot(page, f"present-{network}-{width}x{height}")
    assert outside == [], f"off the {width}x{height} screen: {outside}"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate("document.querySelector('.network').scrollWidth") <= page.evaluate(
        "document.querySelector('.network').clientWidth"
    ), "the network scrolls sideways"
    body = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert body >= 14, "presentation mode never shrinks the type below the normal page's"


def test_a_phone_has_play_and_the_output_within_one_screen(page: Page) -> None:
    open_presentation(page, 390, 844, "")
    boxes = {name: (top, bottom) for name, _, top, _, bottom in page.evaluate(BOXES)}
    top = min(boxes["Play"][0], boxes["output map"][0])
    bottom = max(boxes["Play"][1], boxes["output map"][1])
    shoot(page, "present-default-390x844")
    assert bottom - top <= 844, f"Play and the output map span {bottom - top:.0f} px"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
