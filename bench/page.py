"""Benchmark: epochs per second the page *displays*, and frames it paints, in headless
Chromium against a real server, with every view of the page on.

Not a test. Needs Chromium (`/usr/bin/chromium`) and the test extras (Playwright):
`python bench/page.py [--seconds 10]`. Cases are TensorFlow Playground's default net
(circle, x1 x2, 4-2 tanh, lr 0.03, batch 10) and its largest (6 hidden layers of 8).
TensorFlow Playground's own page, measured in headless Chromium on the same kind of
machine, displays 55-60 epochs/s on its default net and 12-23 on the largest (one epoch per
animation frame at most). The bare PyTorch loop of bench/engine.py, run in this process on
the same net just before and after the page, gives the ceiling: ratio = displayed epochs/s
/ bare epochs/s (the bare loop runs alone; the page shares the cores with the browser).
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
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).parent))
from engine import CASES, bare_loop  # noqa: E402

from app.spec import ExperimentSpec  # noqa: E402
from app.train import Run  # noqa: E402

PAGES = {
    "tfp-default": "/",  # the page's defaults are TensorFlow Playground's
    "tfp-max": "/?layers=" + ",".join(["dense:8:tanh"] * 6),
}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip


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


def measure_page(page, url: str, seconds: float) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(epochs/s shown by the epoch counter, frames/s painted) over `seconds` of training."""
    page.goto(url)
    page.wait_for_function("window.nnp && window.nnp.framesPainted > 0", timeout=30_000)
    page.click("button[aria-label=Play]")
    time.sleep(2)  # past the first epochs and the charts' first layout
    read = (
        "[Number(document.querySelector('.epoch').textContent.replaceAll(',', '')),"
        " nnp.framesPainted, performance.now()]"
    )
    e0, f0, t0 = page.evaluate(read)
    time.sleep(seconds)
    e1, f1, t1 = page.evaluate(read)
    page.click("button[aria-label=Pause]")
    elapsed = (t1 - t0) / 1000
    return (e1 - e0) / elapsed, (f1 - f0) / elapsed


def bare_epochs_per_s(case: str, seconds: float) -> float:
    run = Run(ExperimentSpec.model_validate(CASES[case]), "cpu")
    steps_per_epoch = math.ceil(len(run.x_train) / run.spec.train.batch_size)
    loop = bare_loop(run)
    loop(steps_per_epoch)  # warm up
    start, steps = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        loop(steps_per_epoch)
        steps += steps_per_epoch
    return steps / steps_per_epoch / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        server = serve(port, data_dir)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1366, "height": 768})
                results = {}
                for case, path in PAGES.items():
                    # This machine's speed drifts: the bare loop runs just before and just
                    # after the page, and the ratio uses their mean.
                    before = bare_epochs_per_s(case, 3.0)
                    url = f"http://127.0.0.1:{port}{path}"
                    epochs, fps = measure_page(page, url, args.seconds)
                    bare = (before + bare_epochs_per_s(case, 3.0)) / 2
                    results[case] = (epochs, fps, bare)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    head = ("case", "epochs/s shown", "frames/s painted", "bare epochs/s", "ratio")
    print(f"{head[0]:<12} {head[1]:>15} {head[2]:>17} {head[3]:>14} {head[4]:>6}")
    for case, (epochs, fps, bare) in results.items():
        print(f"{case:<12} {epochs:>15.1f} {fps:>17.1f} {bare:>14.1f} {epochs / bare:>6.2f}")


if __name__ == "__main__":
    main()
