"""Run: stepping, reproducibility, live changes, reset, divergence, early stopping."""

from __future__ import annotations

import copy
import math

import pytest
import torch
from pydantic import ValidationError

from app.spec import ExperimentSpec
from app.train import Run
from app.train.run import WeightEditError


def make_spec(**overrides: object) -> ExperimentSpec:
    raw: dict = {
        "seed": 3,
        "data": {"dataset": "circle", "n_samples": 200},
        "model": {
            "layers": [
                {"type": "dense", "units": 6, "activation": "tanh"},
                {"type": "dropout", "p": 0.2},
                {"type": "dense", "units": 4, "activation": "tanh"},
            ]
        },
        "train": {"lr": 0.03, "batch_size": 10},
    }
    for key, value in overrides.items():
        section, _, field = key.partition("__")
        if field:
            raw[section][field] = value
        else:
            raw[section] = value
    return ExperimentSpec.model_validate(raw)


def losses(run: Run, steps: int) -> list[float]:
    out = []
    for _ in range(steps):
        run.step(1)
        out.append(run.evaluate().train_loss)
    return out


def test_step_counts_and_epochs() -> None:
    run = Run(make_spec())
    assert run.status.state == "ready"
    assert run.step(7) == 7
    assert (run.step_count, run.epoch, run.status.state) == (7, 0, "paused")
    run.step(3)  # 100 train examples / batch 10 = 10 steps per epoch
    assert run.epoch == 1 and len(run.history) == 1
    assert run.history[0].step == 10


def test_same_spec_and_seed_give_identical_losses() -> None:
    a, b = Run(make_spec()), Run(make_spec())
    assert losses(a, 30) == losses(b, 30)


def test_interleaved_runs_stay_reproducible() -> None:
    """Dropout draws from each run's own stream: interleaving (as the worker does) and
    unrelated global RNG use change nothing."""
    alone = losses(Run(make_spec()), 20)
    a, other = Run(make_spec()), Run(make_spec(seed=9))
    mixed = []
    for _ in range(20):
        torch.rand(100)
        other.step(2)
        a.step(1)
        mixed.append(a.evaluate().train_loss)
    assert mixed == alone


def test_different_seeds_differ() -> None:
    assert losses(Run(make_spec()), 5) != losses(Run(make_spec(seed=4)), 5)


def test_set_keeps_weights_and_applies_settings() -> None:
    run = Run(make_spec())
    run.step(15)
    before = copy.deepcopy(run.model.state_dict())
    run.set(lr=0.5, weight_decay=0.01, batch_size=25, dropout=0.4, momentum=0.9)
    after = run.model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert all(g["lr"] == 0.5 and g["momentum"] == 0.9 for g in run.optimizer.param_groups)
    assert run.model.dropout1.p == 0.4 and run.spec.model.layers[1].p == 0.4
    assert run.optimizer.param_groups[0]["weight_decay"] == 0.01  # weights decay...
    assert run.optimizer.param_groups[1]["weight_decay"] == 0.0  # ...biases do not
    step = run.step_count
    run.step(1)
    assert run.step_count == step + 1
    assert run._pos == 50 + 25  # 5 steps of 10 into epoch 2, then one batch of the new size

    before = copy.deepcopy(run.model.state_dict())
    run.set(optimizer="adam", lr=0.01)
    assert isinstance(run.optimizer, torch.optim.Adam)
    assert all(torch.equal(run.model.state_dict()[k], v) for k, v in before.items())
    assert run.step(1) == 1


@pytest.mark.parametrize(
    ("hot", "fragment"),
    [
        ({"lr": float("nan")}, "finite number"),
        ({"lr": -1}, "greater than 0"),
        ({"batch_size": 0}, "greater than or equal to 1"),
        ({"dropout": 1.5}, "less than or equal to 0.95"),
        ({"optimizer": "lion"}, "'sgd', 'adam'"),
        ({"units": 3}, "cannot change units"),
    ],
)
def test_set_refuses_bad_values_and_changes_nothing(hot: dict, fragment: str) -> None:
    run = Run(make_spec())
    spec = run.spec
    with pytest.raises((ValidationError, ValueError), match=fragment):
        run.set(**hot)
    assert run.spec == spec


def test_edit_weight_sets_one_element_and_keeps_the_optimizer_state() -> None:
    run = Run(make_spec(train={"optimizer": "adam", "lr": 0.03, "batch_size": 10}))
    run.step(5)
    weight = run.model.dense0.linear.weight
    before = copy.deepcopy(run.model.state_dict())
    moments = copy.deepcopy(run.optimizer.state_dict())
    twin = copy.deepcopy(run)  # edited directly with torch, for comparison

    run.edit_weight("dense0.linear.weight", [1, 0], 0.5)
    run.edit_weight("output.linear.bias", [0], -2.25)
    assert weight[1, 0].item() == 0.5 and run.model.dense0.linear.weight is weight
    changed = {k for k, v in run.model.state_dict().items() if not torch.equal(v, before[k])}
    assert changed == {"dense0.linear.weight", "output.linear.bias"}
    expected = before["dense0.linear.weight"].clone()
    expected[1, 0] = 0.5
    assert torch.equal(weight, expected)
    assert run.observe("weights")["weights"]["output.linear.bias"].tolist() == [-2.25]
    after = run.optimizer.state_dict()["state"]
    assert all(
        torch.equal(after[i][key], moments["state"][i][key])
        for i in moments["state"]
        for key in moments["state"][i]
    )
    assert weight.grad is not None  # an edit is not a training step

    with torch.no_grad():
        twin.model.dense0.linear.weight[1, 0] = 0.5
        twin.model.output.linear.bias[0] = -2.25
    assert losses(run, 5) == losses(twin, 5)  # Adam's moments carried on, as in the twin


@pytest.mark.parametrize(
    ("param", "index", "field", "fragment"),
    [
        (
            "dense9.linear.weight",
            [0, 0],
            "param",
            "no parameter named 'dense9.linear.weight'; the parameters are "
            "dense0.linear.weight, dense0.linear.bias, dense2.linear.weight",
        ),
        ("x" * 500, [0], "param", "'" + "x" * 40 + "...'"),
        ("dense0.linear.weight", [1], "index", "has shape [6, 2]: its index needs 2 numbers"),
        ("dense0.linear.bias", [0, 0], "index", "has shape [6]: its index needs 1 numbers, not 2"),
        ("dense0.linear.weight", [6, 0], "index", "position 0 must be 0 to 5"),
        ("dense0.linear.weight", [0, -1], "index", "position 1 must be 0 to 1"),
    ],
)
def test_edit_weight_refuses_bad_names_and_indexes(
    param: str, index: list[int], field: str, fragment: str
) -> None:
    run = Run(make_spec())
    before = copy.deepcopy(run.model.state_dict())
    with pytest.raises(WeightEditError) as info:
        run.edit_weight(param, index, 0.5)
    assert info.value.field == field and fragment in str(info.value), str(info.value)
    assert "x" * 41 not in str(info.value)  # a long name is not echoed
    assert all(torch.equal(v, before[k]) for k, v in run.model.state_dict().items())


def test_edit_weight_refuses_a_value_that_is_not_finite() -> None:
    run = Run(make_spec())
    with pytest.raises(ValueError, match="finite"):
        run.edit_weight("dense0.linear.bias", [0], float("nan"))


def test_reset_matches_a_fresh_run() -> None:
    run = Run(make_spec())
    first = losses(run, 12)
    run.reset()
    assert run.step_count == 0 and run.history == [] and run.status.state == "ready"
    assert losses(run, 12) == first
    run.reset(seed=11)
    assert losses(run, 12) == losses(Run(make_spec(seed=11)), 12)


def test_huge_learning_rate_diverges_with_the_step() -> None:
    run = Run(
        make_spec(
            train={"optimizer": "sgd", "lr": 10.0, "batch_size": 10},
            data={"dataset": "plane", "n_samples": 200},
        )
    )
    run.step(500)
    status = run.status
    assert (status.state, status.reason) == ("done", "diverged")
    assert f"at step {status.step}" in status.detail or "at step" in status.detail
    assert run.step(10) == 0  # a finished run trains no more


def test_a_loss_that_explodes_but_stays_finite_is_diverged() -> None:
    """lr 10 on plane reached a loss of 3.7e8 without inf, and the page showed the number:
    a loss beyond DIVERGED_FACTOR times the first one counts as diverged, and no metric
    point carries it."""
    run = Run(make_spec(data={"dataset": "plane", "n_samples": 200}))
    run.step(3)
    assert not run.done
    with torch.no_grad():
        run.model.output.linear.bias.fill_(1e5)  # a squared error of about 1e10: finite
    run.step(100)
    status = run.status
    assert (status.state, status.reason) == ("done", "diverged")
    assert "exploded" in status.detail and "at step 4" in status.detail
    assert all(m.val_loss < 1e4 and m.train_loss < 1e4 for m in run.history)
    assert run.observe("metrics")["metrics"]["val_loss"] is None  # never the huge number


def test_a_step_that_leaves_a_weight_nan_is_diverged_at_once() -> None:
    """The update after a finite loss may leave NaN weights: the same step(n) call ends the
    run, so no view sees them on a run still training."""
    run = Run(make_spec())
    run.step(2)
    with torch.no_grad():
        run.model.dense0.linear.weight.grad = None
        for group in run.optimizer.param_groups:
            group["lr"] = math.inf  # the next update turns the weights inf and NaN
    run.step(1)
    assert run.status.reason == "diverged" and "weights" in run.status.detail


def test_max_epochs_ends_the_run_and_can_be_raised() -> None:
    run = Run(make_spec(train={"max_epochs": 2, "batch_size": 50}))
    assert run.step(100) == 4
    assert (run.status.state, run.status.reason) == ("done", "max_epochs")
    run.set(max_epochs=3)
    assert run.step(100) == 2 and run.epoch == 3


def test_early_stopping_restores_the_best_weights() -> None:
    spec = make_spec(
        train={"lr": 5.0, "optimizer": "sgd", "batch_size": 100, "early_stopping": {"patience": 2}}
    )
    run = Run(spec)
    run.step(2000)
    status = run.status
    if status.reason == "diverged":
        pytest.fail("an lr that overshoots but stays finite was expected")
    assert status.reason == "early_stopped"
    best = min(m.val_loss for m in run.history)
    assert math.isclose(run.evaluate().val_loss, best, rel_tol=1e-6)
    assert run.best_epoch is not None and run.history[run.best_epoch - 1].val_loss == best


def test_schedule_changes_the_rate_per_epoch() -> None:
    run = Run(
        make_spec(
            train={
                "lr": 0.1,
                "lr_schedule": "step",
                "lr_gamma": 0.5,
                "lr_period": 2,
                "batch_size": 100,
            }
        )
    )
    rates = []
    for _ in range(6):
        rates.append(run.optimizer.param_groups[0]["lr"])
        run.step(1)
    assert rates == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]


def test_device_auto_is_cpu_without_a_gpu() -> None:
    run = Run(make_spec(), "auto")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert run.device.type == expected == run.x_train.device.type
    assert next(run.model.parameters()).device.type == expected


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_run_trains() -> None:
    run = Run(make_spec(), "cuda")
    run.step(50)
    assert run.evaluate().train_loss < Run(make_spec(), "cuda").evaluate().train_loss


def test_batch_norm_never_sees_a_lone_example() -> None:
    """101 train examples in batches of 10 would leave one alone at the epoch's end; it joins
    the last batch instead, so batch norm trains."""
    spec = make_spec(
        data={"dataset": "circle", "n_samples": 202},
        model={"layers": [{"type": "dense", "units": 4}, {"type": "batchnorm"}]},
    )
    run = Run(spec)
    assert len(run.x_train) % 10 == 1
    run.step(25)
    assert run.status.state == "paused" and run.epoch == 2


def test_a_failure_inside_torch_ends_the_run_readably() -> None:
    run = Run(make_spec(model={"layers": [{"type": "dense", "units": 4}, {"type": "batchnorm"}]}))
    with pytest.raises(ValueError, match="at least 2 examples"):
        run.set(batch_size=1)
    run.spec.train.batch_size = 1  # bypass set(), as a bug elsewhere might
    assert run.step(5) == 0
    status = run.status
    assert (status.state, status.reason) == ("done", "failed")
    assert "training failed at step 1" in status.detail
