"""The page does what it says about its run: a run that ends (diverged, failed, done) reads
so and Play starts again; Play trains only the network on screen; a reload resumes the run.
Real Chromium, real mouse and keyboard, a real server."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

TIMEOUT = 30_000  # ms: a shared 2-core machine trains and paints at once

DIVERGES = "/?dataset=plane&lr=10&layers=dense:8:relu,dense:8:relu"


def open_page(page: Page, query: str = "/") -> None:
    page.goto(query)
    page.wait_for_function("window.nnp && window.nnp.framesPainted > 0", timeout=TIMEOUT)


def play(page: Page) -> None:
    page.get_by_role("button", name="Play").click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()


def test_a_diverged_run_reads_diverged_and_play_trains_again(page: Page) -> None:
    open_page(page, DIVERGES)
    # It diverges within a few steps: Pause may be gone again before it could be seen.
    page.get_by_role("button", name="Play").click()
    # The reason in words (the loss exploded, or became infinite or NaN), never a number.
    done = re.compile(r"(exploded|infinite or NaN).* at step \d+; try a smaller learning rate")
    expect(page.locator("#done")).to_have_text(done, timeout=TIMEOUT)
    expect(page.locator("#train-loss")).to_have_text("diverged")
    expect(page.locator("#val-loss")).to_have_text("diverged")
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    # A smaller learning rate, picked with the real mouse and keyboard, and Play again.
    lr = page.get_by_role("combobox", name="Learning rate")
    lr.focus()
    page.keyboard.press("Home")  # the smallest rate: far from diverging
    expect(page).to_have_url(re.compile(r"lr=0\.00001"))
    play(page)
    page.wait_for_function("window.nnp.epoch > 3", timeout=TIMEOUT)
    expect(page.locator("#done")).to_have_text("")
    page.wait_for_function(
        "Number.isFinite(Number(document.getElementById('train-loss').textContent))",
        timeout=TIMEOUT,
    )


TOO_BIG = "/?layers=" + ",".join(["dense:1024:relu"] * 6)  # 5.25 M parameters: over the limit


def test_play_never_trains_a_hidden_older_network(page: Page) -> None:
    open_page(page)
    play(page)
    page.wait_for_function("window.nnp.epoch > 3", timeout=TIMEOUT)
    page.goto(TOO_BIG)  # the same tab: its session, and the run training in it, go on
    expect(page.locator("[data-error-for=layers]")).to_contain_text("the limit is 5,000,000")
    expect(page.locator(".card")).to_have_count(6)  # the new network is the one shown
    play_button = page.get_by_role("button", name="Play")
    expect(play_button).to_be_disabled()
    expect(page.locator(".play-blocked")).to_contain_text("Cannot train: fix the network")
    assert "Cannot train" in (play_button.get_attribute("title") or "")
    box = play_button.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(1500)  # a window for a wrongly started training to show
    assert page.evaluate("[window.nnp.step, window.nnp.epoch]") == [0, 0]
    expect(page.locator("#train-loss")).to_have_text("–")
    expect(page.locator(".epoch")).to_have_text("000,000")
    # Two layers fewer, with the mouse: the network fits, and Play trains it.
    page.get_by_role("button", name="Remove the last hidden layer").click()
    page.get_by_role("button", name="Remove the last hidden layer").click()
    expect(page.locator("#param-count")).to_have_text("3,152,897 parameters", timeout=TIMEOUT)
    expect(page.locator(".play-blocked")).to_have_text("")
    play(page)
    page.wait_for_function("window.nnp.step > 0", timeout=TIMEOUT)
    expect(page.locator("#train-loss")).not_to_have_text("–", timeout=TIMEOUT)


class Heard:
    """The JSON events a page receives on its websockets, in order."""

    def __init__(self, page: Page) -> None:
        self.events: list[dict] = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._receive))

    def _receive(self, payload: str | bytes) -> None:
        if isinstance(payload, str):
            self.events.append(json.loads(payload))

    def last(self, kind: str) -> dict:
        return [e for e in self.events if e["type"] == kind][-1]


def train_past(page: Page, steps: int) -> int:
    play(page)
    page.wait_for_function(f"window.nnp.step > {steps}", timeout=TIMEOUT)
    return int(page.evaluate("window.nnp.step"))


def test_a_reload_resumes_the_run_where_it_was(page: Page) -> None:
    heard = Heard(page)
    open_page(page)
    lr = page.get_by_role("combobox", name="Learning rate")
    lr.focus()
    page.keyboard.press("ArrowDown")  # 0.03 -> 0.1, live: the same run
    expect(page).to_have_url(re.compile(r"lr=0\.1"))
    reached = train_past(page, 100)
    run = heard.last("status")["run"]
    page.reload()
    page.wait_for_function("window.nnp && window.nnp.framesPainted > 0", timeout=TIMEOUT)
    hello = heard.last("hello")
    assert hello["resumed"] is True and hello["run"] == run
    # the counter goes on from where it was (never back near 0), the run still plays
    page.wait_for_function(f"window.nnp.step > {reached}", timeout=TIMEOUT)
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    expect(page.get_by_role("combobox", name="Learning rate")).to_have_value("0.1")
    assert all(e.get("run") in (None, run) for e in heard.events if e["type"] == "status")
    assert not any(e["type"] == "error" for e in heard.events)


def test_a_closed_tab_reopened_within_the_grace_resumes_its_run(page: Page) -> None:
    heard = Heard(page)
    open_page(page, "/?dataset=xor")
    reached = train_past(page, 50)
    run = heard.last("status")["run"]
    url = page.url
    # a second tab open beside it never takes its run
    beside = page.context.new_page()
    beside_heard = Heard(beside)
    open_page(beside, url)
    assert beside_heard.last("hello")["resumed"] is False
    beside.close()
    page.close(run_before_unload=True)
    reopened = page.context.new_page()
    reopened_heard = Heard(reopened)
    open_page(reopened, url)
    hello = reopened_heard.last("hello")
    assert hello["resumed"] is True and hello["run"] == run
    reopened.wait_for_function(f"window.nnp.step > {reached}", timeout=TIMEOUT)


@pytest.mark.parametrize(
    ("query", "words", "trains"),
    [
        ("layers=dense:4:re", "layer 1: 're' is not an activation; using tanh", "dense:4:tanh"),
        ("layers=dense:8:relu,dense:4:relu,", "layer 3 is empty (a stray comma?)", None),
        (
            "layers=" + ",".join(["dense:2:relu"] * 50),
            "50 layers asked; at most 32 — the rest were dropped",
            None,
        ),
        ("dataset=nonsense", "'nonsense' is not a dataset; using circle", None),
    ],
)
def test_a_mistyped_link_names_its_bad_parts_and_trains_what_it_shows(
    page: Page, query: str, words: str, trains: str | None
) -> None:
    open_page(page, f"/?{query}")
    expect(page.locator("#link-problems")).to_contain_text(words)
    expect(page.locator("[data-error-for=status]")).to_have_text("")
    expect(page.locator(".play-blocked")).to_have_text("")
    if trains:
        expect(page).to_have_url(re.compile(f"layers={trains}"))
    play(page)
    page.wait_for_function("window.nnp.step > 0", timeout=TIMEOUT)
    expect(page.locator("#train-loss")).not_to_have_text("–", timeout=TIMEOUT)


def test_unticking_every_feature_says_so_next_to_the_features(page: Page) -> None:
    open_page(page)
    for name in ("X₁", "X₂"):
        page.locator(".feature-toggle", has_text=name).first.click()
    slot = page.locator(".column.features [data-error-for=features]")
    expect(slot).to_have_text("keep at least one input feature")
    expect(slot).to_be_visible()
    expect(page.locator("[data-error-for=status]")).to_have_text("")
    expect(page.locator(".play-blocked")).to_contain_text("keep at least one input feature")
    page.locator(".feature-toggle", has_text="X₁").first.click()  # one back: it trains again
    expect(slot).to_have_text("")
    play(page)
    page.wait_for_function("window.nnp.step > 0", timeout=TIMEOUT)


def test_back_from_the_gan_page_the_playground_starts_its_own_run(page: Page) -> None:
    """The GAN page shares the tab's session and replaces its run with a GAN: coming back,
    the playground must not take the GAN's run for its own."""
    heard = Heard(page)
    open_page(page)
    page.goto("/gan")
    page.wait_for_function("window.nnp && window.nnp.framesPainted > 0", timeout=TIMEOUT)
    gan_run = heard.last("status")["run"]
    page.go_back()
    page.wait_for_function("window.nnp && window.nnp.framesPainted > 0", timeout=TIMEOUT)
    hello = heard.last("hello")
    assert hello["resumed"] is True and hello["run"] == gan_run
    page.wait_for_function("window.nnp.framesPainted > 0 && window.nnp.step === 0", timeout=TIMEOUT)
    assert heard.last("status")["run"] != gan_run
    expect(page.locator(".card")).to_have_count(2)


def test_play_after_the_epoch_budget_trains_the_network_again(page: Page) -> None:
    open_page(page, "/?max_epochs=3&speed=100")  # about a second an epoch: each run seen
    page.get_by_role("button", name="Play").click()
    expect(page.locator("#done")).to_contain_text("trained the 3 epochs", timeout=TIMEOUT)
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    page.wait_for_function("window.nnp.epoch === 3", timeout=TIMEOUT)
    page.get_by_role("button", name="Play").click()  # a new run of the same network
    page.wait_for_function("window.nnp.done === '' && window.nnp.epoch < 3", timeout=TIMEOUT)
    page.wait_for_function("window.nnp.done === 'max_epochs'", timeout=TIMEOUT)
    expect(page.locator(".epoch")).to_have_text("000,003")
