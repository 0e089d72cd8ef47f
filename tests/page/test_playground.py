"""The playground page in a real headless Chromium against a real server: what a student
does (pick data, build, train, retune, share, import) and what they must see."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.page.browser import shoot

TIMEOUT = 30_000  # ms: generous, a shared 2-core machine trains and paints at once


def open_page(page: Page, query: str = "") -> None:
    page.goto(f"/{query}")
    page.wait_for_function("window.nnp && window.nnp.framesPainted > 0", timeout=TIMEOUT)


def epoch(page: Page) -> int:
    return int(page.locator(".epoch").inner_text().replace(",", ""))


def loss(page: Page) -> float:
    return float(page.locator("#train-loss").inner_text())


def boundary_pixels(page: Page) -> str:
    return page.evaluate("document.getElementById('boundary-map').toDataURL()")


def play(page: Page) -> None:
    page.get_by_role("button", name="Play").click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()


def pause(page: Page) -> None:
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    page.wait_for_function("document.querySelector('.rate').textContent === 'paused'")


def test_spiral_with_a_layer_more_learns_and_pause_stops_it(page: Page) -> None:
    open_page(page)
    page.get_by_role("button", name="dataset spiral").click()
    page.get_by_role("button", name="Add a hidden layer").click()
    expect(page.locator(".card")).to_have_count(3)
    for _ in range(2):
        page.get_by_role("button", name="One neuron more in layer 1").click()
    expect(page.locator(".card").first).to_contain_text("6 neurons")
    page.get_by_role("combobox", name="Optimizer").select_option("adam")
    expect(page).to_have_url(
        re.compile(r"dataset=spiral.*layers=dense:6:tanh,dense:2:tanh,dense:4:tanh")
    )
    # the new network is running (validated, then its first frame painted)
    expect(page.locator("#param-count")).to_have_text("49 parameters")
    page.wait_for_function("document.getElementById('train-loss').textContent !== '–'")
    first_loss, first_map = loss(page), boundary_pixels(page)

    play(page)
    page.wait_for_function(
        f"Number(document.getElementById('train-loss').textContent) < {first_loss * 0.9}",
        timeout=TIMEOUT,
    )
    shoot(page, "spiral-training")
    for chart in page.locator("figure.chart").all():  # loss, accuracy, gradient flow
        expect(chart).to_have_attribute("data-points", re.compile(r"^[1-9]"))
    assert boundary_pixels(page) != first_map
    assert page.locator(".column[data-layer=dense0] .node").count() == 6

    pause(page)
    stopped = epoch(page)
    page.wait_for_timeout(700)
    assert epoch(page) == stopped


def test_learning_rate_changes_live_without_a_new_run(page: Page) -> None:
    open_page(page)
    play(page)
    page.wait_for_function("window.nnp.epoch > 5", timeout=TIMEOUT)
    page.get_by_role("combobox", name="Learning rate").select_option("0.3")
    page.wait_for_function("window.nnp.lr === 0.3", timeout=TIMEOUT)
    reached = epoch(page)
    page.wait_for_function(f"window.nnp.epoch > {reached}", timeout=TIMEOUT)
    assert epoch(page) >= reached, "the epoch counter went back: the run was restarted"
    expect(page).to_have_url(re.compile(r"lr=0\.3"))


def download_spec(page: Page) -> dict:
    with page.expect_download() as download:
        page.get_by_role("button", name="Download spec (JSON)").click()
    return json.loads(Path(download.value.path()).read_text())


def test_the_url_opens_the_same_experiment(page: Page) -> None:
    open_page(page, "?seed=7")
    page.get_by_role("button", name="dataset xor").click()
    page.get_by_role("slider", name="Noise").fill("0.3")
    page.get_by_role("slider", name="Noise").dispatch_event("change")
    page.get_by_role("button", name="sin(X₁)").click()
    page.get_by_role("combobox", name="Layer 2").select_option("dropout")
    page.get_by_role("combobox", name="Regularization", exact=True).select_option("l2")
    page.get_by_role("combobox", name="Regularization rate").select_option("0.003")
    expect(page).to_have_url(re.compile(r"reg_rate=0\.003"))
    spec = download_spec(page)

    other = page.context.new_page()
    other.goto(page.url)
    other.wait_for_function("window.nnp && window.nnp.framesPainted > 0", timeout=TIMEOUT)
    assert download_spec(other) == spec
    assert spec["seed"] == 7 and spec["data"]["dataset"] == "xor"
    assert spec["data"]["features"] == ["x1", "x2", "sin(x1)"]
    assert spec["model"]["layers"][1] == {"type": "dropout", "p": 0.2}
    assert spec["train"]["weight_decay"] == 0.003
    expect(other.get_by_role("button", name="dataset xor")).to_have_attribute(
        "aria-pressed", "true"
    )
    # the same data: once both tabs have drawn their final points, the same pixels
    # (the first tab may still show an earlier dataset's points for a moment)
    deadline = time.monotonic() + TIMEOUT / 1000
    while page.evaluate(POINTS) != other.evaluate(POINTS):
        assert time.monotonic() < deadline, "the two tabs draw different points"
        page.wait_for_timeout(100)


POINTS = "document.getElementById('boundary-points').toDataURL()"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ('{"train": {"lr": 50}}', "train.lr: learning rate must be at most 10"),
        (
            '{"model": {"layers": [{"type": "dense", "units": 0}]}}',
            "model.layers.0.units: units must be at least 1",
        ),
        ('{"data": {"dataset": "nope"}}', "data.dataset"),
    ],
)
def test_importing_a_bad_spec_says_what_is_wrong(page: Page, content: str, message: str) -> None:
    open_page(page)
    page.set_input_files(
        "#import-file",
        files=[{"name": "x.json", "mimeType": "application/json", "buffer": content.encode()}],
    )
    expect(page.locator("[data-error-for=import]")).to_contain_text(message)


def test_importing_a_good_spec_rebuilds_the_page(page: Page) -> None:
    open_page(page)
    spec = {
        "seed": 3,
        "data": {"dataset": "moons", "noise": 0.2},
        "model": {"layers": [{"type": "dense", "units": 5, "activation": "relu"}]},
        "train": {"optimizer": "adam", "lr": 0.01},
    }
    page.set_input_files(
        "#import-file",
        files=[
            {"name": "m.json", "mimeType": "application/json", "buffer": json.dumps(spec).encode()}
        ],
    )
    expect(page.locator(".card")).to_have_count(1)
    expect(page.locator(".card").first).to_contain_text("5 neurons")
    expect(page.get_by_role("combobox", name="Optimizer")).to_have_value("adam")
    expect(page.get_by_role("combobox", name="Learning rate")).to_have_value("0.01")
    expect(page).to_have_url(re.compile(r"dataset=moons"))


def test_server_errors_show_next_to_the_control(page: Page) -> None:
    page.goto("/?layers=" + ",".join(["dense:1024:relu"] * 6))  # 5.25 M parameters: too many
    expect(page.locator("[data-error-for=layers]")).to_contain_text("the limit is 5,000,000")


def test_a_classroom_link_hides_the_chosen_controls(page: Page) -> None:
    open_page(page, "?hide=lr,dataset,layers")
    expect(page.get_by_role("combobox", name="Learning rate")).to_be_hidden()
    expect(page.get_by_role("button", name="dataset spiral")).to_be_hidden()
    expect(page.get_by_role("button", name="Add a hidden layer")).to_be_hidden()
    expect(page.get_by_role("combobox", name="Regularization", exact=True)).to_be_visible()
    page.get_by_label("learning rate", exact=True).check()  # the teacher's panel builds links
    expect(page.locator("#classroom-link")).to_have_value(re.compile(r"hide=lr"))


def test_multiclass_data_draws_each_class_in_its_colour(page: Page) -> None:
    open_page(page, "?dataset=gaussian&n_classes=3&optimizer=adam")
    play(page)
    page.wait_for_function("window.nnp.epoch > 20", timeout=TIMEOUT)
    greens = page.evaluate(
        """(() => { const c = document.getElementById('boundary-map');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 1] > d[i] + 40 && d[i + 1] > d[i + 2]) n++;
        return n; })()"""
    )
    assert greens > 500, "no region of the third class (green) on the map"


def panels_overlap(page: Page) -> list[str]:
    return page.evaluate(
        """(() => { const boxes = [...document.querySelectorAll('.panel, header.top')]
          .map((e) => [e.querySelector('h2')?.textContent || e.className,
                       e.getBoundingClientRect()]);
        const out = [];
        const meet = (r, s) => r.left < s.right - 1 && s.left < r.right - 1
                            && r.top < s.bottom - 1 && s.top < r.bottom - 1;
        for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
          const [a, r] = boxes[i], [b, s] = boxes[j];
          if (meet(r, s)) out.push(a + ' / ' + b);
        }
        return out; })()"""
    )


@pytest.mark.parametrize("query", ["", "?dataset=mnist", "?dataset=names"])
@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)])
def test_laptop_and_phone_layouts_do_not_overlap(
    page: Page, width: int, height: int, query: str
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    open_page(page, query)
    assert panels_overlap(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shoot(page, f"layout-{width}x{height}{query.replace('?dataset=', '-')}")


def test_presentation_mode_enlarges_the_type(page: Page) -> None:
    open_page(page)
    normal = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.get_by_label("Presentation mode (large type)").check()
    expect(page).to_have_url(re.compile(r"present=1"))
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") > normal * 1.2
    assert panels_overlap(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366


def test_a_lost_connection_reconnects_and_says_so(page: Page) -> None:
    sockets = []

    def proxy(ws) -> None:  # type: ignore[no-untyped-def]
        sockets.append(ws)
        ws.connect_to_server()

    page.route_web_socket(re.compile(r"/ws"), proxy)
    open_page(page)
    play(page)
    page.wait_for_function("window.nnp.epoch > 3", timeout=TIMEOUT)
    sockets[-1].close(code=1006 if False else 4999, reason="test")
    expect(page.locator("#connection")).to_contain_text("reconnect", timeout=TIMEOUT)
    expect(page.locator("#connection")).to_have_text("reconnected", timeout=TIMEOUT)
    reached = epoch(page)
    page.wait_for_function(f"window.nnp.epoch > {reached}", timeout=TIMEOUT)


def test_early_stopping_is_marked_on_the_curves(page: Page) -> None:
    # Noisy moons, a wide net and Adam: the validation loss soon turns up.
    open_page(
        page,
        "?dataset=moons&noise=0.5&layers=dense:64:relu,dense:64:relu&optimizer=adam&lr=0.03&patience=5",
    )
    play(page)
    expect(page.locator("#done")).to_contain_text("no val-loss improvement", timeout=TIMEOUT)
    marker = page.locator("figure.chart").first.get_attribute("data-marker")
    assert marker and int(marker) >= 1
    expect(page.get_by_role("button", name="Play")).to_be_visible()


def test_reset_starts_the_counter_and_curves_again(page: Page) -> None:
    open_page(page)
    play(page)
    page.wait_for_function("window.nnp.epoch > 30", timeout=TIMEOUT)
    pause(page)
    page.get_by_role("button", name="Reset").click()
    page.wait_for_function("window.nnp.step === 0 && window.nnp.epoch === 0", timeout=TIMEOUT)
    expect(page.locator(".rate")).to_have_text("ready")
    assert epoch(page) == 0
    expect(page.locator("figure.chart").first).to_have_attribute("data-points", "0")
    play(page)
    page.wait_for_function("window.nnp.epoch > 3", timeout=TIMEOUT)
