"""Frames at the rate the page paints them, in a real Chromium against a real server: a
browser that cannot paint every frame it is sent (Chromium's CPU throttling, as DevTools
emulates a slow laptop) asks the server for fewer, so the server does not compute, encode
and send frames that the page throws away unpainted, and trains in that time instead; when
the browser keeps up again, it asks for more."""

from __future__ import annotations

from playwright.sync_api import Page, expect

TIMEOUT = 30_000  # ms: a shared 2-core machine trains and paints at once
LARGEST = "/?layers=" + ",".join(["dense:8:tanh"] * 6)  # TF Playground's largest net
THROTTLE = 8  # Chromium runs the page's main thread this many times slower


def counts(page: Page) -> tuple[int, int, float, int]:
    """(frames received, frames painted, the page's clock in ms, the fps the page asked)."""
    received, painted, now, fps = page.evaluate(
        "[nnp.framesReceived, nnp.framesPainted, performance.now(), nnp.view.fps]"
    )
    return received, painted, now, fps


def test_a_browser_that_paints_few_frames_asks_for_few(page: Page) -> None:
    page.goto(LARGEST)
    page.wait_for_function("window.nnp && window.nnp.framesPainted > 0", timeout=TIMEOUT)
    assert counts(page)[3] == 30, "a browser that keeps up asks for 30 frames a second"
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
    page.get_by_role("button", name="Play").click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible(timeout=TIMEOUT)
    page.wait_for_function("nnp.view.fps < 30", timeout=TIMEOUT)
    # Settled at the paint rate: what it asks is about what it paints, and few frames are
    # lost (before, it asked 30 and painted about 5 of the 17 that reached it).
    received0, painted0, t0, _ = counts(page)
    page.wait_for_function(f"nnp.framesPainted >= {painted0 + 12}", timeout=60_000)
    received1, painted1, t1, fps = counts(page)
    painted_per_s = (painted1 - painted0) / ((t1 - t0) / 1000)
    lost = 1 - (painted1 - painted0) / max(1, received1 - received0)
    assert fps <= 2 * painted_per_s + 2, f"asks {fps} fps, paints {painted_per_s:.1f}"
    assert lost <= 0.5, f"{lost:.0%} of the frames received were never painted"
    epoch = page.evaluate("nnp.epoch")
    page.wait_for_function(f"nnp.epoch > {epoch}", timeout=TIMEOUT)  # it trains on
    # Keeping up again, it climbs back towards 30.
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    page.wait_for_function(f"nnp.view.fps >= {max(10, 2 * fps)}", timeout=60_000)
