"""Benchmark: seconds per epoch of the two image examples, bare and served, in one run.

Not a test. Run it with `python bench/images.py` (about two and a half minutes;
`--seconds 8` for steadier figures). For examples/digits-cnn.json and
examples/mnist-mlp.json, trained past their max_epochs so that every measurement trains for
as long as it asks:

- bare:    a plain PyTorch loop on the same model, data, batch size and optimizer
           (bench/engine.py's `bare_loop`), in this process, one torch thread;
- Run:     `Run.step`, the engine, in this process, one torch thread;
- service: a real `nnplayground serve` (bench/stream.py's `serve`; its workers use one
           thread each too) and the reference client, viewing at the page's 30 fps the
           views the page asks for images (`PAGE_VIEWS`), on val example 0. The rate is read
           from status events; frames are received but not decoded (a browser decodes them
           in its own process), and their mean size in bytes is reported. The service
           is also measured with no viewer ("no view"), which sets the views' cost apart.

The four alternate for `--rounds` rounds and the fastest of each is kept, so drift in the
machine's speed hits them all. ratio = bare s/epoch / service s/epoch (1.0: the service
trains as fast as the bare loop; engine.py's Run/bare ratio is printed beside it).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch
from engine import bare_loop
from engine import steps_per_second as loop_steps_per_second
from stream import free_port, serve
from stream import steps_per_second as served_steps_per_second

from app.client import connect
from app.spec import ExperimentSpec
from app.train import Run

EXAMPLES = Path(__file__).parents[1] / "examples"
PAGE_FPS = 30  # static/js/main.js VIEW_FPS
# What static/js/workspace.js `viewsFor` asks for image data, per example.
PAGE_VIEWS = {
    "digits-cnn": [
        "metrics", "feature_maps", "filters", "histograms", "activation_stats", "confusion",
        "probabilities", "example", "misclassified",
    ],
    "mnist-mlp": [
        "metrics", "histograms", "activation_stats", "confusion",
        "probabilities", "example", "misclassified",
    ],
}  # fmt: skip


def load(name: str) -> ExperimentSpec:
    """The example's spec with no epoch limit, so that no measurement runs out of epochs."""
    spec = ExperimentSpec.model_validate_json((EXAMPLES / f"{name}.json").read_text())
    return spec.model_copy(update={"train": spec.train.model_copy(update={"max_epochs": None})})


async def served(
    url: str, spec: ExperimentSpec, views: list[str], seconds: float
) -> tuple[float, list[int]]:
    """(steps/s, bytes of each frame) of the spec trained by the server while viewed."""
    sizes: list[int] = []
    async with await connect(url) as c:
        await c.start(spec.model_dump(mode="json"))
        if views:
            await c.view(views, fps=PAGE_FPS, sample=0)
        rate = await served_steps_per_second(c, seconds, sizes)
        await c.pause()  # a closed socket's run trains on for its resume grace otherwise
        await c.wait_for(lambda e: e["type"] == "status" and e["state"] == "paused")
    return rate, sizes


@dataclass
class Figures:
    steps_per_epoch: int
    bare: float  # steps/s, the best round
    run: float
    service: float
    unviewed: float  # the service with no viewer: what the views cost, apart
    frame_bytes: list[int]  # every frame the service sent while measured


def measure(url: str, name: str, seconds: float, rounds: int) -> Figures:
    spec = load(name)
    run, bare = Run(spec), bare_loop(Run(spec))
    chunk = 10
    rates: dict[str, list[float]] = {"bare": [], "run": [], "service": [], "unviewed": []}
    sizes: list[int] = []
    for _ in range(rounds):  # alternate, so drift in machine speed hits all three
        rates["bare"].append(loop_steps_per_second(bare, seconds, chunk))
        rates["run"].append(loop_steps_per_second(run.step, seconds, chunk))
        rate, frames = asyncio.run(served(url, spec, PAGE_VIEWS[name], seconds))
        rates["service"].append(rate)
        sizes += frames
        rates["unviewed"].append(asyncio.run(served(url, spec, [], seconds))[0])
    per_epoch = math.ceil(len(run.x_train) / spec.train.batch_size)
    best = {way: max(r) for way, r in rates.items()}
    return Figures(per_epoch, best["bare"], best["run"], best["service"], best["unviewed"], sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per case")
    args = parser.parse_args()
    torch.set_num_threads(1)  # as in a worker process (Settings.torch_threads)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    print(f"torch {torch.__version__}, cpu, 1 thread; service views at {PAGE_FPS} fps")
    print(
        f"{'case':<11} {'steps/ep':>8} {'bare s/ep':>9} {'Run s/ep':>8} {'service s/ep':>12}"
        f" {'no view':>8} {'Run/bare':>8} {'service/bare':>12} {'KB/frame':>8} {'frames/s':>8}"
    )
    with tempfile.TemporaryDirectory() as data_dir:
        server = serve(port, data_dir)
        try:
            for name in PAGE_VIEWS:
                f = measure(url, name, args.seconds, args.rounds)
                n = f.steps_per_epoch
                kb = statistics.mean(f.frame_bytes) / 1024 if f.frame_bytes else math.nan
                fps = len(f.frame_bytes) / (args.seconds * args.rounds)
                print(
                    f"{name:<11} {n:>8} {n / f.bare:>9.3f} {n / f.run:>8.3f}"
                    f" {n / f.service:>12.3f} {n / f.unviewed:>8.3f} {f.run / f.bare:>8.2f}"
                    f" {f.service / f.bare:>12.2f}"
                    f" {kb:>8.1f} {fps:>8.1f}"
                )
        finally:
            server.terminate()
            server.wait(20)


if __name__ == "__main__":
    main()
