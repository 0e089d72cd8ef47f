"""A hosted run's frames, driven in-process with a clock the test sets: slow views at most
`slow_view_hz`, a view the run cannot show dropped alone, frames spaced by their cost, a
viewer's input used (and a bad one refused), capped and sliced feature maps, generated text."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.protocol import CLIENT_MESSAGE, decode_frame
from app.settings import Settings
from app.spec import ExperimentSpec
from app.worker import frames
from app.worker.frames import FRAME_COST_FACTOR, FrameSchedule
from app.worker.hosted import HostedRun

MEMORY = {
    "seed": 1,
    "data": {"dataset": "memory", "n_samples": 300, "seq_len": 10},
    "model": {"layers": [{"type": "lstm", "hidden": 8}]},
    "train": {"batch_size": 16},
}
DIGITS = {
    "seed": 1,
    "data": {"dataset": "digits", "n_samples": 300},
    "model": {"layers": [{"type": "conv2d", "filters": 20}, {"type": "maxpool2d"}]},
    "train": {"batch_size": 16},
}
NAMES = {
    "seed": 1,
    "data": {"dataset": "names", "n_samples": 500, "seq_len": 6},
    "model": {"layers": [{"type": "embedding", "dim": 8}, {"type": "gru", "hidden": 8}]},
}


class Hosted:
    """A HostedRun with its events collected and its frames decoded."""

    def __init__(self, spec: dict[str, Any], tmp_path: Path, **settings: Any) -> None:
        self.events: list[dict[str, Any]] = []
        config = Settings(data_dir=tmp_path, **settings)
        full = ExperimentSpec.model_validate(spec).model_dump()
        hosted = HostedRun.open("r1", full, config, self.events.append)
        assert hosted is not None, self.events
        self.run = hosted

    def send(self, message: dict[str, Any]) -> None:
        """As the web process forwards it: validated, then dumped with every field."""
        self.run.handle(CLIENT_MESSAGE.validate_python(message).model_dump())

    def take(self, kind: str) -> list[dict[str, Any]]:
        found = [e for e in self.events if e["type"] == kind]
        self.events[:] = [e for e in self.events if e["type"] != kind]  # the run appends here
        return found

    def frames(self) -> list[tuple[dict[str, Any], dict[str, np.ndarray]]]:
        return [decode_frame(e["data"]) for e in self.take("frame")]


def test_slow_views_come_at_most_slow_view_hz(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(frames, "FRAME_COST_FACTOR", 0.0)  # the viewer's fps alone
    h = Hosted(MEMORY, tmp_path, slow_view_hz=2.0)
    h.send({"type": "view", "views": ["weights", "confusion", "time_grads"], "fps": 20})
    slow_at, fast_only = [], 0
    for tick in range(60):  # three seconds at the viewer's 20 fps
        now = 1000.0 + tick * 0.05
        h.run.run.step(1)
        h.run.report(now)
        for _header, arrays in h.frames():
            assert any(name.startswith("weights/") for name in arrays)  # in every frame
            if "confusion" in arrays:
                assert "time_grads" in arrays  # the slow views come together
                slow_at.append(now)
            else:
                assert "time_grads" not in arrays
                fast_only += 1
    assert slow_at[0] == 1000.0  # a new view gets them at once
    gaps = np.diff(slow_at)
    assert len(slow_at) == 6 and (gaps >= 0.5 - 1e-9).all(), slow_at
    assert fast_only == 60 - 6


def test_slow_views_come_while_paused_once_per_change(tmp_path: Path) -> None:
    h = Hosted(MEMORY, tmp_path)
    h.send({"type": "view", "views": ["confusion"], "fps": 20})
    for tick in range(20):
        h.run.report(2000.0 + tick * 0.1)
    assert len(h.frames()) == 1  # nothing changed after the first: nothing more to send
    h.send({"type": "edit_weight", "param": "output.linear.bias", "index": [0], "value": 3.0})
    h.run.report(2010.0)
    (frame,) = h.frames()
    assert "confusion" in frame[1]


def test_a_view_the_run_cannot_show_is_dropped_alone(tmp_path: Path) -> None:
    h = Hosted(MEMORY, tmp_path)
    h.send({"type": "view", "views": ["weights", "feature_maps", "misclassified", "example"]})
    for tick in range(5):
        h.run.run.step(1)
        h.run.report(3000.0 + tick)
    errors = h.take("error")
    assert [(e["field"], e["view"]) for e in errors] == [
        ("views", "feature_maps"),
        ("views", "misclassified"),
    ]  # once each, not per frame
    assert errors[0]["message"].startswith("feature_maps: this model has no convolution")
    frames = h.frames()
    assert len(frames) == 5
    for _header, arrays in frames:
        assert "example/input" in arrays and "weights/output.linear.bias" in arrays
    assert h.run.frames.view is not None and h.run.frames.view["views"] == ["weights", "example"]


def test_frames_are_spaced_by_their_cost(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    h = Hosted(MEMORY, tmp_path)
    h.send({"type": "view", "views": ["weights"], "fps": 50})
    h.run.report(4000.0)
    assert 4000.0 + 1 / 50 <= h.run.frames.next_frame_at < 4000.1  # cheap: about the viewer's fps
    observe = h.run.frames._observe

    def slow_observe(name: str, view: dict[str, Any], memo: dict[str, Any]) -> Any:
        time.sleep(0.05)
        return observe(name, view, memo)

    monkeypatch.setattr(h.run.frames, "_observe", slow_observe)
    h.run.run.step(1)
    h.run.report(4001.0)
    assert h.run.frames.next_frame_at >= 4001.0 + FRAME_COST_FACTOR * 0.05  # not at 50 fps


def test_a_given_input_is_used_and_a_bad_one_keeps_the_view(tmp_path: Path) -> None:
    h = Hosted(DIGITS, tmp_path)
    drawn = np.eye(8, dtype=np.float32)
    views = ["example", "probabilities", "feature_maps"]
    h.send({"type": "view", "views": views, "input": drawn.tolist()})
    h.run.report(5000.0)  # paused, never trained: the new view is answered at once
    (header, arrays), *_ = h.frames()
    np.testing.assert_allclose(arrays["example/input"][0], drawn, atol=1 / 510 + 1e-6)
    assert header["values"]["example/label"] is None
    h.send({"type": "view", "views": ["weights"], "input": np.eye(7).tolist()})
    (error,) = h.take("error")
    assert error["field"] == "input" and "8x8" in error["message"]
    assert (
        h.run.frames.view is not None and h.run.frames.view["views"] == views
    )  # the previous view stays
    h.send({"type": "view", "views": ["weights"], "input": "a text"})
    assert h.take("error")[0]["field"] == "input"


def test_feature_maps_are_capped_sliced_and_counted(tmp_path: Path) -> None:
    h = Hosted(DIGITS, tmp_path, frame_max_map_size=4)  # 20 filters, 8x8 maps
    h.send({"type": "view", "views": ["feature_maps", "filters", "misclassified", "example"]})
    h.run.report(6000.0)
    ((header, arrays),) = h.frames()
    entries = {a["name"]: a for a in header["arrays"]}
    conv = entries["feature_maps/conv2d0"]
    assert conv["shape"] == [16, 4, 4]  # frame_max_maps 16, pooled to 4x4
    assert isinstance(conv["min"], list) and len(conv["min"]) == 16
    assert header["values"]["feature_maps_channels/conv2d0"] == 20
    assert header["values"]["feature_maps_channels/maxpool2d1"] == 20
    assert len(entries["filters"]["min"]) == 20  # one range per filter
    images = entries["misclassified/images"]
    assert images["dtype"] == "uint8" and len(images["min"]) == images["shape"][0] <= 24
    values = header["values"]
    assert len(values["misclassified/index"]) == images["shape"][0]
    assert values["misclassified/count"] >= images["shape"][0]
    assert entries["example/input"]["dtype"] == "uint8"  # an image: a map
    assert isinstance(entries["example/input"]["min"], float)  # one range for the image
    assert values["example/label"] == int(h.run.run.y_val[0])


def test_a_sequence_example_travels_exact(tmp_path: Path) -> None:
    h = Hosted(MEMORY, tmp_path)
    h.send({"type": "view", "views": ["example", "probabilities", "accuracy_by_length"]})
    h.run.report(7000.0)
    ((header, arrays),) = h.frames()
    entries = {a["name"]: a for a in header["arrays"]}
    assert entries["example/input"]["dtype"] == "float16"
    np.testing.assert_array_equal(arrays["example/input"], h.run.run.x_val[0].numpy())
    assert entries["probabilities"]["shape"] == [4]
    assert header["values"]["accuracy_by_length/lengths"][-1] == 10


def test_generate_answers_with_text_or_says_why_not(tmp_path: Path) -> None:
    h = Hosted(NAMES, tmp_path)
    h.send({"type": "generate", "id": 9, "prefix": "an", "length": 30, "temperature": 0.8})
    (generated,) = h.take("generated")
    assert (generated["run"], generated["id"], len(generated["text"])) == ("r1", 9, 30)
    m = Hosted(MEMORY, tmp_path)
    m.send({"type": "generate", "id": 1, "length": 5})
    (error,) = m.take("error")
    assert error["field"] == "generate" and "text data" in error["message"]


def test_a_view_that_proves_expensive_becomes_slow(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`metrics` is not slow by name; once it costs more than SLOW_VIEW_COST_S (here: made
    to, 0.1 s as on a big dataset) it comes only with the slow views, paced by its own cost,
    and the cheap views go on at the viewer's fps."""
    observe = FrameSchedule._observe

    def metrics_on_a_big_dataset(self: FrameSchedule, name: str, *args: Any) -> Any:
        if name == "metrics":
            time.sleep(0.1)
        return observe(self, name, *args)

    monkeypatch.setattr(FrameSchedule, "_observe", metrics_on_a_big_dataset)
    h = Hosted(DIGITS, tmp_path, slow_view_hz=2.0)
    h.send({"type": "view", "views": ["metrics", "feature_maps"], "fps": 20})
    frames = with_metrics = 0
    for tick in range(40):  # two seconds of the test's clock at 20 fps
        h.run.run.step(1)
        h.run.report(1000.0 + tick * 0.05)
        for header, arrays in h.frames():
            frames += 1
            with_metrics += "metrics/train_loss" in header["values"]
            assert "feature_maps/conv2d0" in arrays
    # the first frame measures metrics (and waits 3x its cost), then only the maps' cost counts
    assert frames >= 30
    # then every max(1 / slow_view_hz, SLOW_COST_FACTOR x 0.1 s) = 0.6 s
    assert 2 <= with_metrics <= 4


def test_a_new_drawing_does_not_recompute_the_slow_views(tmp_path: Path) -> None:
    h = Hosted(DIGITS, tmp_path, slow_view_hz=2.0)
    h.send({"type": "view", "views": ["confusion", "feature_maps"], "fps": 20})
    h.run.report(1000.0)
    assert "confusion" in h.frames()[0][1]
    h.send(
        {
            "type": "view",
            "views": ["confusion", "feature_maps"],
            "fps": 20,
            "input": [[0.5] * 8] * 8,
        }
    )
    h.run.report(1000.01)
    ((_header, arrays),) = h.frames()
    assert "confusion" not in arrays and "feature_maps/conv2d0" in arrays


def test_per_example_views_follow_a_new_drawing_even_when_slow(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Under load `example` once took over SLOW_VIEW_COST_S and became slow, so a paused
    drawing pad's "what the network sees" kept showing val sample 0 while the probability
    bars followed the drawing. Per-example views come with every new input."""
    observe = FrameSchedule._observe

    def example_under_load(self: FrameSchedule, name: str, *args: Any) -> Any:
        if name in ("example", "feature_maps"):
            time.sleep(frames.SLOW_VIEW_COST_S * 2)
        return observe(self, name, *args)

    monkeypatch.setattr(FrameSchedule, "_observe", example_under_load)
    h = Hosted(DIGITS, tmp_path, slow_view_hz=0.1)
    views = ["example", "probabilities", "feature_maps", "confusion"]
    h.send({"type": "view", "views": views, "fps": 20})
    h.run.report(1000.0)
    ((header, arrays),) = h.frames()
    assert header["values"]["example/label"] == int(h.run.run.y_val[0])
    for tick, value in enumerate([0.25, 0.5, 1.0]):
        drawn = np.full((8, 8), value, dtype=np.float32)
        h.send({"type": "view", "views": views, "fps": 20, "input": drawn.tolist()})
        h.run.report(1001.0 + tick)
        ((header, arrays),) = h.frames()
        np.testing.assert_allclose(arrays["example/input"][0], drawn, atol=1 / 255)
        assert header["values"]["example/label"] is None
        assert "feature_maps/conv2d0" in arrays and "probabilities" in arrays
        assert "confusion" not in arrays  # val-set wide: not recomputed for a drawing
