"""The GAN page (/gan) in a real headless Chromium against a real server: what a teacher does
(pick data, draw it, play, step one side, slide through the latent space, share a link)
and what the class must see."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.page.browser import shoot
from tests.page.test_playground import panels_overlap

TIMEOUT = 30_000  # ms: a shared 2-core machine trains and paints at once
SLOW = 120_000  # ms: the digit judge trains on its first use (seconds on 2 cores)

PAINTED = "window.nnp && window.nnp.framesPainted > 0"
# Pixels drawn in something darker than the page's near-white (an empty canvas has none).
INKED_PIXELS = """(selector) => { const c = document.querySelector(selector);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
  for (let i = 0; i < d.length; i += 4)
    if (d[i + 3] > 0 && Math.min(d[i], d[i + 1], d[i + 2]) < 235) n++;
  return n; }"""
HEAT_COLOURS = """() => { const c = document.querySelector('.plane-heat');
  if (c.width < 10) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; const seen = new Set();
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3] !== 255) return 0;
    seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
  }
  return seen.size; }"""


LEGEND = {
    "heat": "discriminator: P(real)",
    "manifold": "generator's manifold",
    "real": "real data",
    "fake": "generated (fake) data",
    "arrows": "where G pushes each fake",
}


def open_gan(page: Page, query: str = "") -> None:
    page.goto(f"/gan{query}")
    page.wait_for_function(PAINTED, timeout=TIMEOUT)


def pixels(page: Page, selector: str) -> str:
    return page.evaluate(f"document.querySelector('{selector}').toDataURL()")


def inked(page: Page, selector: str) -> int:
    return page.evaluate(INKED_PIXELS, selector)


def heat_colours(page: Page) -> int:
    """Distinct colours on the heatmap canvas, 0 unless it is painted opaque, one pixel per
    cell of the discriminator's grid. Not ink: an untrained D says about 0.5 everywhere,
    which is drawn in shades just off the paper's grey."""
    return page.evaluate(HEAT_COLOURS)


def play(page: Page) -> None:
    page.get_by_role("button", name="Play").click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()


def test_ring_fakes_move_onto_the_ring_with_every_layer_drawn(page: Page) -> None:
    open_gan(page, "?data=ring")
    start = page.evaluate("window.nnp.ringDistance")
    assert start > 0.3, "the untrained generator already draws the ring"
    assert heat_colours(page) > 1, "no discriminator heatmap"
    play(page)
    page.wait_for_function(
        f"window.nnp.step > 300 && window.nnp.ringDistance < {start / 2}", timeout=TIMEOUT
    )
    for chart in page.locator("figure.chart").all():  # losses, D(real) and D(fake)
        expect(chart).to_have_attribute("data-points", re.compile(r"^[1-9]"))
    expect(page.locator(".quality")).to_contain_text("% of fakes on the data")
    # Each layer on its own: the manifold grid, then the arrows, draw on the overlay.
    for layer in ("heat", "real", "fake", "arrows"):
        page.get_by_role("checkbox", name=LEGEND[layer]).uncheck()
    expect(page.locator(".plane-heat")).to_be_hidden()
    assert inked(page, ".plane-overlay") > 500, "no manifold grid"
    page.get_by_role("checkbox", name=LEGEND["manifold"]).uncheck()
    assert inked(page, ".plane-overlay") == 0
    expect(page).to_have_url(re.compile(r"show=&|show=$"))


def test_step_g_moves_only_the_generator_and_step_d_only_the_discriminator(page: Page) -> None:
    open_gan(page)
    page.wait_for_function("window.nnp.paintedStep === 0", timeout=TIMEOUT)
    heat, fake = pixels(page, ".plane-heat"), page.evaluate("window.nnp.fake")
    # D's P(real) as received: one step of D near 0.5 can leave every colour as it was.
    verdict = page.evaluate("window.nnp.heat")

    page.get_by_role("button", name="Step G").click()
    page.wait_for_function("window.nnp.paintedStep === 1", timeout=TIMEOUT)
    expect(page.get_by_role("button", name="G only")).to_have_attribute("aria-pressed", "true")
    expect(page).to_have_url(re.compile(r"train=generator"))
    assert pixels(page, ".plane-heat") == heat, "the discriminator changed on a generator step"
    assert page.evaluate("window.nnp.heat") == verdict, "D's verdict changed on a generator step"
    moved = page.evaluate("window.nnp.fake")
    assert moved != fake, "the generator did not move its fakes"

    page.get_by_role("button", name="Step D").click()
    page.wait_for_function("window.nnp.paintedStep === 2", timeout=TIMEOUT)
    expect(page.get_by_role("button", name="D only")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("window.nnp.fake") == moved, "the fakes moved on a discriminator step"
    assert page.evaluate("window.nnp.heat") != verdict, "the discriminator did not learn"
    assert page.evaluate("window.nnp.starts") == 1, "a live setting restarted the run"


def test_digits_samples_sharpen_and_the_slider_walks_the_latent_space(page: Page) -> None:
    open_gan(page, "?data=digits")
    assert inked(page, ".sample-grid") > 500, "no generated digits drawn"
    expect(page.get_by_role("heading", name="Generated digits")).to_be_visible()
    picked = pixels(page, ".walk-picked")
    walk = page.get_by_role("slider", name="Position on the walk")
    walk.fill("0")
    walk.dispatch_event("change")
    assert pixels(page, ".walk-picked") != picked, "the slider did not change the image"
    expect(page).to_have_url(re.compile(r"at=0"))

    grid = pixels(page, ".sample-grid")
    play(page)
    page.wait_for_function("window.nnp.step > 300", timeout=SLOW)
    assert pixels(page, ".sample-grid") != grid, "the samples did not change as G trained"
    shoot(page, "gan-digits")
    page.get_by_label("Judge the digits").uncheck()
    expect(page.locator(".quality")).to_have_text("not judged")
    expect(page).to_have_url(re.compile(r"judge=0"))


def test_drawing_on_the_plane_restarts_with_the_drawn_points(page: Page) -> None:
    page.goto("/gan?data=drawn")
    expect(page.locator("#done")).to_contain_text("Draw the real data")
    box = page.locator(".plane-overlay").bounding_box()
    assert box is not None

    def at(x: float, y: float) -> tuple[float, float]:  # plane units ([-2, 2]²) -> screen
        return box["x"] + (x + 2) / 4 * box["width"], box["y"] + (2 - y) / 4 * box["height"]

    page.mouse.move(*at(-1.5, 1))
    page.mouse.down()
    for i in range(1, 31):
        page.mouse.move(*at(-1.5 + 0.1 * i, 1))
    page.mouse.up()
    page.wait_for_function(
        "(window.nnp.spec?.data.points?.length ?? 0) >= 10",
        timeout=TIMEOUT,
    )
    page.wait_for_function(PAINTED, timeout=TIMEOUT)
    expect(page).to_have_url(re.compile(r"data=drawn&points=-1\.\d+:[01]"))
    drawn = page.evaluate("window.nnp.spec.data.points")
    assert all(abs(y - 1) < 0.03 for _, y in drawn), drawn
    expect(page.locator(".draw-tools")).to_contain_text("points drawn")
    real = page.evaluate("window.nnp.real")
    ys = real[1::2]
    assert all(abs(y - 1) < 0.4 for y in ys), "the real samples are not around the stroke"

    page.get_by_role("button", name="Clear").click()
    expect(page.locator("#done")).to_contain_text("Draw the real data")
    expect(page).not_to_have_url(re.compile(r"points="))


def test_a_bad_value_in_the_link_is_named_with_its_limit(page: Page) -> None:
    page.goto("/gan?latent=0")
    expect(page.locator("#notes")).to_contain_text("latent: 0 is less than 1; using 2")
    page.wait_for_function(PAINTED, timeout=TIMEOUT)
    expect(page.locator('[data-error-for="gan.latent_size"]')).to_be_empty()


def test_a_bad_value_typed_is_named_next_to_its_field(page: Page) -> None:
    page.goto("/gan")
    page.wait_for_function(PAINTED, timeout=TIMEOUT)
    latent = page.get_by_label("Latent size")
    latent.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("0")
    page.keyboard.press("Tab")
    expect(page.locator('[data-error-for="gan.latent_size"]')).to_contain_text(
        "latent size must be at least 1"
    )
    latent.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    expect(page.locator('[data-error-for="gan.latent_size"]')).to_be_empty()
    expect(page).to_have_url(re.compile(r"latent=3"))


def test_a_layer_the_shapes_refuse_is_named_on_its_row(page: Page) -> None:
    page.goto("/gan?data=digits&g=dense:100:relu,reshape:8x4x4")
    row = page.locator('[data-error-for="gan.generator.layers.1"]')
    expect(row).to_contain_text("cannot reshape 100 values into 8x4x4")
    expect(page.locator('[data-error-for="status"]')).to_contain_text("generator layer 2")


def test_the_pages_link_to_each_other(page: Page) -> None:
    page.goto("/")
    page.wait_for_function(PAINTED, timeout=TIMEOUT)
    page.get_by_role("link", name="GANs").click()
    expect(page).to_have_url(re.compile(r"/gan$"))
    page.get_by_role("link", name="← Playground").click()
    expect(page).to_have_url(re.compile(r"/$"))
    page.get_by_role("combobox", name="Problem type").select_option("gan")
    expect(page).to_have_url(re.compile(r"/gan$"))


def test_gaussians_modes_are_counted_and_shown(page: Page) -> None:
    open_gan(page)
    play(page)
    page.wait_for_function(
        "window.nnp.step >= 2000 && window.nnp.quality.modes_covered >= 5", timeout=60_000
    )
    expect(page.locator(".quality")).to_contain_text(re.compile(r"[5-8] of 8 modes"))
    assert page.locator(".bar-strip .bar").count() == 8
    shoot(page, "gan")


@pytest.mark.parametrize("query", ["", "?data=digits"])
@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)])
def test_laptop_and_phone_layouts_fit(page: Page, width: int, height: int, query: str) -> None:
    page.set_viewport_size({"width": width, "height": height})
    open_gan(page, query)
    assert panels_overlap(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shoot(page, f"gan-layout-{width}x{height}{query.replace('?data=', '-')}")
