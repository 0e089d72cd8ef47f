"""Text generation: the length asked for, only the vocabulary's characters, the same text for
the same request, and training's random streams untouched."""

from __future__ import annotations

import pytest
import torch

from app.spec import ExperimentSpec
from app.train import Run
from app.train.generate import GenerateError, generate_text

NAMES = ExperimentSpec.model_validate(
    {
        "seed": 2,
        "data": {"dataset": "names", "n_samples": 2000, "seq_len": 6},
        "model": {"layers": [{"type": "embedding", "dim": 8}, {"type": "gru", "hidden": 16}]},
        "train": {"optimizer": "adam", "lr": 0.01, "batch_size": 32},
    }
)


def test_generated_text_has_the_length_asked_for_in_the_vocabulary() -> None:
    run = Run(NAMES)
    run.step(100)
    for length, temperature in ((1, 1.0), (37, 0.05), (500, 5.0)):
        text = generate_text(run, "ann", length, temperature, seed=3)
        assert len(text) == length
        assert set(text) <= set(run.data.vocab)
    several = generate_text(run, "", 300, 1.0, seed=1)
    assert several.count(".") >= 2  # it goes on past the end of a name


def test_the_same_request_gives_the_same_text_and_the_seed_changes_it() -> None:
    run = Run(NAMES)
    first = generate_text(run, "jo", 60, 1.0, seed=7)
    assert generate_text(run, "jo", 60, 1.0, seed=7) == first
    assert generate_text(run, "jo", 60, 1.0, seed=8) != first


def test_characters_outside_the_vocabulary_are_dropped_from_the_prefix() -> None:
    run = Run(NAMES)
    assert generate_text(run, "#o!", 40, 1.0, seed=5) == generate_text(run, "o", 40, 1.0, seed=5)


def test_capitals_read_as_the_lowercase_the_names_are_written_in() -> None:
    run = Run(NAMES)
    assert generate_text(run, "Jo", 40, 1.0, seed=5) == generate_text(run, "jo", 40, 1.0, seed=5)


def test_generation_draws_nothing_from_training_random_streams() -> None:
    generating, alone = Run(NAMES), Run(NAMES)
    global_state = torch.random.get_rng_state()
    for _ in range(3):
        generate_text(generating, "em", 50, 1.0, seed=0)
        assert torch.equal(torch.random.get_rng_state(), global_state)
        assert generating.model.training  # train mode restored
        generating.step(5)
        alone.step(5)
    assert torch.equal(generating._rng._cpu, alone._rng._cpu)
    assert torch.equal(generating._shuffle.get_state(), alone._shuffle.get_state())
    for name, value in alone.model.state_dict().items():
        assert torch.equal(generating.model.state_dict()[name], value), name


def test_only_text_data_generates() -> None:
    spec = ExperimentSpec.model_validate(
        {"data": {"dataset": "sine", "n_samples": 100, "seq_len": 8}, "model": {"layers": []}}
    )
    with pytest.raises(GenerateError, match="needs text data"):
        generate_text(Run(spec), "", 10, 1.0, seed=0)
