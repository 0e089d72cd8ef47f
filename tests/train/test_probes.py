"""observe(): every view's shape, values checked against torch computed independently, and
observation never changing training."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from app.spec import ExperimentSpec
from app.train import Run
from app.train.probes import ObserveError


def spec_of(data: dict, layers: list[dict], **train: object) -> ExperimentSpec:
    return ExperimentSpec.model_validate(
        {"seed": 1, "data": data, "model": {"layers": layers}, "train": {"batch_size": 16, **train}}
    )


POINTS = spec_of(
    {"dataset": "spiral", "n_samples": 200, "n_classes": 3, "features": ["x1", "x2", "x1^2"]},
    [
        {"type": "dense", "units": 5, "activation": "relu"},
        {"type": "dense", "units": 3, "activation": "tanh"},
    ],
)
DIGITS = spec_of(
    {"dataset": "digits", "n_samples": 300},
    [
        {"type": "conv2d", "filters": 4, "activation": "sigmoid"},
        {"type": "maxpool2d"},
        {"type": "dense", "units": 8},
    ],
)
SINE = spec_of(
    {"dataset": "sine", "n_samples": 200, "seq_len": 10}, [{"type": "lstm", "hidden": 6}]
)
NAMES = spec_of(
    {"dataset": "names", "n_samples": 500, "seq_len": 8},
    [
        {"type": "embedding", "dim": 8},
        {"type": "attention", "heads": 2},
        {"type": "gru", "hidden": 5},
    ],
)


def test_point_views() -> None:
    run = Run(POINTS)
    run.step(5)
    v = run.observe(
        "neurons",
        "boundary",
        "weights",
        "histograms",
        "activation_stats",
        "confusion",
        "metrics",
        "history",
        "grad_norms",
        "weight_norms",
        grid=20,
    )
    assert v["neurons"]["input"].shape == (3, 20, 20)
    assert v["neurons"]["dense0"].shape == (5, 20, 20)
    assert v["neurons"]["dense1"].shape == (3, 20, 20)
    assert v["boundary"].shape == (3, 20, 20)  # class probabilities
    np.testing.assert_allclose(v["boundary"].sum(axis=0), 1.0, rtol=1e-5)
    assert v["weights"]["dense0.linear.weight"].shape == (5, 3)
    assert v["weights"]["output.linear.bias"].shape == (3,)
    assert v["histograms"]["dense0"]["counts"].sum() == 15
    assert set(v["activation_stats"]) == {"dense0", "dense1"}
    assert 0 <= v["activation_stats"]["dense0"]["dead"] <= 1
    assert v["confusion"].shape == (3, 3) and v["confusion"].sum() == len(run.x_val)
    assert set(v["grad_norms"]) == {"dense0", "dense1", "output"}
    assert v["metrics"]["step"] == 5


def test_neuron_maps_are_the_layer_outputs_over_the_plane() -> None:
    run = Run(POINTS)
    maps = run.observe("neurons", grid=7)["neurons"]
    # Top-left pixel is (x1, x2) = (-6, 6): features x1, x2, x1^2.
    assert maps["input"][:, 0, 0].tolist() == [-6.0, 6.0, 36.0]
    x = torch.tensor([[-6.0, 6.0, 36.0]])
    expected = run.model.dense0(x)[0].detach().numpy()
    np.testing.assert_allclose(maps["dense0"][:, 0, 0], expected, rtol=1e-5)


def test_image_views() -> None:
    run = Run(DIGITS)
    v = run.observe("feature_maps", "filters", "activation_stats", sample=3)
    assert v["feature_maps"]["conv2d0"].shape == (4, 8, 8)
    assert v["feature_maps"]["maxpool2d1"].shape == (4, 4, 4)
    assert v["filters"].shape == (4, 1, 3, 3)
    assert "saturated" in v["activation_stats"]["conv2d0"]
    drawn = np.zeros((8, 8), dtype=np.float32)
    drawn[1:7, 4] = 1.0  # a "1"
    p = run.observe("predict", "feature_maps", inputs=drawn)
    assert p["predict"].shape == (1, 10)
    assert np.isclose(p["predict"].sum(), 1.0, atol=1e-5)
    assert not np.allclose(p["feature_maps"]["conv2d0"], v["feature_maps"]["conv2d0"])


def test_sequence_views() -> None:
    run = Run(SINE)
    v = run.observe("hidden_states", "sequence_prediction", sample=0)
    assert v["hidden_states"].shape == (10, 6)
    pred, truth = v["sequence_prediction"]["prediction"], v["sequence_prediction"]["truth"]
    assert pred.shape == truth.shape and pred.shape[1] == 1


def test_text_and_attention_views() -> None:
    run = Run(NAMES)
    v = run.observe("attention", "hidden_states", sample=2)
    w = v["attention"]["attention1"]
    assert w.shape == (2, 8, 8)
    np.testing.assert_allclose(w.sum(axis=-1), 1.0, rtol=1e-5)  # each query's weights
    assert v["hidden_states"].shape == (8, 5)
    p = run.observe("predict", inputs="emm")["predict"]
    assert p.shape == (1, len(run.data.vocab))


def test_grad_norms_match_autograd() -> None:
    """One full-batch step: the norms shown are those torch.autograd computes independently
    for the loss at the weights before the step."""
    spec = spec_of(
        {"dataset": "circle", "n_samples": 100},
        [{"type": "dense", "units": 5, "activation": "tanh"}],
        batch_size=4096,
    )
    run = Run(spec)
    before = copy.deepcopy(run.model)
    run.step(1)
    x, y = run.x_train, run.y_train
    loss = torch.nn.functional.binary_cross_entropy_with_logits(before(x)[:, 0], y.float())
    names = [n for n, _ in before.named_parameters()]
    grads = torch.autograd.grad(loss, list(before.parameters()))
    expected: dict[str, float] = {}
    for name, g in zip(names, grads, strict=True):
        layer = name.split(".")[0]
        expected[layer] = expected.get(layer, 0.0) + float(g.pow(2).sum())
    shown = run.observe("grad_norms")["grad_norms"]
    assert shown.keys() == expected.keys()
    for layer, sq in expected.items():
        assert shown[layer] == pytest.approx(sq**0.5, rel=1e-5)


def test_observing_changes_nothing() -> None:
    spec = spec_of(
        {"dataset": "circle", "n_samples": 200},
        [
            {"type": "dense", "units": 6, "activation": "relu"},
            {"type": "dropout", "p": 0.3},
            {"type": "batchnorm"},
        ],
    )
    watched, alone = Run(spec), Run(spec)
    for _ in range(15):
        watched.observe("neurons", "boundary", "activation_stats", "confusion", "metrics", grid=10)
        watched.step(2)
        alone.step(2)
        assert watched.model.training
    for k, v in alone.model.state_dict().items():
        assert torch.equal(watched.model.state_dict()[k], v), k


@pytest.mark.parametrize(
    ("spec", "view", "options", "fragment"),
    [
        (POINTS, "feature_maps", {}, "no convolution"),
        (POINTS, "teleport", {}, "unknown view"),
        (DIGITS, "neurons", {}, "needs 2-D point data"),
        (POINTS, "neurons", {"grid": 100000}, "grid must be between"),
        (DIGITS, "feature_maps", {"sample": 10**6}, "sample must be between"),
        (SINE, "confusion", {}, "needs a classification task"),
        (POINTS, "predict", {"inputs": [[float("nan"), 0.0]]}, "finite"),
    ],
)
def test_bad_view_requests_are_clear_errors(spec, view, options, fragment) -> None:
    with pytest.raises(ObserveError, match=fragment):
        Run(spec).observe(view, **options)
