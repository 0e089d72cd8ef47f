"""The network diagram with the real mouse and keyboard: every connection can be hovered
and clicked where it runs (the columns lie over the connections' SVG), its weight and each
neuron's bias read and typed in, all named in words with layers counted from 1."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.page.browser import shoot

TIMEOUT = 30_000  # ms: a shared 2-core machine trains and paints at once


def open_page(page: Page, query: str = "") -> None:
    page.goto(f"/{query}")
    page.wait_for_function("window.nnp && window.nnp.framesPainted > 0", timeout=TIMEOUT)


def point_on_edge(page: Page, index: int, at: float = 0.5) -> tuple[float, float]:
    """The viewport position of the point `at` (0..1) along the `index`-th drawn connection."""
    x, y = page.evaluate(
        """([i, at]) => { const p = document.querySelectorAll('svg.links path.link')[i];
        const pt = p.getPointAtLength(p.getTotalLength() * at);
        const r = p.ownerSVGElement.getBoundingClientRect();
        return [r.left + pt.x, r.top + pt.y]; }""",
        [index, at],
    )
    return float(x), float(y)


def hover_until(page: Page, x: float, y: float, text: str) -> None:
    """Hovers (x, y) after each newly painted frame until the tip says `text`: the tip reads
    the latest frame when the pointer moves."""
    for _ in range(100):
        painted = page.evaluate("window.nnp.framesPainted")
        page.mouse.move(x, y + 1)
        page.mouse.move(x, y)
        if text in page.locator(".tip").inner_text():
            return
        page.wait_for_function(f"window.nnp.framesPainted > {painted}", timeout=TIMEOUT)
    expect(page.locator(".tip")).to_contain_text(text)


def test_every_connection_is_reachable_where_it_runs(page: Page) -> None:
    open_page(page)
    hits = page.evaluate(
        """(() => { let hit = 0, total = 0;
        for (const p of document.querySelectorAll('svg.links path.link')) {
          const r = p.ownerSVGElement.getBoundingClientRect(), L = p.getTotalLength();
          for (let i = 1; i < 20; i++) {
            const pt = p.getPointAtLength(L * i / 20); total++;
            const e = document.elementFromPoint(r.left + pt.x, r.top + pt.y);
            if (e && e.classList.contains('link-hit')) hit++;
          } }
        return [hit, total]; })()"""
    )
    hit, total = hits
    assert total == 18 * 19  # 2 features x 4, 4 x 2, 2 x 1 output
    assert hit == total, f"{total - hit} of {total} points along the connections are covered"


def test_hover_click_and_type_a_weight_with_the_mouse_and_keyboard(page: Page) -> None:
    open_page(page)
    # The first connection runs level from X₁ to the first neuron: nothing crosses its middle.
    x, y = point_on_edge(page, 0)
    page.mouse.move(x - 20, y - 30)
    page.mouse.move(x, y, steps=5)
    tip = page.locator(".tip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("Weight from X₁ to neuron 1 of layer 1: ")
    page.mouse.click(x, y)
    editor = page.locator("form.weight-editor")
    expect(editor).to_be_visible()
    expect(editor.locator("label")).to_have_text("Weight from X₁ to neuron 1 of layer 1")
    expect(editor.locator("input")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("2.5")
    page.keyboard.press("Enter")
    expect(editor).to_be_hidden()
    # The next frame carries the edited weight.
    hover_until(page, x, y, "Weight from X₁ to neuron 1 of layer 1: 2.5000")
    width = page.evaluate(
        "parseFloat(document.querySelectorAll('svg.links path.link')[0].style.strokeWidth)"
    )
    assert width > 3, "a weight of 2.5 is drawn thick"
    shoot(page, "network-weight-edited")


def test_a_bias_is_read_and_typed_in_with_the_mouse_and_keyboard(page: Page) -> None:
    open_page(page)
    square = page.get_by_label("bias of neuron 2 of layer 1", exact=True)
    box = square.bounding_box()
    assert box is not None
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    tip = page.locator(".tip")
    expect(tip).to_contain_text("Bias of neuron 2 of layer 1: ")
    page.mouse.click(cx, cy)
    editor = page.locator("form.weight-editor")
    expect(editor.locator("label")).to_have_text("Bias of neuron 2 of layer 1")
    page.keyboard.press("Control+A")
    page.keyboard.type("-1.5")
    page.keyboard.press("Enter")
    expect(editor).to_be_hidden()
    hover_until(page, cx, cy, "Bias of neuron 2 of layer 1: -1.5000")


def test_units_are_named_in_words_from_layer_1(page: Page) -> None:
    open_page(page)
    node = page.locator('[data-layer="dense1"] .node').nth(1)
    node.locator("canvas").hover()
    expect(page.locator(".zoom p")).to_have_text("neuron 2 of layer 2")
    # The weights' histograms and the gradient chart count layers as the cards do.
    expect(page.locator(".health-row strong")).to_have_text(
        ["layer 1 (dense)", "layer 2 (dense)", "output"], timeout=TIMEOUT
    )
    expect(page.locator("#charts")).to_contain_text("layer 1 (dense)")
