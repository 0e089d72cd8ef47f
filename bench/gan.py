"""Benchmark: steps/s of the two GAN examples, bare and served, in one run.

Not a test. Run it with `python bench/gan.py` (about three minutes; `--seconds 8` for
steadier figures). For examples/gan-gaussians.json and examples/gan-digits.json, with no
step limit so that every measurement trains for as long as it asks:

- bare:    a plain PyTorch GAN loop (`bare_loop`): the same generator and discriminator
           (app/nn/gan.py, same seed), the same real tensor, batch size and Adam settings;
           per step one discriminator update on a real batch (index slice of a shuffled
           permutation) and a fake one, then one generator update through the frozen
           discriminator, non-saturating loss, latents from torch.rand/torch.randn; in
           this process, one torch thread. It keeps no metrics;
- GanRun:  `GanRun.step`, in this process, one torch thread;
- service: a real `nnplayground serve` (bench/stream.py's `serve`; its workers use one
           thread each too) and the reference client, viewing at the page's 30 fps what
           the GAN page asks (`PAGE_VIEWS`). The rate is read from status events; frames
           are received, not decoded, and their mean size is reported. The service is also
           measured with no viewer ("no view"), which sets the views' cost apart.

The four alternate for `--rounds` rounds and the fastest of each is kept, so drift in the
machine's speed hits them all. GanRun/bare and service/bare: 1.0 means as fast as the
bare loop.

Before the rounds, one digit run per worker waits for its first `gan_quality` frame: the
server trains the digit judge once per worker process then (about 3 s on an idle machine),
a stall that is not training speed.

Measured here on 2026-11-23 (torch 2.13.0+cpu, 1 thread, two cores shared with other
agents), steps/s, `python bench/gan.py`:

    case            bare  GanRun  service  no view  GanRun/bare  service/bare  KB/frame  frames/s
    gan-gaussians    912     852      721      760         0.93          0.79       8.8      30.1
    gan-digits       510     466      406      438         0.91          0.80       3.4      30.1

Measured here on 2026-11-23, the same, `python bench/gan.py --seconds 8`:

    gan-gaussians    934     858      739      801         0.92          0.79       8.8      30.1
    gan-digits       532     495      441      488         0.93          0.83       3.4      30.1

Measured here on 2026-12-06, after the 2-D example grew to three layers of 64, the same
`python bench/gan.py`, the machine busier (the absolute rates halved; read the ratios):

    gan-gaussians    451     457      380      433         1.01          0.84       8.8      30.1
    gan-digits       384     357      311      352         0.93          0.81       3.5      30.2
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from engine import steps_per_second as loop_steps_per_second
from stream import free_port, serve
from stream import steps_per_second as served_steps_per_second
from torch.nn import functional as F

from app.client import connect
from app.nn.gan import build_discriminator, build_generator
from app.spec import ExperimentSpec
from app.train import GanRun

EXAMPLES = Path(__file__).parents[1] / "examples"
PAGE_FPS = 30  # static/js/gan/main.js VIEW_FPS
# Latent grid lines (the page's MANIFOLD_GRID) and discriminator map cells (the page's
# HEAT_GRID is 80; 60 is the view's default).
VIEW_OPTIONS = {"grid": 20, "boundary_grid": 60}
# What static/js/gan/state.js `viewsFor` asks with every layer of the plane shown.
PAGE_VIEWS = {
    "gan-gaussians": [
        "metrics", "gan_samples", "gan_manifold", "gan_discriminator", "gan_gradients",
        "gan_quality",
    ],
    "gan-digits": ["metrics", "gan_images", "gan_interpolation", "gan_quality"],
}  # fmt: skip


def load(name: str) -> ExperimentSpec:
    """The example's spec with no step limit, so that no measurement runs out of steps."""
    spec = ExperimentSpec.model_validate_json((EXAMPLES / f"{name}.json").read_text())
    assert spec.gan is not None
    return spec.model_copy(update={"gan": spec.gan.model_copy(update={"max_steps": None})})


def bare_loop(run: GanRun) -> Callable[[int], None]:
    """A plain loop on the run's spec and real tensor (fresh networks, same seed): per step
    one discriminator update, then one generator update, non-saturating loss."""
    gan, real = run.gan, run.real
    assert gan.d_steps == 1 and gan.loss == "non_saturating" and gan.train_only == "both"
    torch.manual_seed(run.spec.seed)
    g, _ = build_generator(gan, run.data.shape)
    d, _ = build_discriminator(gan, run.data.shape)
    g_opt, d_opt = (
        torch.optim.Adam(net.parameters(), lr=side.lr, betas=(side.beta1, side.beta2))
        for net, side in ((g, gan.generator), (d, gan.discriminator))
    )
    batch = gan.batch_size
    latent: Callable[[], torch.Tensor] = (
        (lambda: torch.randn(batch, gan.latent_size))
        if gan.latent == "normal"
        else (lambda: torch.rand(batch, gan.latent_size) * 2 - 1)
    )
    state = {"order": torch.randperm(len(real)), "pos": 0}

    def steps(n: int) -> None:
        for _ in range(n):
            if state["pos"] + batch > len(real):
                state["order"], state["pos"] = torch.randperm(len(real)), 0
            x = real[state["order"][state["pos"] : state["pos"] + batch]]  # (B, *sample)
            state["pos"] += batch
            d_opt.zero_grad(set_to_none=True)
            with torch.no_grad():
                fake = g(latent())
            d_loss = F.softplus(-d(x)).mean() + F.softplus(d(fake)).mean()
            d_loss.backward()
            d_opt.step()
            g_opt.zero_grad(set_to_none=True)
            d.requires_grad_(False)  # gradients flow through D to G; D's are not needed
            g_loss = F.softplus(-d(g(latent()))).mean()
            g_loss.backward()
            d.requires_grad_(True)
            g_opt.step()

    return steps


async def served(
    url: str, spec: ExperimentSpec, views: list[str], seconds: float
) -> tuple[float, list[int]]:
    """(steps/s, bytes of each frame) of the spec trained by the server while viewed."""
    sizes: list[int] = []
    async with await connect(url) as c:
        await c.start(spec.model_dump(mode="json"))
        if views:
            await c.view(views, fps=PAGE_FPS, **VIEW_OPTIONS)
        rate = await served_steps_per_second(c, seconds, sizes)
        await c.pause()  # a closed socket's run trains on for its resume grace otherwise
        await c.wait_for(lambda e: e["type"] == "status" and e["state"] == "paused")
    return rate, sizes


async def warm_up(url: str, sessions: int) -> float:
    """Seconds until each of `sessions` concurrent digit runs (one per worker: the pool
    gives a new run to the least busy) sends its first frame with `gan_quality`. The
    server trains the digit judge once per worker process on that first frame, stalling
    the run; this keeps that stall out of the rounds."""
    spec = load("gan-digits").model_dump(mode="json")
    clients = [await connect(url) for _ in range(sessions)]
    started = time.monotonic()
    try:
        for c in clients:
            await c.start(spec)
            await c.view(["gan_quality"], fps=PAGE_FPS)
        for c in clients:
            await c.wait_for(lambda e: e["type"] == "frame", 120)
            await c.pause()
        return time.monotonic() - started
    finally:
        for c in clients:
            await c.close()


@dataclass
class Figures:
    bare: float  # steps/s, the best round
    run: float
    service: float
    unviewed: float  # the service with no viewer: what the views cost, apart
    frame_bytes: list[int]  # every frame the service sent while measured


def measure(url: str, name: str, seconds: float, rounds: int) -> Figures:
    spec = load(name)
    run = GanRun(spec)
    bare = bare_loop(GanRun(spec))
    chunk = 10
    rates: dict[str, list[float]] = {"bare": [], "run": [], "service": [], "unviewed": []}
    sizes: list[int] = []
    for _ in range(rounds):  # alternate, so drift in machine speed hits all four
        rates["bare"].append(loop_steps_per_second(bare, seconds, chunk))
        rates["run"].append(loop_steps_per_second(run.step, seconds, chunk))
        rate, frames = asyncio.run(served(url, spec, PAGE_VIEWS[name], seconds))
        rates["service"].append(rate)
        sizes += frames
        rates["unviewed"].append(asyncio.run(served(url, spec, [], seconds))[0])
    best = {way: max(r) for way, r in rates.items()}
    return Figures(best["bare"], best["run"], best["service"], best["unviewed"], sizes)


def row(name: str, f: Figures, seconds: float) -> str:
    kb = statistics.mean(f.frame_bytes) / 1024 if f.frame_bytes else math.nan
    fps = len(f.frame_bytes) / seconds
    return (
        f"{name:<13} {f.bare:>6.0f} {f.run:>7.0f} {f.service:>8.0f} {f.unviewed:>8.0f}"
        f" {f.run / f.bare:>12.2f} {f.service / f.bare:>13.2f} {kb:>9.1f} {fps:>9.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per case")
    args = parser.parse_args()
    torch.set_num_threads(1)  # as in a worker process (Settings.torch_threads)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as data_dir:
        server = serve(port, data_dir)
        try:
            warm = asyncio.run(warm_up(url, os.cpu_count() or 1))
            print(f"torch {torch.__version__}, cpu, 1 thread; service views at {PAGE_FPS} fps")
            print(f"warm-up: first digit frames with gan_quality after {warm:.1f} s")
            print(
                f"{'case':<13} {'bare':>6} {'GanRun':>7} {'service':>8} {'no view':>8}"
                f" {'GanRun/bare':>12} {'service/bare':>13} {'KB/frame':>9} {'frames/s':>9}"
            )
            for name in PAGE_VIEWS:
                f = measure(url, name, args.seconds, args.rounds)
                print(row(name, f, args.seconds * args.rounds))
        finally:
            server.terminate()
            server.wait(20)


if __name__ == "__main__":
    main()
