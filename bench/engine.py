"""Benchmark: steps/s of `Run.step` against a bare PyTorch loop doing the same math.

Not a test. Run it with `python bench/engine.py` (add `--seconds 5` for steadier figures).
Each case trains the same architecture on the same tensors with the same batch size; the
bare loop also measures train and val loss and accuracy every epoch, as Run does, so the
ratio shows what the Run's bookkeeping costs. Target: ratio >= 0.9.
"""

from __future__ import annotations

import argparse
import copy
import math
import time
from collections.abc import Callable

import torch
from torch.nn import functional as F

from app.spec import ExperimentSpec
from app.train import Run
from app.train.run import TRAIN_EVAL_CAP

CASES: dict[str, dict] = {
    # TensorFlow Playground's default: circle, x1 x2, 4-2 tanh, batch 10, lr 0.03, 500 points.
    "tfp-default": {
        "data": {"dataset": "circle", "n_samples": 500, "val_fraction": 0.5},
        "model": {
            "layers": [
                {"type": "dense", "units": 4, "activation": "tanh"},
                {"type": "dense", "units": 2, "activation": "tanh"},
            ]
        },
        "train": {"optimizer": "sgd", "lr": 0.03, "batch_size": 10},
    },
    # Its largest net: 6 hidden layers of 8.
    "tfp-max": {
        "data": {"dataset": "circle", "n_samples": 500, "val_fraction": 0.5},
        "model": {"layers": [{"type": "dense", "units": 8, "activation": "tanh"}] * 6},
        "train": {"optimizer": "sgd", "lr": 0.03, "batch_size": 10},
    },
    "digits-cnn": {
        "data": {"dataset": "digits"},
        "model": {
            "layers": [
                {"type": "conv2d", "filters": 8},
                {"type": "maxpool2d"},
                {"type": "conv2d", "filters": 16},
                {"type": "maxpool2d"},
                {"type": "dense", "units": 32},
            ]
        },
        "train": {"optimizer": "adam", "lr": 0.003, "batch_size": 32},
    },
}


def bare_loop(run: Run) -> Callable[[int], None]:
    """A plain loop on a copy of the run's initial model and its data: shuffle each epoch,
    forward, loss, backward, step; at each epoch end, loss and accuracy on train and val."""
    model = copy.deepcopy(run.model)
    opt = (
        torch.optim.SGD(model.parameters(), lr=run.spec.train.lr)
        if run.spec.train.optimizer == "sgd"
        else torch.optim.Adam(model.parameters(), lr=run.spec.train.lr)
    )
    x, y, xv, yv = run.x_train, run.y_train, run.x_val, run.y_val
    binary = run.task == "binary"
    loss_fn: Callable = (
        (lambda o, t: F.binary_cross_entropy_with_logits(o[:, 0], t.float()))
        if binary
        else F.cross_entropy
    )
    batch = run.spec.train.batch_size
    gen = torch.Generator().manual_seed(0)
    state = {"order": torch.randperm(len(x), generator=gen), "pos": 0}

    def evaluate(xs: torch.Tensor, ys: torch.Tensor) -> tuple[float, float]:
        out = model(xs)
        hits = (out[:, 0] > 0).long() == ys if binary else out.argmax(1) == ys
        return float(loss_fn(out, ys)), float(hits.float().mean())

    def steps(n: int) -> None:
        model.train()
        for _ in range(n):
            idx = state["order"][state["pos"] : state["pos"] + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            state["pos"] += len(idx)
            if state["pos"] >= len(x):
                state["order"], state["pos"] = torch.randperm(len(x), generator=gen), 0
                model.eval()
                with torch.no_grad():  # Run measures at most TRAIN_EVAL_CAP train examples
                    evaluate(x[:TRAIN_EVAL_CAP], y[:TRAIN_EVAL_CAP])
                    evaluate(xv, yv)
                model.train()

    return steps


def steps_per_second(step: Callable[[int], None], seconds: float, chunk: int) -> float:
    step(chunk)  # warm-up
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step(chunk)
        done += chunk
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per case")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(1)  # as in a worker process; also steadier figures
    print(f"torch {torch.__version__}, device {args.device}, 1 thread")
    print(f"{'case':<12} {'Run.step/s':>11} {'bare/s':>9} {'ratio':>6} {'epochs/s':>9}")
    for name, raw in CASES.items():
        spec = ExperimentSpec.model_validate(raw)
        run = Run(spec, args.device)
        bare = bare_loop(Run(spec, args.device))
        chunk = 25
        ours, theirs = [], []
        for _ in range(args.rounds):  # alternate, so drift in machine speed hits both
            ours.append(steps_per_second(run.step, args.seconds, chunk))
            theirs.append(steps_per_second(bare, args.seconds, chunk))
        a, b = max(ours), max(theirs)
        per_epoch = math.ceil(len(run.x_train) / spec.train.batch_size)
        print(f"{name:<12} {a:>11.0f} {b:>9.0f} {a / b:>6.2f} {a / per_epoch:>9.1f}")


if __name__ == "__main__":
    main()
