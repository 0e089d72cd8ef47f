"""'My runs' in the playground (docs/runs.md, "My runs and comparing"): the runs this
browser trained, listed with their figures; renamed with the keyboard, pinned, deleted
(asked twice), compared (curves on shared axes, the specs' difference in words) and opened
(the run continues from its checkpoint). Real Chromium, real mouse and keyboard, a real
server with its own SQLite database; the runs are trained over real websockets with the
browser's owner cookie, so they are the browser's."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from app.client import connect
from tests.servers import data_server

pytestmark = pytest.mark.slow

TIMEOUT = 30_000  # ms: a shared 2-core machine trains and paints at once
TOKEN = "m" * 32
OWNER = {"Cookie": f"nnp_owner={TOKEN}"}
SPEC: dict[str, Any] = {
    "seed": 1,
    "data": {"dataset": "xor", "n_samples": 200},
    "model": {"layers": [{"type": "dense", "units": 4, "activation": "tanh"}]},
    "train": {"optimizer": "adam", "lr": 0.03, "batch_size": 20, "max_epochs": 3},
}
# lr 0.1, no epoch budget: it is paused after two epochs, and Open continues it.
ENDLESS = SPEC | {"train": SPEC["train"] | {"lr": 0.1, "max_epochs": None}}
SHORT = SPEC | {"train": SPEC["train"] | {"max_epochs": 1}}
# A run deleted behind the page's back answers 404, which Chromium logs; the page says so.
EXPECTED_CONSOLE = ("status of 404",)


@pytest.fixture(scope="module")
def page_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """No resume grace: a closed socket's run is closed at once, so it can be reopened."""
    yield from data_server(
        tmp_path_factory, "my-runs", workers=1, ws_resume_grace_s=0, ws_runs_per_ip=1000
    )


async def train(url: str, spec: dict[str, Any]) -> None:
    """Trains `spec` as the browser's: to its end, or (no budget) past epoch 2, then paused."""
    async with await connect(url, additional_headers=OWNER) as client:
        await client.start(spec)
        if spec["train"]["max_epochs"] is not None:
            await client.wait_for(lambda e: e["type"] == "done", timeout=60)
            return
        await client.wait_for(
            lambda e: e["type"] == "metrics" and e["points"][-1]["epoch"] >= 2, 60.0
        )
        await client.pause()
        await client.wait_for(lambda e: e["type"] == "status" and e["state"] == "paused", 20)
        # Its checkpoints are written off the training loop: the socket stays open until
        # one past epoch 2 is recorded (closing it ends the record).
        await asyncio.to_thread(wait_for_checkpoint, url, spec["train"]["lr"])


def recorded(url: str) -> dict[str, dict[str, Any]]:
    runs = httpx.get(f"{url}/api/runs", headers=OWNER, timeout=10).json()["runs"]
    return {r["id"]: r for r in runs}


@pytest.fixture(scope="module")
def runs(page_server: str) -> dict[str, str]:
    """Three recorded runs of the browser's: "done" (lr 0.03, 3 epochs), "paused" (lr 0.1,
    paused past epoch 2, checkpointed), "short" (1 epoch). Trained on a thread of its own:
    Playwright's loop holds the main thread (tests/page/conftest.py)."""
    ids: dict[str, str] = {}
    with ThreadPoolExecutor(1) as pool:
        for name, spec in (("done", SPEC), ("paused", ENDLESS), ("short", SHORT)):
            before = set(recorded(page_server))
            pool.submit(asyncio.run, train(page_server, spec)).result()
            (ids[name],) = set(recorded(page_server)) - before
    return ids


def wait_for_checkpoint(url: str, lr: float) -> None:
    """Until the browser's run of this lr has a checkpoint past epoch 2."""
    deadline = time.monotonic() + 20
    while True:
        runs = [r for r in recorded(url).values() if r["spec_summary"]["lr"] == lr]
        if runs and (runs[0]["checkpoint"] or {}).get("epoch", 0) >= 2:
            return
        assert time.monotonic() < deadline, runs
        time.sleep(0.05)  # polling the record, with a deadline


def row(page: Page, run_id: str) -> Locator:
    return page.locator(f".run-row[data-run='{run_id}']")


def open_page(page: Page, url: str) -> None:
    page.context.add_cookies([{"name": "nnp_owner", "value": TOKEN, "url": url}])
    page.goto("/?dataset=xor")
    page.wait_for_function("window.nnp && window.nnp.framesPainted > 0", timeout=TIMEOUT)


def test_my_runs_lists_renames_pins_compares_and_deletes(
    runs: dict[str, str], page: Page, page_server: str
) -> None:
    open_page(page, page_server)
    done, paused = row(page, runs["done"]), row(page, runs["paused"])
    expect(done).to_contain_text("xor: dense 4 tanh", timeout=TIMEOUT)
    expect(done).to_contain_text("adam, lr 0.03")
    expect(done).to_contain_text("3 epochs")
    expect(done).to_contain_text(re.compile(r"best val loss \d\.\d{3} · accuracy \d+\.\d%"))
    expect(done).to_contain_text("done: trained the 3 epochs")
    expect(paused).to_contain_text("adam, lr 0.1")
    expect(paused).to_contain_text("paused")

    # Rename with the keyboard: the name is selected in its box; Enter keeps the new one.
    done.get_by_role("button", name="Rename").click()
    page.keyboard.type("slow lr")
    page.keyboard.press("Enter")
    expect(done.locator(".run-name")).to_have_text("slow lr")
    page.wait_for_function(
        "fetch('/api/runs').then(r => r.json()).then(a => a.runs.some(r => r.name === 'slow lr'))"
    )
    paused.get_by_role("button", name="Pin").click()
    expect(paused.get_by_role("button", name="Unpin")).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(done.locator(".run-name")).to_have_text("slow lr", timeout=TIMEOUT)
    expect(paused.get_by_role("button", name="Unpin")).to_be_visible()
    assert recorded(page_server)[runs["paused"]]["pinned"] is True

    # Compare two: a series each with points on shared axes, and the changed lr in words.
    done.get_by_role("checkbox").click()
    paused.get_by_role("checkbox").click()
    page.get_by_role("button", name="Compare 2").click()
    compared = page.locator("#compare-runs")
    expect(compared.locator(".spec-diff")).to_contain_text(re.compile(r"lr: 0\.1 → 0\.03"))
    expect(compared.locator(".spec-diff")).to_contain_text("max_epochs: none → 3")
    loss = compared.locator(".compare-chart").first
    expect(loss).to_have_attribute("data-series", "2")
    assert int(loss.get_attribute("data-points") or 0) >= 3
    expect(compared.locator(".compare-figures")).to_contain_text("slow lr")

    # A run deleted elsewhere: Pin says so in words, next to it.
    httpx.delete(f"{page_server}/api/runs/{runs['done']}", headers=OWNER, timeout=10)
    done.get_by_role("button", name="Pin").click()
    not_found = "no such run: it does not exist, or it is not yours"
    expect(done.locator(".run-error")).to_have_text(not_found)

    # Delete, asked twice; the safe answer has the keyboard.
    short = row(page, runs["short"])
    short.get_by_role("button", name="Delete").click()
    expect(short.get_by_role("button", name="Keep it")).to_be_focused()
    short.get_by_role("button", name="Delete it").click()
    expect(short).to_have_count(0)
    expect(done).to_have_count(0)  # the list was read anew
    assert runs["short"] not in recorded(page_server)


def test_open_continues_a_recorded_run_from_its_checkpoint(
    runs: dict[str, str], page: Page, page_server: str
) -> None:
    checkpoint = recorded(page_server)[runs["paused"]]["checkpoint"]
    assert checkpoint["epoch"] >= 2
    open_page(page, page_server)
    row(page, runs["paused"]).get_by_role("button", name="Open").click()
    # Its spec is the page's (lr 0.1), its counter the checkpoint's epoch, and Play goes on.
    expect(page.get_by_role("combobox", name="Learning rate")).to_have_value("0.1")
    expect(page).to_have_url(re.compile(r"lr=0\.1"))
    page.wait_for_function(f"window.nnp.epoch === {checkpoint['epoch']}", timeout=TIMEOUT)
    expect(row(page, runs["paused"]).locator(".run-error")).to_have_text("")
    # Its recorded curves are drawn before it trains again (the server does not resend them).
    loss_points = "Number(document.querySelector('#charts [data-points]').dataset.points)"
    page.wait_for_function(f"{loss_points} >= 2", timeout=TIMEOUT)
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(f"window.nnp.epoch > {checkpoint['epoch']}", timeout=TIMEOUT)
    after = httpx.get(f"{page_server}/api/runs/{runs['paused']}", headers=OWNER, timeout=10)
    assert after.json()["status"] in ("running", "paused")
    # Open in a second tab while this one trains it: refused, in words, next to Open.
    other = page.context.new_page()
    other.goto("/?dataset=xor")
    other.wait_for_function("window.nnp && window.nnp.framesPainted > 0", timeout=TIMEOUT)
    first = other.evaluate("window.nnp.status && window.nnp.status.run")
    row(other, runs["paused"]).get_by_role("button", name="Open").click()
    expect(row(other, runs["paused"]).locator(".run-error")).to_contain_text(
        "no recorded run of yours with that id has a checkpoint, or it is open", timeout=TIMEOUT
    )
    # ...and the tab trains the spec it now shows (lr 0.1) as a new run of its own.
    expect(other).to_have_url(re.compile(r"lr=0\.1"))
    other.wait_for_function(
        "([first]) => window.nnp.status.run !== first && window.nnp.status.step === 0",
        arg=[first],
        timeout=TIMEOUT,
    )


DIGITS: dict[str, Any] = {
    "seed": 1,
    "data": {"dataset": "digits", "n_samples": 300},
    "model": {"layers": [{"type": "dense", "units": 8, "activation": "relu"}]},
    "train": {"optimizer": "adam", "lr": 0.01, "batch_size": 32, "max_epochs": 3},
}
# How many different colours a canvas shows (1: blank, or one flat colour).
COLOURS = """canvas => {
  const {data} = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  const seen = new Set();
  for (let i = 0; i < data.length; i += 4) seen.add(data.slice(i, i + 4).join());
  return seen.size;
}"""


def test_each_row_shows_its_run_at_its_last_checkpoint(
    runs: dict[str, str], page: Page, page_server: str
) -> None:
    """A points run's row shows its boundary; an image run's, its loss per epoch."""
    before = set(recorded(page_server))
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, train(page_server, DIGITS)).result()
    (digits,) = set(recorded(page_server)) - before
    deadline = time.monotonic() + 20
    while recorded(page_server)[digits]["thumbnail"] is None:  # written off the loop
        assert time.monotonic() < deadline, recorded(page_server)[digits]
        time.sleep(0.05)  # polling the record, with a deadline
    open_page(page, page_server)
    page.get_by_role("button", name="Refresh").click()
    boundary = row(page, runs["paused"]).locator("canvas.run-thumb")
    curve = row(page, digits).locator("canvas.run-thumb")
    expect(boundary).to_have_attribute("aria-label", "its output over the plane", timeout=TIMEOUT)
    expect(curve).to_have_attribute("aria-label", "its loss per epoch")
    boundary.hover()  # the mouse reaches it: shown, not covered
    curve.hover()
    assert boundary.evaluate(COLOURS) > 8  # the plane split in shades, not a flat square
    assert curve.evaluate(COLOURS) > 2  # a line drawn over the clear background
