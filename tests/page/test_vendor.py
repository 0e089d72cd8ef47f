"""uPlot, installed by `npm ci` and served by our own server at /vendor/uplot/."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page

from tests.page.browser import open_blank, shoot


def test_server_serves_uplot_as_javascript_and_css(page_server: str) -> None:
    with httpx.Client(base_url=page_server, timeout=10) as client:
        esm = client.get("/vendor/uplot/uPlot.esm.js")
        css = client.get("/vendor/uplot/uPlot.min.css")
        missing = client.get("/vendor/uplot/nothing.js")
    assert esm.status_code == 200
    assert esm.headers["content-type"].split(";")[0] in {
        "text/javascript",
        "application/javascript",
    }
    assert "export { uPlot as default }" in esm.text
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert missing.status_code == 404


def test_uplot_loads_as_an_es_module_in_the_browser(page: Page) -> None:
    open_blank(page)
    kind = page.evaluate("import('/vendor/uplot/uPlot.esm.js').then(m => typeof m.default)")
    assert kind == "function"


def test_uplot_draws_a_chart(page: Page) -> None:
    """Its stylesheet and module work together on a blank page of our origin."""
    open_blank(page)
    page.evaluate(
        """async () => {
            const css = Object.assign(document.createElement('link'),
                                      { rel: 'stylesheet', href: '/vendor/uplot/uPlot.min.css' });
            await new Promise((done, fail) => {
                css.onload = done;
                css.onerror = fail;
                document.head.append(css);
            });
            const { default: uPlot } = await import('/vendor/uplot/uPlot.esm.js');
            const opts = { width: 600, height: 300, title: 'loss',
                           series: [{}, { label: 'train', stroke: 'steelblue' }] };
            new uPlot(opts, [[0, 1, 2, 3, 4], [1.0, 0.6, 0.4, 0.3, 0.25]], document.body);
        }"""
    )
    assert page.locator(".uplot canvas").count() == 1
    assert page.locator(".u-title").inner_text() == "loss"
    shoot(page, "vendor-uplot-chart")
