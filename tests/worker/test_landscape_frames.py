"""The loss landscape's path in a hosted run: the weights are kept at every frame of a
viewer of the view, not only at the slow frames that carry the landscape (twice a
second), so the path has a point per frame."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.worker import frames
from tests.worker.test_hosted_frames import Hosted

POINTS = {
    "seed": 1,
    "data": {"dataset": "circle", "n_samples": 200},
    "model": {"layers": [{"type": "dense", "units": 4}]},
}


def test_the_path_has_a_point_per_frame(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frames, "FRAME_COST_FACTOR", 0.0)  # the viewer's fps alone
    monkeypatch.setattr(frames, "SLOW_COST_FACTOR", 0.0)
    h = Hosted(POINTS, tmp_path, slow_view_hz=2.0)
    h.send({"type": "view", "views": ["metrics", "loss_landscape"], "fps": 20})
    paths, framed = [], []
    for tick in range(21):  # a second at 20 fps: slow frames at 0, 0.5 and 1 s
        h.run.run.step(1)
        h.run.report(5000.0 + tick * 0.05)
        for header, arrays in h.frames():
            framed.append(header["step"])
            if "loss_landscape/loss" in arrays:
                paths.append(header["values"]["loss_landscape/path_steps"])
    assert len(paths) == 3 and len(framed) > 15
    assert paths[-1] == framed  # every frame's step, not only the slow ones'
