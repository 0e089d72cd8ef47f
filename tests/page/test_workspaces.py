"""Images, sequences, text and a user's CSV in the page, in a real headless Chromium against
a real server: a student builds, trains, draws, samples and uploads, and sees the views."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.page.browser import shoot
from tests.page.test_playground import TIMEOUT, open_page, play

LEARN_TIMEOUT = 90_000  # ms: a CNN or an LSTM trains for real on a shared 2-core machine


def wait_until(page: Page, condition: str, timeout: int = LEARN_TIMEOUT) -> None:
    page.wait_for_function(condition, timeout=timeout)


def pixels(page: Page, selector: str) -> str:
    return page.locator(selector).evaluate("(canvas) => canvas.toDataURL()")


def add_layer(page: Page, layer_type: str) -> None:
    page.get_by_role("combobox", name="Add a layer").select_option(layer_type)


def test_digits_cnn_shows_feature_maps_learns_and_reads_a_drawing(page: Page) -> None:
    open_page(page, "?dataset=digits&layers=")
    for layer_type in ["conv2d", "maxpool2d", "conv2d"]:
        add_layer(page, layer_type)
    expect(page.locator(".stack .card")).to_have_count(3)
    expect(page).to_have_url(re.compile(r"layers=conv2d:8:3:1:same:relu,maxpool2d:2,conv2d"))
    # every conv and pool layer gets its grid of maps, and the first its filters
    expect(page.locator(".map-grid.maps")).to_have_count(3, timeout=TIMEOUT)
    expect(page.locator(".map-grid.filters canvas")).to_have_count(8)
    first_map = ".map-grid.maps canvas >> nth=0"
    before = pixels(page, first_map)
    play(page)
    wait_until(page, "window.nnp.valScore > 0.9")
    assert pixels(page, first_map) != before, "the feature maps did not change while training"
    expect(page.locator(".confusion-table")).to_be_visible()

    # draw a "1": one vertical stroke, as a mouse would
    pad = page.get_by_role("img", name="Drawing pad: draw a digit")
    box = pad.bounding_box()
    assert box is not None
    maps_before = pixels(page, first_map)
    x = box["x"] + box["width"] * 0.5
    page.mouse.move(x, box["y"] + box["height"] * 0.15)
    page.mouse.down()
    for i in range(1, 11):
        page.mouse.move(x + i * 0.3, box["y"] + box["height"] * (0.15 + 0.07 * i))
    page.mouse.up()
    preview = page.get_by_role("img", name=re.compile("What the network gets from the drawing"))
    expect(preview).to_be_visible()
    expect(page.locator(".class-bars")).to_have_attribute(
        "aria-label", re.compile(r"Prediction: \w")
    )
    page.wait_for_function(
        f"document.querySelector('.map-grid.maps canvas').toDataURL() !== {maps_before!r}",
        timeout=TIMEOUT,
    )
    shoot(page, "digits-drawn")


def test_sine_lstm_prediction_tracks_the_truth(page: Page) -> None:
    open_page(page, "?dataset=sine")
    expect(page.locator(".stack .card")).to_have_count(1)
    expect(page.locator(".stack .card select").first).to_have_value("lstm")
    play(page)
    wait_until(page, "window.nnp.valLoss < 0.01")
    expect(page.locator("figure.series-chart").first).to_contain_text("Prediction vs truth")
    expect(page.get_by_role("img", name=re.compile("hidden state"))).to_be_visible()
    shoot(page, "sine-lstm")


def test_sampling_names_returns_text_from_the_alphabet(page: Page) -> None:
    open_page(page, "?dataset=names")
    play(page)
    wait_until(page, "window.nnp.epoch >= 1")
    page.get_by_label("Length (characters)").fill("40")
    page.get_by_role("button", name="Sample").click()
    wait_until(page, "window.nnp.generated.length > 0", TIMEOUT)
    text = page.evaluate("window.nnp.generated")
    assert len(text) == 40
    assert set(text) <= set(".abcdefghijklmnopqrstuvwxyz"), text
    expect(page.get_by_role("list", name="generated names").locator("li").first).to_be_visible()


def csv_rows(rows: int) -> bytes:
    """A CSV whose label is the sign of a + 2b: a small net learns it quickly."""
    lines = ["a,b,label"]
    for i in range(rows):
        a, b = ((i * 37) % 101 - 50) / 25, ((i * 53) % 89 - 44) / 22
        lines.append(f"{a:.3f},{b:.3f},{int(a + 2 * b > 0)}")
    return ("\n".join(lines) + "\n").encode()


def upload(page: Page, name: str, content: bytes) -> None:
    page.set_input_files(
        "#csv-file", files=[{"name": name, "mimeType": "text/csv", "buffer": content}]
    )


def test_an_uploaded_csv_trains(page: Page) -> None:
    open_page(page)
    page.get_by_role("combobox", name="Problem type").select_option("table")
    upload(page, "mine.csv", csv_rows(300))
    expect(page.locator(".csv-summary")).to_contain_text("300 rows, 3 columns, binary")
    expect(page).to_have_url(re.compile(r"dataset=csv&file=[0-9a-f]{16}\.csv&target=label"))
    expect(page.get_by_role("combobox", name="Target column")).to_have_value("label")
    expect(page.locator(".stack .card")).to_have_count(2)
    play(page)
    wait_until(page, "window.nnp.valScore > 0.9")
    expect(page.locator(".confusion-table")).to_be_visible()


BAD_FILES = {
    "names.csv": (b"name,age,label\n" + b"alice,3,1\n" * 20, "row 2, column 'name'"),
    "empty.csv": (b"", "the file is empty"),
    "big.csv": (
        b"a,b\n" + b"1,2\n" * (50 * 1024**2 // 4),
        "the file is 50 MB; the limit is 5.0 MB",
    ),
    "wide.csv": (
        (",".join(f"c{i}" for i in range(10_000)) + "\n").encode(),
        "the file has 10000 columns; at most 64",
    ),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_a_bad_csv_gets_its_own_message(page: Page, tmp_path: Path, name: str) -> None:
    content, message = BAD_FILES[name]
    path = tmp_path / name
    path.write_bytes(content)  # a path, not a buffer: Playwright refuses buffers of 50 MB
    open_page(page)
    page.get_by_role("combobox", name="Problem type").select_option("table")
    page.set_input_files("#csv-file", path)
    expect(page.locator("[data-error-for=file]")).to_contain_text(message)


EXAMPLES = Path(__file__).parents[2] / "examples"


def test_memory_the_lstm_remembers_where_the_rnn_stays_at_chance(page: Page) -> None:
    """The teacher's two example files, imported in turn: same data, seed and training, a
    plain RNN or an LSTM. The LSTM recalls the cued symbol; the RNN stays near chance (25%)."""
    scores = {}
    for name in ["memory-lstm", "memory-rnn"]:
        open_page(page)
        page.set_input_files("#import-file", EXAMPLES / "memory-lstm-vs-rnn" / f"{name}.json")
        expect(page).to_have_url(re.compile(r"dataset=memory"))
        expect(page.locator(".stack .card select").first).to_have_value(name.split("-")[1])
        expect(page.locator(".stack .card .info").first).to_contain_text("params")
        expect(page.get_by_role("combobox", name="Clip gradient norm")).to_have_value("1")
        expect(page.get_by_role("combobox", name="Stop after epochs")).to_have_value("30")
        play(page)
        wait_until(page, "window.nnp.done === 'max_epochs'")
        scores[name] = page.evaluate("window.nnp.valScore")
        expect(
            page.locator("figure.series-chart", has_text="Accuracy vs sequence length")
        ).to_be_visible()
        expect(
            page.locator("figure.series-chart", has_text="Gradient reaching each time step")
        ).to_be_visible()
        shoot(page, name)
    assert scores["memory-lstm"] >= 0.9, scores
    assert scores["memory-rnn"] <= 0.4, scores
