"""Learning for real, on CPU, each in a few seconds: the example specs reach what their
descriptions promise."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.spec import ExperimentSpec
from app.train import Run

EXAMPLES = Path(__file__).parents[2] / "examples"


def example(name: str, **train: object) -> ExperimentSpec:
    spec = ExperimentSpec.model_validate_json((EXAMPLES / name).read_text())
    return spec.model_copy(update={"train": spec.train.model_copy(update=train)})


def train_to_end(spec: ExperimentSpec) -> Run:
    run = Run(spec)
    run.step(10**7)
    assert run.status.reason == "max_epochs", run.status
    return run


def test_xor_2_8_8_tanh() -> None:
    spec = example("xor.json")
    assert [(layer.units, layer.activation) for layer in spec.model.layers] == [
        (8, "tanh"),
        (8, "tanh"),
    ]
    assert train_to_end(spec).evaluate().val_score >= 0.95


def test_spiral_needs_depth_and_gets_it() -> None:
    assert train_to_end(example("spiral.json")).evaluate().val_score >= 0.90


def test_digits_cnn_in_two_epochs() -> None:
    spec = example("digits-cnn.json")
    assert spec.train.max_epochs == 2
    assert train_to_end(spec).evaluate().val_score >= 0.90


def test_mnist_mlp_in_one_epoch() -> None:
    spec = example("mnist-mlp.json")
    assert spec.train.max_epochs == 1
    run = train_to_end(spec)
    assert run.data.input_shape == (1, 28, 28)
    assert run.evaluate().val_score >= 0.90


def test_sine_lstm_forecasts() -> None:
    run = train_to_end(example("sine-lstm.json", max_epochs=4))
    metrics = run.evaluate()
    assert metrics.val_loss < 0.02  # MSE; the wave's variance is about 0.5
    assert metrics.val_score > 0.95  # R²


def test_names_char_model_beats_chance() -> None:
    run = Run(example("names-char-rnn.json"))
    run.step(600)
    chance = 1 / len(run.data.vocab)
    assert run.evaluate().val_score > 5 * chance


def test_learning_rate_of_50_is_refused_and_10_diverges() -> None:
    with pytest.raises(ValidationError, match="less than or equal to 10"):
        ExperimentSpec.model_validate({"train": {"optimizer": "sgd", "lr": 50.0}})
    run = Run(
        ExperimentSpec.model_validate(
            {
                "data": {"dataset": "plane", "n_samples": 200},
                "model": {"layers": [{"type": "dense", "units": 8, "activation": "relu"}]},
                "train": {"optimizer": "sgd", "lr": 10.0, "batch_size": 10},
            }
        )
    )
    run.step(1000)
    assert (run.status.state, run.status.reason) == ("done", "diverged")
    assert "at step" in run.status.detail


def test_memory_lstm_remembers_where_the_rnn_cannot() -> None:
    """The adding problem at length 40: the LSTM learns it, the plain RNN stays at the
    0.167 MSE of guessing the mean (both 1,000 steps, same data, same seed)."""
    lstm = train_to_end(example("memory-lstm-vs-rnn/lstm.json"))
    rnn = train_to_end(example("memory-lstm-vs-rnn/rnn.json"))
    assert lstm.step_count == rnn.step_count == 1000
    assert lstm.evaluate().val_loss < 0.01
    assert rnn.evaluate().val_loss > 0.1


@pytest.mark.parametrize("seed", [0, 1])
def test_memory_task_lstm_recalls_where_the_rnn_stays_at_chance(seed: int) -> None:
    """The memory task at length 15, the later symbols 20 times louder: the LSTM's gate shuts
    them out (val accuracy near 1), the plain RNN's state is swamped (near the 25% of
    chance). Same data, same training, 30 epochs each; seed 1 is the slower LSTM."""
    lstm = train_to_end(
        example("memory-lstm-vs-rnn/memory-lstm.json").model_copy(update={"seed": seed})
    )
    rnn = train_to_end(
        example("memory-lstm-vs-rnn/memory-rnn.json").model_copy(update={"seed": seed})
    )
    assert lstm.spec.data == rnn.spec.data and lstm.spec.train == rnn.spec.train
    assert lstm.step_count == rnn.step_count == 1500
    assert lstm.evaluate().val_score >= 0.9
    assert rnn.evaluate().val_score <= 0.4


def test_a_user_csv_trains(tmp_path: Path) -> None:
    """A CSV in the data directory's uploads/ folder, named by data.file, learns."""
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    label = (x[:, 0] + 2 * x[:, 1] > 0).astype(int)
    rows = [
        "a,b,noise,label",
        *(f"{r[0]:.4f},{r[1]:.4f},{r[2]:.4f},{y}" for r, y in zip(x, label, strict=True)),
    ]
    (tmp_path / "uploads").mkdir()
    (tmp_path / "uploads" / "mine.csv").write_text("\n".join(rows) + "\n")
    spec = ExperimentSpec.model_validate(
        {
            "data": {"dataset": "csv", "file": "mine.csv", "target": "label"},
            "model": {"layers": [{"type": "dense", "units": 8, "activation": "tanh"}]},
            "train": {"optimizer": "adam", "lr": 0.03, "batch_size": 16, "max_epochs": 30},
        }
    )
    run = Run(spec, data_dir=tmp_path)
    assert (run.task, run.data.input_shape) == ("binary", (3,))
    run.step(10**6)
    assert run.evaluate().val_score >= 0.9
