"""observe(): every view's shape, values checked against torch computed independently, and
observation never changing training."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch

from app.spec import ExperimentSpec
from app.train import Run
from app.train.probes import ObserveError, check_example_input, feature_map_channels


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


# --- per-example views, and the input a viewer gives instead of a val example ---

MEMORY = spec_of(
    {"dataset": "memory", "n_samples": 300, "seq_len": 12},
    [{"type": "lstm", "hidden": 8}, {"type": "dropout", "p": 0.2}],
)
CIRCLE = spec_of({"dataset": "circle", "n_samples": 100}, [{"type": "dense", "units": 4}])


def test_feature_maps_are_capped_in_count_and_size() -> None:
    spec = spec_of(
        {"dataset": "digits", "n_samples": 300},
        [{"type": "conv2d", "filters": 6}, {"type": "maxpool2d"}],
    )
    run = Run(spec)
    full = run.observe("feature_maps", sample=4)["feature_maps"]
    capped = run.observe("feature_maps", sample=4, max_maps=3, max_map_size=5)["feature_maps"]
    assert full["conv2d0"].shape == (6, 8, 8) and capped["conv2d0"].shape == (3, 5, 5)
    assert capped["maxpool2d1"].shape == (3, 4, 4)  # already small enough: as it is
    pooled = torch.nn.functional.adaptive_avg_pool2d(torch.tensor(full["conv2d0"][:3]), (5, 5))
    np.testing.assert_allclose(capped["conv2d0"], pooled.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(capped["maxpool2d1"], full["maxpool2d1"][:3])
    assert feature_map_channels(run) == {"conv2d0": 6, "maxpool2d1": 6}


def test_probabilities_are_the_softmax_or_both_sides_of_the_sigmoid() -> None:
    digits = Run(DIGITS)
    digits.step(10)
    p = digits.observe("probabilities", sample=7)["probabilities"]
    with torch.no_grad():
        want = torch.softmax(digits.model.eval()(digits.x_val[7:8]), dim=1)[0]
    assert p.shape == (10,)
    np.testing.assert_allclose(p, want.numpy(), rtol=1e-5)
    circle = Run(CIRCLE)
    q = circle.observe("probabilities", sample=2)["probabilities"]
    with torch.no_grad():
        p1 = float(torch.sigmoid(circle.model(circle.x_val[2:3]))[0, 0])
    np.testing.assert_allclose(q, [1 - p1, p1], rtol=1e-5)


def test_example_is_what_the_views_look_at() -> None:
    digits = Run(DIGITS)
    v = digits.observe("example", sample=3)["example"]
    np.testing.assert_array_equal(v["input"], digits.x_val[3].numpy())  # (1, 8, 8)
    assert v["label"] == int(digits.y_val[3])
    drawn = np.eye(8, dtype=np.float32)
    given = digits.observe("example", inputs=drawn.tolist())["example"]
    np.testing.assert_array_equal(given["input"], drawn[None])
    assert given["label"] is None  # a drawing has no true class
    names = Run(NAMES)
    text = names.observe("example", inputs="emma")["example"]["input"]
    vocab = names.data.vocab
    assert text.shape == (8,) and "".join(vocab[int(i)] for i in text) == "....emma"
    sine = Run(SINE).observe("example", sample=1)["example"]
    assert sine["input"].shape == (10, 1) and sine["label"] is None  # regression


def test_a_given_input_replaces_the_val_example_in_every_per_example_view() -> None:
    digits, names = Run(DIGITS), Run(NAMES)
    image_views = ("feature_maps", "probabilities", "example")
    text_views = ("hidden_states", "attention", "probabilities", "example")
    for run, views, sample in ((digits, image_views, 5), (names, text_views, 2)):
        as_sample = run.observe(*views, sample=sample)
        given = run.x_val[sample].tolist()
        as_input = run.observe(*views, sample=0, inputs=given)
        for view in views:
            for got, want in zip(_leaves(as_input[view]), _leaves(as_sample[view]), strict=True):
                np.testing.assert_allclose(got, want, rtol=1e-6, err_msg=view)


def _leaves(value: object) -> list[np.ndarray]:
    if isinstance(value, dict):
        return [leaf for k in value if k != "label" for leaf in _leaves(value[k])]
    return [np.asarray(value)]


@pytest.mark.parametrize(
    ("spec", "inputs", "fragment"),
    [
        (DIGITS, np.zeros((2, 1, 8, 8)).tolist(), "one example"),
        (DIGITS, np.zeros((7, 7)).tolist(), "an image of 8x8 pixels"),
        (DIGITS, "seven", "a text input needs text data"),
        (DIGITS, [], "empty"),
        (DIGITS, [[0.5, 0.5], [0.5]], "must be numbers"),
        (NAMES, [0, 1, 2, 3, 4, 5, 6, 99], "token ids must be whole numbers from 0 to"),
        (NAMES, [0, 1, 2, 3, 4, 5, 6, 0.5], "token ids must be whole numbers"),
        (POINTS, [[1.0, 2.0, 3.0]], "pairs"),
    ],
)
def test_a_bad_example_input_is_a_clear_error(spec, inputs, fragment) -> None:
    with pytest.raises(ObserveError, match=fragment) as info:
        check_example_input(Run(spec), inputs)
    assert "seven" not in str(info.value)


def test_good_example_inputs_pass() -> None:
    check_example_input(Run(DIGITS), np.zeros((8, 8)).tolist())
    check_example_input(Run(NAMES), "a name much longer than eight characters")
    check_example_input(Run(NAMES), [0, 1, 2, 3, 4, 5, 6, 7])
    check_example_input(Run(POINTS), [[0.5, -1.0]])


# --- the validation set ---


def test_misclassified_are_the_val_images_the_model_gets_wrong() -> None:
    run = Run(DIGITS)
    run.step(15)
    v = run.observe("misclassified")["misclassified"]
    with torch.no_grad():
        predicted = run.model.eval()(run.x_val).argmax(dim=1)
    wrong = (predicted != run.y_val).nonzero()[:, 0]
    assert 0 < v["count"] == len(wrong)
    assert v["index"] == wrong[:24].tolist()
    assert v["truth"] == run.y_val[wrong[:24]].tolist()
    assert v["predicted"] == predicted[wrong[:24]].tolist()
    assert all(t != p for t, p in zip(v["truth"], v["predicted"], strict=True))
    assert v["images"].shape == (min(24, len(wrong)), 8, 8)
    np.testing.assert_array_equal(v["images"], run.x_val[wrong[:24], 0].numpy())


def test_time_grads_match_autograd_and_leave_parameter_grads_alone() -> None:
    run = Run(MEMORY)
    run.step(3)
    grads_before = {n: p.grad.clone() for n, p in run.model.named_parameters()}
    shown = run.observe("time_grads")["time_grads"]
    for name, p in run.model.named_parameters():
        assert torch.equal(p.grad, grads_before[name]), name
    x = run.x_val[:256].clone().requires_grad_()  # the LSTM reads the input itself
    model = copy.deepcopy(run.model).eval()
    (grad,) = torch.autograd.grad(run.loss_fn(model(x), run.y_val[:256]), x)
    assert shown.shape == (12,)
    np.testing.assert_allclose(shown, grad.norm(dim=2).mean(dim=0).numpy(), rtol=1e-4)
    assert shown[-1] > shown[0]  # untrained: the gradient fades on its way back in time


def test_time_grads_on_text_reach_every_character() -> None:
    grads = Run(NAMES).observe("time_grads")["time_grads"]
    assert grads.shape == (8,) and (grads > 0).all()


def test_accuracy_by_length_on_the_memory_task() -> None:
    run = Run(MEMORY)
    run.step(20)
    v = run.observe("accuracy_by_length")["accuracy_by_length"]
    assert v["lengths"][0] == 2 and v["lengths"][-1] == 12 and len(v["lengths"]) <= 8
    assert v["lengths"] == sorted(set(v["lengths"]))
    assert v["accuracy"][-1] == pytest.approx(run.evaluate().val_score)  # all 12 steps
    with torch.no_grad():
        model = run.model.eval()
        cut = model(run.x_val[:, :5]).argmax(dim=1)
    at_5 = float((cut == run.y_val).float().mean())
    assert v["accuracy"][v["lengths"].index(5)] == pytest.approx(at_5)


FIXED_LENGTH = spec_of(
    {"dataset": "memory", "n_samples": 300, "seq_len": 12},
    [{"type": "lstm", "hidden": 8, "return_sequence": True}, {"type": "flatten"}],
)


@pytest.mark.parametrize(
    ("spec", "view", "fragment"),
    [
        (SINE, "probabilities", "need a classification task"),
        (SINE, "misclassified", "image classification data"),
        (POINTS, "misclassified", "image classification data"),
        (DIGITS, "time_grads", "sequence or text data"),
        (
            spec_of({"dataset": "sine", "n_samples": 200, "seq_len": 10}, [{"type": "flatten"}]),
            "time_grads",
            "no recurrent or attention layer",
        ),
        (SINE, "accuracy_by_length", "labelled by its first step"),
        (FIXED_LENGTH, "accuracy_by_length", "exactly 12 steps"),
    ],
)
def test_views_a_run_cannot_show_say_why(spec, view, fragment) -> None:
    with pytest.raises(ObserveError, match=fragment):
        Run(spec).observe(view)


@pytest.mark.parametrize(
    ("spec", "views"),
    [
        (MEMORY, ("time_grads", "accuracy_by_length", "probabilities", "example", "confusion")),
        (DIGITS, ("misclassified", "feature_maps", "probabilities", "example")),
    ],
)
def test_observing_the_new_views_changes_nothing(spec, views) -> None:
    watched, alone = Run(spec), Run(spec)
    for _ in range(5):
        rng = torch.random.get_rng_state()
        watched.observe(*views, sample=1)
        assert torch.equal(torch.random.get_rng_state(), rng)  # no random draws
        assert watched.model.training
        watched.step(2)
        alone.step(2)
    for k, v in alone.model.state_dict().items():
        assert torch.equal(watched.model.state_dict()[k], v), k


def test_confusion_and_misclassified_share_one_pass_over_the_val_set() -> None:
    run = Run(DIGITS)
    run.step(5)
    calls = []
    hook = run.model.register_forward_hook(lambda _m, i, _o: calls.append(len(i[0])))
    try:
        together = run.observe("confusion", "misclassified")
    finally:
        hook.remove()
    assert sum(calls) == len(run.x_val)  # one pass for both
    alone = run.observe("confusion")["confusion"]
    np.testing.assert_array_equal(together["confusion"], alone)
    wrong = together["confusion"].sum() - np.trace(together["confusion"])
    assert together["misclassified"]["count"] == wrong


def test_views_of_a_run_with_nan_weights_do_not_raise() -> None:
    """np.histogram raised on NaN weights ("autodetected range of [nan, nan]") and took
    the worker down; every point view must answer for a diverged run."""
    run = Run(spec_of({"dataset": "plane"}, [{"type": "dense", "units": 8}] * 2))
    with torch.no_grad():
        run.model.dense0.linear.weight[0, 0] = math.nan
        run.model.dense1.linear.weight.fill_(math.inf)
    views = ("metrics", "neurons", "boundary", "weights", "histograms", "activation_stats")
    out = run.observe(*views, grid=5)
    histograms = out["histograms"]
    assert histograms["dense0"]["counts"].sum() == run.model.dense0.linear.weight.numel() - 1
    assert histograms["dense1"]["counts"].sum() == 0
    assert np.isfinite(histograms["dense1"]["edges"]).all()


def test_neuron_maps_are_coarsened_to_fit_the_view_budget() -> None:
    """A neurons view at grid 200 on a 4x1024 network held 164 M values (a worker grew to
    1.7 GB); the grid is coarsened until units x grid² fits `max_view_values` and a
    forward pass over the grid fits the evaluation budget. A small network keeps 200."""
    wide = Run(spec_of({"dataset": "plane"}, [{"type": "dense", "units": 1024}] * 4))
    maps = wide.observe("neurons", "boundary", grid=200)
    units = sum(m.shape[0] for m in maps["neurons"].values())
    grid = maps["neurons"]["dense0"].shape[-1]
    assert units == 2 + 4 * 1024 and units * grid**2 <= wide.limits.max_view_values
    assert 2 <= grid < 20
    assert maps["boundary"].shape[-1] <= 200  # one map, but 4 M weights per point
    small = Run(spec_of({"dataset": "xor"}, [{"type": "dense", "units": 8}] * 2))
    assert small.observe("neurons", grid=200)["neurons"]["dense1"].shape == (8, 200, 200)
