"""Frames at the rate the page paints them, in a real Chromium against a real server: a
browser that cannot paint every frame it is sent (Chromium's CPU throttling, as DevTools
emulates a slow laptop) asks the server for fewer, so the server does not compute, encode
and send frames that the page throws away unpainted (or that queue up in the browser,
each painted seconds late), and trains in that time instead; when the browser keeps up
again, it asks for more."""

from __future__ import annotations

from playwright.sync_api import Page, expect

TIMEOUT = 30_000  # ms: a shared 2-core machine trains and paints at once
LARGEST = "/?layers=" + ",".join(["dense:8:tanh"] * 6)  # TF Playground's largest net
THROTTLE = 8  # Chromium runs the page's main thread this many times slower
# True once, over the last 2.5 s or more, the page was sent about the frames it painted
# (the frames queued in the browser before it asked for fewer are worked off by then).
KEEPS_UP = """() => {
  const now = performance.now();
  const seen = (window.paceSeen ??= []);
  seen.push([now, nnp.framesReceived, nnp.framesPainted]);
  while (now - seen[0][0] > 3000) seen.shift();
  if (now - seen[0][0] < 2500) return false;
  const received = nnp.framesReceived - seen[0][1], painted = nnp.framesPainted - seen[0][2];
  return painted >= 4 && received <= 1.5 * painted + 2 && nnp.view.fps <= 15
    ? [received, painted, nnp.view.fps] : false;
}"""


def test_a_browser_that_paints_few_frames_asks_for_few(page: Page) -> None:
    page.goto(LARGEST)
    page.wait_for_function("window.nnp && window.nnp.framesPainted > 0", timeout=TIMEOUT)
    assert page.evaluate("nnp.view.fps") == 30, "a browser that keeps up asks for 30 a second"
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
    page.get_by_role("button", name="Play").click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible(timeout=TIMEOUT)
    # Before, it asked 30 whatever it painted: it was sent 9 to 17 frames a second, painted
    # about 5, and the rest queued up or were dropped.
    received, painted, fps = page.wait_for_function(
        KEEPS_UP, polling=500, timeout=60_000
    ).json_value()
    assert fps <= 2 * painted / 2.5 + 2, f"asks {fps} fps; {received} received, {painted} painted"
    epoch = page.evaluate("nnp.epoch")
    page.wait_for_function(f"nnp.epoch > {epoch}", timeout=TIMEOUT)  # it trains on
    # Keeping up again, it climbs back towards 30.
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    page.wait_for_function(f"nnp.view.fps >= {max(10, 2 * fps)}", timeout=60_000)
