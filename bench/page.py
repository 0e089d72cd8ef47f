"""Benchmark: epochs per second the page *displays*, raced against TensorFlow Playground's
own page in the same headless Chromium, with every view of our page on.

Not a test. Needs Chromium (`/usr/bin/chromium`) and the test extras (Playwright):
`python bench/page.py [--seconds 10] [--tfp-url URL] [--cpu-throttle N]`. Cases are
TensorFlow Playground's default net (circle, x1 x2, 4-2 tanh, lr 0.03, batch 10) and its
largest (6 hidden layers of 8). For each, one after the other in the same browser:

- TF Playground: its epoch counter's change over wall time after pressing play (it trains
  in the page, one epoch per animation frame at most). `--tfp-url` is where its page is
  served (default: the public site; a local build works too). When it cannot be loaded,
  the figures last measured on this kind of machine stand in, marked `*`.
- ours: the epoch counter's change over wall time, the frames the page painted per second,
  and the server's own rate over the same seconds: the step and epoch counters of the
  first and last `status` event the page received in them, over their arrival times (and
  the last one's `steps_per_s`); and the `view` message the page sent (which views, at
  what fps and grids). All read from the page's `window.nnp` counters: tapping the
  websocket from here would copy every frame (1 MB/s on the largest net) through
  Playwright's pipe into this process, on the cores the server and browser share.
- bare: the PyTorch loop of bench/engine.py on the same net in this process, just before
  and after the page (the ceiling of one eager run; this machine's speed drifts).
"""

from __future__ import annotations

import argparse
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from playwright.sync_api import Browser, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

sys.path.insert(0, str(Path(__file__).parent))
from engine import CASES, bare_loop  # noqa: E402

from app.spec import ExperimentSpec  # noqa: E402
from app.train import Run  # noqa: E402

PAGES = {
    "tfp-default": "/",  # the page's defaults are TensorFlow Playground's
    "tfp-max": "/?layers=" + ",".join(["dense:8:tanh"] * 6),
}
# TF Playground's state is its URL's hash; its defaults are the default case.
TFP_HASH = {"tfp-default": "#networkShape=4,2", "tfp-max": "#networkShape=8,8,8,8,8,8"}
# Its displayed epochs/s as last measured in headless Chromium on this kind of 2-core
# machine (issue 15), used only when its page cannot be loaded here.
TFP_LAST_MEASURED = {"tfp-default": 59.9, "tfp-max": 20.5}
WARM_UP_S = 2.0  # past the first epochs and the charts' first layout
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip


@dataclass
class Result:
    tfp: float
    tfp_measured: bool
    epochs: float
    painted: float
    server_steps: float
    server_epochs: float
    status_rate: float
    view: dict[str, Any]
    bare: float


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int, data_dir: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NNP_DATA_DIR": data_dir}
    exe = Path(sys.executable).with_name("nnplayground")
    proc = subprocess.Popen([str(exe), "serve", "--port", str(port)], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


def measure_page(page: Page, url: str, seconds: float) -> dict[str, Any]:
    """Epochs/s the counter shows, frames/s painted, the server's steps/s and epochs/s
    (from its statuses), its last `steps_per_s`, and the `view` message the page sent."""
    page.goto(url)
    page.wait_for_function("window.nnp && window.nnp.framesPainted > 0", timeout=30_000)
    page.click("button[aria-label=Play]")
    page.wait_for_timeout(WARM_UP_S * 1000)
    read = (
        "[Number(document.querySelector('.epoch').textContent.replaceAll(',', '')),"
        " nnp.framesPainted, performance.now(), nnp.status, nnp.statusAt, nnp.view]"
    )
    e0, f0, t0, s0, at0, _ = page.evaluate(read)
    page.wait_for_timeout(seconds * 1000)
    e1, f1, t1, s1, at1, view = page.evaluate(read)
    page.click("button[aria-label=Pause]")
    elapsed = (t1 - t0) / 1000
    shown = {"epochs": (e1 - e0) / elapsed, "painted": (f1 - f0) / elapsed, "view": view or {}}
    between = (at1 - at0) / 1000 if s0 and s1 else 0.0
    if between <= 0:  # a page from before these counters
        return shown | {
            "server_steps": math.nan,
            "server_epochs": math.nan,
            "status_rate": math.nan,
        }
    return shown | {
        "server_steps": (s1["step"] - s0["step"]) / between,
        "server_epochs": (s1["epoch"] - s0["epoch"]) / between,
        "status_rate": s1["steps_per_s"],
    }


def measure_tfp(page: Page, url: str, seconds: float) -> float | None:
    """Epochs/s TF Playground's counter shows, or None when its page cannot be loaded."""
    try:
        page.goto(url, timeout=20_000)
        page.wait_for_selector("#play-pause-button", timeout=20_000)
    except PlaywrightError:
        return None
    counter = "Number(document.querySelector('#iter-number').textContent.replaceAll(',', ''))"
    read = f"[{counter}, performance.now()]"
    page.click("#play-pause-button")
    page.wait_for_timeout(WARM_UP_S * 1000)
    e0, t0 = page.evaluate(read)
    page.wait_for_timeout(seconds * 1000)
    e1, t1 = page.evaluate(read)
    page.click("#play-pause-button")
    return (e1 - e0) / ((t1 - t0) / 1000)


def bare_epochs_per_s(case: str, seconds: float) -> float:
    torch.set_num_threads(1)  # as in a worker process: two spinning threads on a shared
    # 2-core machine made this loop 30x slower
    run = Run(ExperimentSpec.model_validate(CASES[case]), "cpu")
    steps_per_epoch = math.ceil(len(run.x_train) / run.spec.train.batch_size)
    loop = bare_loop(run)
    loop(steps_per_epoch)  # warm up
    start, steps = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        loop(steps_per_epoch)
        steps += steps_per_epoch
    return steps / steps_per_epoch / (time.perf_counter() - start)


def new_tab(browser: Browser, throttle: float) -> Page:
    """A tab at 1366x768 whose main thread runs `throttle` times slower (DevTools' CPU
    throttling, for a slower laptop than this machine; 1: as fast as it can)."""
    tab = browser.new_page(viewport={"width": 1366, "height": 768})
    if throttle != 1:
        cdp = tab.context.new_cdp_session(tab)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
    return tab


def race(port: int, seconds: float, tfp_url: str, throttle: float) -> dict[str, Result]:
    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for case, path in PAGES.items():
            # A fresh tab for each page, so neither inherits the other's timers.
            tab = new_tab(browser, throttle)
            tfp = measure_tfp(tab, tfp_url.rstrip("/") + "/" + TFP_HASH[case], seconds)
            tab.close()
            page = new_tab(browser, throttle)
            before = bare_epochs_per_s(case, 3.0)
            measured = measure_page(page, f"http://127.0.0.1:{port}{path}", seconds)
            bare = (before + bare_epochs_per_s(case, 3.0)) / 2
            page.close()
            shown = tfp if tfp is not None else TFP_LAST_MEASURED[case]
            results[case] = Result(shown, tfp is not None, **measured, bare=bare)
        browser.close()
    return results


def report(results: dict[str, Result], tfp_url: str) -> None:
    head = ["case", "TFP ep/s", "ours ep/s", "ratio", "painted/s", "server steps/s"]
    head += ["(status says)", "server ep/s", "bare ep/s"]
    print(" ".join(f"{h:>14}" if i else f"{h:<12}" for i, h in enumerate(head)))
    for case, r in results.items():
        tfp = f"{r.tfp:.1f}{'' if r.tfp_measured else '*'}"
        cells = [tfp, f"{r.epochs:.1f}", f"{r.epochs / r.tfp:.2f}x", f"{r.painted:.1f}"]
        cells += [f"{r.server_steps:.0f}", f"{r.status_rate:.0f}", f"{r.server_epochs:.1f}"]
        cells += [f"{r.bare:.1f}"]
        print(f"{case:<12} " + " ".join(f"{c:>14}" for c in cells))
    for case, r in results.items():
        v = r.view
        grids = f"grid {v.get('grid')}, boundary_grid {v.get('boundary_grid')}"
        print(f"{case}: views {', '.join(v.get('views', []))}; fps {v.get('fps')}, {grids}")
    if not all(r.tfp_measured for r in results.values()):
        print(f"* TF Playground's page did not load from {tfp_url}: its last measured figure")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--tfp-url", default="https://playground.tensorflow.org/")
    parser.add_argument(
        "--cpu-throttle", type=float, default=1.0, help="slow both pages' main thread N times"
    )
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        server = serve(port, data_dir)
        try:
            results = race(port, args.seconds, args.tfp_url, args.cpu_throttle)
        finally:
            server.terminate()
            server.wait(timeout=30)
    report(results, args.tfp_url)


if __name__ == "__main__":
    main()
