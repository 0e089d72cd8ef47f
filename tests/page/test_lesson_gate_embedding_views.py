"""The `lstm-gates` and `embeddings` lessons in a real Chromium against a real server: the
student answers, presses Play with the mouse, and the lesson's new view draws what the run
streams: the gate heatmaps of the LSTM and the GRU, the characters at their embedding points.
Each test stops watching once the view has changed with training (the runs go on)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.page.test_lessons import ARMS, answer_and_play
from tests.page.test_playground import TIMEOUT

pytestmark = pytest.mark.slow

# JavaScript: how many pixels of a canvas are painted (not blank, not white)
PAINTED = """(canvas) => {
  const d = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 250 || d[i + 1] < 250)) n++;
  return n;
}"""


def test_the_gates_lesson_draws_each_gate_as_it_trains(page: Page) -> None:
    answer_and_play(page, "lstm-gates")
    lstm = page.locator(f"{ARMS}[data-arm=lstm]")
    gru = page.locator(f"{ARMS}[data-arm=gru]")
    expect(lstm.locator(".look-here[data-view=gates]")).to_contain_text("look here")
    # the LSTM's three gates, the GRU's two, each a time × unit map (10 steps, 16 units)
    expect(lstm.locator(".gate-map h5")).to_have_text(
        ["input gate", "forget gate", "output gate"], timeout=TIMEOUT
    )
    expect(gru.locator(".gate-map h5")).to_have_text(["reset gate", "update gate"], timeout=TIMEOUT)
    canvas = lstm.locator(".gate-map[data-gate=input] canvas")
    expect(canvas).to_have_attribute("width", "10")
    expect(canvas).to_have_attribute("height", "16")
    assert canvas.evaluate(PAINTED) > 0
    # the readout is real data: it moves as the weights train
    mean = lstm.locator(".gate-map[data-gate=input] .gate-mean")
    expect(mean).to_contain_text("at step 0")
    first = mean.text_content()
    expect(mean).not_to_have_text(first or "", timeout=TIMEOUT)


def test_the_embeddings_lesson_plots_each_character(page: Page) -> None:
    answer_and_play(page, "embeddings")
    trained = page.locator(f"{ARMS}[data-arm=trained]")
    expect(trained.locator(".look-here[data-view=embedding]")).to_contain_text("look here")
    score = trained.locator(".embedding-separation")
    expect(score).to_have_text(re.compile(r"^\d+\.\d\d$"), timeout=TIMEOUT)
    assert trained.locator("canvas.embedding-plot").evaluate(PAINTED) > 50  # 27 characters
    first = score.text_content()
    expect(score).not_to_have_text(first or "", timeout=TIMEOUT)
