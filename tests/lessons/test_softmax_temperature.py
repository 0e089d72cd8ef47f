"""The softmax-temperature lesson's parts, each against torch computed independently: the
attention layer's written-out formula and its temperature, the `attention_query` view, the
`attention_on_answer` metric, and the temperature's bound and export."""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch
from pydantic import ValidationError

from app.export import ExportError
from app.export.script import write_script
from app.lessons import check_lesson
from app.nn.blocks import SelfAttention
from app.spec import ExperimentSpec, format_errors
from app.train import Run
from tests.lessons.test_lesson_metrics import make_lesson


def lookup_spec(temperature: float = 1.0, seed: int = 2) -> dict[str, Any]:
    return {
        "seed": seed,
        "data": {"dataset": "lookup", "n_samples": 300},
        "model": {
            "layers": [
                {"type": "attention", "heads": 1, "positional": "none", "temperature": temperature}
            ]
        },
        "train": {"optimizer": "adam", "lr": 0.01, "batch_size": 32},
    }


def make_run(temperature: float = 1.0, steps: int = 0) -> Run:
    run = Run(ExperimentSpec.model_validate(lookup_spec(temperature)))
    run.step(steps)
    return run


def softmax_by_hand(layer: SelfAttention, x: torch.Tensor, temperature: float) -> torch.Tensor:
    """The weights of every query, (B, heads, T, T), from the layer's raw projections."""
    b, t, f = x.shape
    heads = layer.attn.num_heads
    w, bias = layer.attn.in_proj_weight, layer.attn.in_proj_bias
    q = (x @ w[:f].T + bias[:f]).view(b, t, heads, -1).transpose(1, 2)
    k = (x @ w[f : 2 * f].T + bias[f : 2 * f]).view(b, t, heads, -1).transpose(1, 2)
    scores = q @ k.transpose(-2, -1) / math.sqrt(f // heads)
    return torch.softmax(scores / temperature, dim=-1)


@pytest.mark.parametrize("causal", [False, True])
def test_the_written_out_formula_is_multihead_attentions(causal: bool) -> None:
    torch.manual_seed(0)
    layer = SelfAttention(8, 2, 5, "none", causal).eval()
    x = torch.randn(3, 5, 8)
    fast = layer(x)
    layer.record = True
    with torch.no_grad():
        written = layer(x)
        expected_w = (
            layer.attn(x, x, x, attn_mask=None, need_weights=True)[1] if not causal else None
        )
    torch.testing.assert_close(written, fast, rtol=1e-5, atol=1e-6)
    assert layer.weights is not None and layer.mixed is not None and layer.values is not None
    if expected_w is not None:  # MHA averages heads unless asked: compare the mean
        torch.testing.assert_close(layer.weights.mean(dim=1), expected_w, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(layer.mixed, layer.weights @ layer.values)


def test_temperature_divides_the_scores_in_eval_mode_only() -> None:
    torch.manual_seed(1)
    layer = SelfAttention(8, 1, 5, "none", False, temperature=4.0)
    x = torch.randn(2, 5, 8)
    plain = SelfAttention(8, 1, 5, "none", False)
    plain.load_state_dict(layer.state_dict())
    torch.testing.assert_close(layer.train()(x), plain.train()(x))  # training: T = 1
    layer.eval().record = True
    with torch.no_grad():
        assert not torch.allclose(layer(x), plain.eval()(x))
    torch.testing.assert_close(layer.weights, softmax_by_hand(layer, x, 4.0))


def test_runs_that_differ_in_temperature_only_train_the_same_weights() -> None:
    cold, hot = make_run(0.25, steps=15), make_run(4.0, steps=15)
    for (name, a), b in zip(
        cold.model.state_dict().items(), hot.model.state_dict().values(), strict=True
    ):
        assert torch.equal(a, b), name


def test_attention_query_is_the_formula_for_the_last_query() -> None:
    run = make_run(2.0, steps=20)
    shown = run.observe("attention_query", sample=3)["attention_query"]["attention0"]
    assert shown["temperature"] == 2.0
    x = run.x_val[3:4]
    layer = run.model.attention0
    expected = softmax_by_hand(layer, x, 2.0)[0, :, -1]  # (heads, T)
    torch.testing.assert_close(torch.from_numpy(shown["weights"]), expected, rtol=1e-5, atol=1e-6)
    again = torch.softmax(torch.from_numpy(shown["scores"]) / 2.0, dim=-1)
    torch.testing.assert_close(again, expected, rtol=1e-5, atol=1e-6)
    mixed = torch.einsum("ht,htd->hd", expected, torch.from_numpy(shown["values"]))
    torch.testing.assert_close(torch.from_numpy(shown["mixed"]), mixed, rtol=1e-5, atol=1e-6)


def test_attention_on_answer_is_the_mean_weight_on_the_answers_step() -> None:
    spec = lookup_spec(3.0)
    lesson = make_lesson(
        {"a": {k: v for k, v in spec.items() if k != "seed"}},
        {"on": {"run": "a", "metric": "attention_on_answer"}},
        steps=20,
    )
    measured = check_lesson(lesson, seed=2).measured["on"]
    run = make_run(3.0, steps=20)
    with torch.no_grad():
        weights = softmax_by_hand(run.model.attention0, run.x_val, 3.0)[:, 0, -1]  # (N, T)
    answers = run.data.answer_positions
    assert answers is not None
    expected = float(weights[torch.arange(len(answers)), answers].mean())
    assert measured == pytest.approx(expected, rel=1e-5)


def test_a_temperature_out_of_bounds_is_named_with_its_limit() -> None:
    with pytest.raises(ValidationError) as caught:
        ExperimentSpec.model_validate(lookup_spec(0.0))
    (problem,) = format_errors(caught.value)
    assert problem["field"] == "model.layers.0.temperature"
    assert "0.05" in problem["message"]


def test_an_evaluation_temperature_is_not_exported_silently() -> None:
    run = make_run(4.0)
    with pytest.raises(ExportError, match="temperature other than 1 cannot be written out"):
        write_script(run.spec, run.model, run.report, run.task, 0)
