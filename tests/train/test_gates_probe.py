"""The `gates` view recomputes torch's fused LSTM/GRU step by step: the states it carries
must be the layer's own outputs (or the gates it shows are not the ones that ran), and
`gate_contrast` must read a gate that opens on the cue as open there."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from app.lessons.metrics import Finished, gate_contrast
from app.lessons.trace import Trace
from app.spec import ExperimentSpec
from app.train import Run
from app.train.probes import observe
from app.train.probes.common import ObserveError
from app.train.probes.gates import gated_layer, gru_gates, lstm_gates


def memory_run(layer: str, **extra: Any) -> Run:
    return Run(
        ExperimentSpec.model_validate(
            {
                "seed": 3,
                "data": {"dataset": "memory", "seq_len": 6, "n_samples": 200},
                "model": {"layers": [{"type": layer, "hidden": 5, **extra}]},
                "train": {"optimizer": "adam", "lr": 0.02},
            }
        )
    )


@pytest.mark.parametrize("layer", ["lstm", "gru"])
def test_the_recomputed_states_are_the_layers_own(layer: str) -> None:
    run = memory_run(layer)
    run.step(20)  # weights away from their start, biases included
    rnn = gated_layer(run)
    x = run.x_val[:16]  # (B, T, F)
    with torch.no_grad():
        expected = rnn(x)[0]  # (B, T, H), torch's fused kernel
        gates, states = lstm_gates(rnn, x) if layer == "lstm" else gru_gates(rnn, x)  # type: ignore[arg-type]
    torch.testing.assert_close(states, expected, rtol=1e-5, atol=1e-5)
    for name, a in gates.items():
        assert a.shape == expected.shape, name
        assert float(a.min()) >= 0 and float(a.max()) <= 1, name


def test_the_view_shows_each_gate_of_the_viewers_example() -> None:
    lstm = observe(memory_run("lstm"), ("gates",), sample=2)["gates"]
    assert sorted(lstm) == ["forget", "input", "output"]
    assert lstm["input"].shape == (6, 5)  # (T, H)
    gru = observe(memory_run("gru"), ("gates",))["gates"]
    assert sorted(gru) == ["reset", "update"]
    with pytest.raises(ObserveError, match="LSTM or GRU"):
        observe(memory_run("rnn"), ("gates",))


def test_gate_contrast_reads_the_units_that_open_on_the_cue() -> None:
    """One of 5 units has its input gate wired to the cue channel alone: sigmoid(10 cue - 5)
    is 0.993 at the cue and 0.007 elsewhere, a contrast of 0.987; the others sit at 0.5
    everywhere (contrast 0). The metric reads the best quarter (here 1 unit): 0.987, not
    the mean over units (0.197). Wired the other way, the best unit is a neutral one: 0."""
    run = memory_run("lstm")
    rnn = gated_layer(run)
    with torch.no_grad():
        for p in rnn.parameters():
            p.zero_()
        rnn.weight_ih_l0[0, -1] = 10.0  # input gate of unit 0, cue column
        rnn.bias_ih_l0[0] = -5.0
    done = Finished(run, Trace(), 0)
    assert gate_contrast(done) == pytest.approx(0.987, abs=1e-3)
    with torch.no_grad():
        rnn.weight_ih_l0[0, -1] = -10.0
        rnn.bias_ih_l0[0] = 5.0
    assert gate_contrast(done) == pytest.approx(0.0, abs=1e-6)
