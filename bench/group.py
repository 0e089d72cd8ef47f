"""Benchmark of training runs together (app/train/group): what one step of a group costs
per run against each run stepping alone, and where padding different nets to one shape
stops paying off. Not a test; prints tables. `python bench/group.py [--seconds 2]`

1. N copies of TensorFlow Playground's default net (circle, 4-2 tanh, batch 10) in one
   group, against one such run stepping alone in this process (Run.step): per-run epochs/s
   on one core, and the ratio.
2. A class that changed things: 50 varied 2-D nets (1-8 units, 1-6 layers, features and
   activations at random, as bench/class.py --mixed), all padded into one group, against
   groups by depth and groups by exact shape: rounds/s (a round steps every run once).
3. 50 default nets plus one wider or deeper net, in one padded group, against two groups
   (the default nets, and the odd one): rounds/s. Padding pays while one group beats two.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import time
from collections.abc import Callable, Hashable

import torch

from app.spec import ExperimentSpec
from app.train import Run
from app.train.group.group import RunGroup
from app.train.group.layout import DenseLayout, layout_of

STEPS_PER_EPOCH = 25  # the default net: 250 train points / batch 10
ACTIVATIONS = ["tanh", "relu", "sigmoid", "linear", "leaky_relu", "elu"]
FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]


def default(seed: int) -> Run:
    return Run(ExperimentSpec(seed=seed))


def odd(width: int, depth: int) -> Run:
    layers = [{"type": "dense", "units": width, "activation": "tanh"}] * depth
    return Run(ExperimentSpec.model_validate({"seed": 99, "model": {"layers": layers}}))


def varied(i: int) -> Run:
    pick = random.Random(i)
    layers = [
        {"type": "dense", "units": pick.randint(1, 8), "activation": pick.choice(ACTIVATIONS)}
        for _ in range(pick.randint(1, 6))
    ]
    features = pick.sample(FEATURES, pick.randint(1, len(FEATURES)))
    body = {"seed": i, "data": {"features": features}, "model": {"layers": layers}}
    return Run(ExperimentSpec.model_validate(body))


def group_of(runs: list[Run]) -> RunGroup:
    """One group of these runs, padded to the widest even across width classes (what the
    workers would not do: this measures whether they should)."""
    layouts = [layout_of(run) for run in runs]
    assert all(isinstance(layout, DenseLayout) for layout in layouts)
    key = layouts[0].key  # type: ignore[union-attr]
    return RunGroup(runs, [dataclasses.replace(lay, key=key) for lay in layouts])  # type: ignore[arg-type]


def steps_per_second(groups: list[RunGroup], seconds: float) -> float:
    """Group steps per second when each group takes a turn in round-robin (all their runs
    step each time): how a worker would step them."""
    for group in groups:
        group.train([None] * len(group.members), 0.1)  # warm
    steps, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        trained = [group.train([50] * len(group.members), 1.0)[0] for group in groups]
        steps += min(trained)
    return steps / (time.perf_counter() - started)


def alone_epochs_per_second(seconds: float) -> float:
    run = default(0)
    run.step(200)
    steps, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        steps += run.step(100)
    return steps / (time.perf_counter() - started) / STEPS_PER_EPOCH


def main(seconds: float) -> None:
    torch.set_num_threads(1)
    alone = alone_epochs_per_second(seconds)
    print(f"one default run alone (Run.step): {alone:.0f} epochs/s on one core\n")
    print("    N  group epochs/s per run  x alone  run-steps/s")
    for n in (1, 10, 30, 50, 100, 200):
        rate = steps_per_second([group_of([default(i) for i in range(n)])], seconds)
        per_run = rate / STEPS_PER_EPOCH
        print(f"{n:5d}  {per_run:22.1f}  {per_run / alone:7.2f}  {rate * n:11.0f}")
    print("\nA varied class of 50: rounds/s (every run one step)")
    runs = [varied(i) for i in range(50)]
    for name, by in (
        ("one padded group", lambda r: 0),
        ("a group per depth", lambda r: len(r.spec.model.layers)),
        ("a group per shape", lambda r: str(r.spec.model.layers) + str(r.spec.data.features)),
    ):
        print(f"  {name:18}  {steps_per_second(split(runs, by), seconds):8.0f}")
    print("\n50 default nets + one odd net: one padded group vs two groups (rounds/s)")
    print("  odd net   padded  two groups  padded/two")
    for width, depth in ((8, 6), (16, 2), (16, 6), (32, 2)):
        runs = [*(default(i) for i in range(50)), odd(width, depth)]
        padded = steps_per_second([group_of(runs)], seconds)
        two = steps_per_second(split(runs, lambda r, last=runs[-1]: r is last), seconds)
        print(f"  {depth}x{width:<4d} {padded:8.0f}  {two:10.0f}  {padded / two:10.2f}")


def split(runs: list[Run], by: Callable[[Run], Hashable]) -> list[RunGroup]:
    parts: dict[Hashable, list[Run]] = {}
    for run in runs:
        parts.setdefault(by(run), []).append(run)
    return [group_of(part) for part in parts.values()]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per measurement")
    main(parser.parse_args().seconds)
