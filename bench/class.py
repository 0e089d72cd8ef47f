"""Benchmark of a whole class on one box (issue 15): a real `nnplayground serve` subprocess
with two workers and N simulated students on loopback, each on its own socket and its own
loopback address (127.0.1.x, as a class has one address a laptop), each training
TensorFlow Playground's default net (circle, 4-2 tanh, batch 10, lr 0.03, x1 x2) and
watching every view the page asks for a 2-D run at 10 fps. Not a test; prints a table.

    python bench/class.py                 # N = 10 30 100, one server for all levels
    python bench/class.py 10 30 --window 10 --json out.json
    python bench/class.py --fresh         # a new server for every level
    python bench/class.py 100 --mixed     # 80 varied 2-D nets, 10 digits CNNs, 10 LSTMs

`--mixed` makes a class of students who changed things: of every ten, eight train the 2-D
playground with their own neurons (1-8), layers (1-6), features and activations, watching
the same views; one a digits CNN (examples/digits-cnn.json, without its epoch limit)
watching its feature maps; one a sine LSTM (examples/sine-lstm.json) watching its hidden
states. The table then adds a line per kind of student.

For each N, after a warm-up, over a window:
- epochs/s per session (min, median): the step count of each session's status events at
  the window's ends, over the time between their arrivals, / the steps of its epoch;
- frames/s per session (median): binary frames received (counted, not decoded: a browser
  decodes them on its own cores);
- predict RTT p95 (ms): each student sends a `predict` of one point once a second and
  times its `prediction` answer: a client message through the web process, the pipe and
  the worker's loop (answered between two steps) and back; what a click waits for;
- GET /healthz p95 (ms), probed every 100 ms from one more client;
- the server's CPU (% of one core, the process and its children, from /proc; in brackets
  the web process alone) and its RSS (MiB, summed over the same processes, the highest
  sample).

Between levels the students' sockets close and the bench waits until the server's CPU falls
quiet: the closed sessions' runs pause when their socket closes (docs/protocol.md), so the
next level does not share the CPU with the previous one's leftovers. The client itself runs
on the same cores as the server: at 100 students it takes a share of them too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))  # bench/stream.py, when loaded by path
from stream import free_port, serve  # noqa: E402

from app.client import Client, connect  # noqa: E402
from app.data import build_dataset
from app.spec import ExperimentSpec
from app.train.group.group import epoch_batches

DEFAULT = ExperimentSpec().model_dump()  # circle, 4-2 tanh, batch 10, lr 0.03, 500 points
EXAMPLES = Path(__file__).parents[1] / "examples"
ACTIVATIONS = ["tanh", "relu", "sigmoid", "linear", "leaky_relu", "elu"]
FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
# What the playground page asks for a 2-D run (static/js/workspace.js POINT_VIEWS).
POINT_VIEWS = ["metrics", "neurons", "boundary", "weights", "histograms", "activation_stats"]
VIEW: dict[str, Any] = {
    "views": POINT_VIEWS,
    "fps": 10,
    "grid": 10,
    "boundary_grid": 100,
}
VIEWS_OF = {  # what each kind of student watches
    "default": VIEW,
    "varied": VIEW,
    "cnn": VIEW | {"views": ["example", "feature_maps", "probabilities"]},
    "lstm": VIEW | {"views": ["example", "hidden_states"]},
}
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") / 1024
QUIET_CPU = 20.0  # % of one core: a server whose runs are all paused idles below this


# --- pure helpers (tests/web/test_bench_class.py) ---


def class_of(n: int, mixed: bool) -> list[tuple[str, dict[str, Any]]]:
    """Each student's kind and spec: all TensorFlow Playground's default net, or a mixed
    class (see the module's doc), the same for the same n."""
    if not mixed:
        return [("default", DEFAULT)] * n
    cnn = json.loads((EXAMPLES / "digits-cnn.json").read_text())
    cnn["train"]["max_epochs"] = None
    lstm = json.loads((EXAMPLES / "sine-lstm.json").read_text())
    students = []
    for i in range(n):
        if i % 10 == 8:
            students.append(("cnn", ExperimentSpec.model_validate(cnn).model_dump()))
        elif i % 10 == 9:
            students.append(("lstm", ExperimentSpec.model_validate(lstm).model_dump()))
        else:
            pick = random.Random(i)
            layers = [
                {
                    "type": "dense",
                    "units": pick.randint(1, 8),
                    "activation": pick.choice(ACTIVATIONS),
                }
                for _ in range(pick.randint(1, 6))
            ]
            features = pick.sample(FEATURES, pick.randint(1, len(FEATURES)))
            varied = {"seed": i, "data": {"features": features}, "model": {"layers": layers}}
            students.append(("varied", ExperimentSpec.model_validate(varied).model_dump()))
    return students


def steps_per_epoch(spec: dict[str, Any]) -> int:
    """Training steps in one epoch of this spec (Run's batches, last one merged)."""
    data = build_dataset(ExperimentSpec.model_validate(spec).data, spec["seed"])
    return len(epoch_batches(len(data.x_train), spec["train"]["batch_size"], 0)[0])


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    at = (len(ordered) - 1) * q / 100
    low = int(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def rate_in_window(samples: Sequence[tuple[float, int]], start: float, end: float) -> float:
    """Steps per second from (arrival time, step) samples: between the first sample at or
    after `start` and the last at or before `end`; 0 with fewer than two there."""
    inside = [(t, s) for t, s in samples if start <= t <= end]
    if len(inside) < 2 or inside[-1][0] <= inside[0][0]:
        return 0.0
    return (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])


def cpu_percent(ticks_before: int, ticks_after: int, seconds: float) -> float:
    """CPU use in % of one core from two clock-tick totals `seconds` apart."""
    return 100.0 * (ticks_after - ticks_before) / CLK_TCK / seconds if seconds > 0 else 0.0


# --- the server and its processes ---


def process_tree(root: int) -> list[int]:
    """`root` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # it ended meanwhile
        children.setdefault(parent, []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def process_ticks(pid: int) -> int:
    """utime + stime clock ticks of one process (fields 14 and 15 of /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def tree_usage(root: int) -> tuple[int, float]:
    """(utime + stime clock ticks, RSS in MiB) summed over `root`'s process tree."""
    ticks, rss_kib = 0, 0.0
    for pid in process_tree(root):
        try:
            ticks += process_ticks(pid)
            with open(f"/proc/{pid}/statm") as f:
                rss_kib += int(f.read().split()[1]) * PAGE_KIB
        except (OSError, IndexError, ValueError):
            continue  # it ended meanwhile
    return ticks, rss_kib / 1024


async def wait_quiet(pid: int, limit_s: float) -> float:
    """Seconds until the server's CPU over half a second falls below QUIET_CPU (at most
    `limit_s`, then raises: the previous level's runs still train)."""
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        before, t0 = tree_usage(pid)[0], time.monotonic()
        await asyncio.sleep(0.5)
        if cpu_percent(before, tree_usage(pid)[0], time.monotonic() - t0) < QUIET_CPU:
            return time.monotonic() - started
    raise RuntimeError(f"the server's CPU stayed above {QUIET_CPU:g}% for {limit_s:g} s")


# --- students ---


@dataclass
class Student:
    client: Client
    kind: str = "default"
    spec: dict[str, Any] = field(default_factory=lambda: DEFAULT)
    steps_per_epoch: int = 25
    statuses: list[tuple[float, int]] = field(default_factory=list)  # (arrival, step)
    frames: list[float] = field(default_factory=list)  # arrival times
    asked: dict[int, float] = field(default_factory=dict)  # predict id -> sent at
    rtts: list[tuple[float, float]] = field(default_factory=list)  # (answered at, seconds)
    running: asyncio.Event = field(default_factory=asyncio.Event)


async def read(student: Student) -> None:
    """Records what arrives until the socket closes."""
    async for message in student.client.connection:
        now = time.monotonic()
        if isinstance(message, bytes):
            student.frames.append(now)
            continue
        event = json.loads(message)
        if event["type"] == "status":
            student.statuses.append((now, event["step"]))
            if event["state"] == "running":
                student.running.set()
        elif event["type"] == "prediction" and event.get("id") in student.asked:
            student.rtts.append((now, now - student.asked.pop(event["id"])))


async def ping(student: Student, until: float) -> None:
    """A `predict` of one point once a second until `until`."""
    number = 0
    while time.monotonic() < until:
        number += 1
        student.asked[number] = time.monotonic()
        await student.client.predict([[0.5, -0.5]], id=number)
        await asyncio.sleep(1.0)


async def probe_health(url: str, until: float) -> list[float]:
    latencies: list[float] = []
    async with httpx.AsyncClient(timeout=10) as http:
        while time.monotonic() < until:
            sent = time.perf_counter()
            await http.get(url + "/healthz")
            latencies.append((time.perf_counter() - sent) * 1000)
            await asyncio.sleep(0.1)
    return latencies


@dataclass
class Level:
    students: int
    epochs_min: float
    epochs_median: float
    frames_per_s: float
    predict_p95_ms: float
    healthz_p95_ms: float
    cpu_percent: float  # the server's process and its workers
    web_cpu_percent: float  # the web process alone
    rss_mib: float
    load_before: float
    load_after: float
    settled_s: float
    kinds: dict[str, tuple[float, float]] = field(default_factory=dict)  # kind -> (min, median)


async def sample_rss(pid: int, until: float) -> float:
    peak = 0.0
    while time.monotonic() < until:
        peak = max(peak, tree_usage(pid)[1])
        await asyncio.sleep(1.0)
    return peak


async def measure(
    url: str, pid: int, n: int, warmup: float, window: float, mixed: bool = False
) -> Level:
    load_before = os.getloadavg()[0]
    kinds = class_of(n, mixed)
    epoch_steps = {json.dumps(spec): steps_per_epoch(spec) for _, spec in kinds}
    students = [
        Student(
            await connect(url, local_addr=(f"127.0.1.{i + 1}", 0)),
            kind,
            spec,
            epoch_steps[json.dumps(spec)],
        )
        for i, (kind, spec) in enumerate(kinds)
    ]
    readers = [asyncio.create_task(read(s)) for s in students]
    try:
        for s in students:
            await s.client.start(s.spec)
            await s.client.view(**VIEWS_OF[s.kind])
        await asyncio.wait_for(asyncio.gather(*(s.running.wait() for s in students)), 120)
        await asyncio.sleep(warmup)  # the warm-up: rates settle before the window opens
        start = time.monotonic()
        end = start + window
        ticks_before, web_before = tree_usage(pid)[0], process_ticks(pid)
        health = asyncio.create_task(probe_health(url, end))
        peak_rss = asyncio.create_task(sample_rss(pid, end))
        await asyncio.gather(*(ping(s, end) for s in students))
        healthz, rss = await health, await peak_rss
        took = time.monotonic() - start
        cpu = cpu_percent(ticks_before, tree_usage(pid)[0], took)
        web_cpu = cpu_percent(web_before, process_ticks(pid), took)
    finally:
        for s in students:
            await s.client.close()
        await asyncio.gather(*readers, return_exceptions=True)
    epochs = [rate_in_window(s.statuses, start, end) / s.steps_per_epoch for s in students]
    by_kind: dict[str, list[float]] = {}
    for s, rate in zip(students, epochs, strict=True):
        by_kind.setdefault(s.kind, []).append(rate)
    frames = [sum(start <= t <= end for t in s.frames) / window for s in students]
    rtts = [rtt * 1000 for s in students for t, rtt in s.rtts if start <= t <= end]
    settled = await wait_quiet(pid, 60)
    return Level(
        n,
        min(epochs),
        statistics.median(epochs),
        statistics.median(frames),
        percentile(rtts, 95),
        percentile(healthz, 95),
        cpu,
        web_cpu,
        rss,
        load_before,
        os.getloadavg()[0],
        settled,
        {k: (min(v), statistics.median(v)) for k, v in by_kind.items()} if mixed else {},
    )


def table(levels: list[Level]) -> str:
    head = (
        "    N  epochs/s min  median  frames/s  predict p95 ms  healthz p95 ms"
        "  CPU % (web)  RSS MiB  load 1m  settled s"
    )
    rows = [
        f"{v.students:5d}  {v.epochs_min:12.1f}  {v.epochs_median:6.1f}  {v.frames_per_s:8.1f}"
        f"  {v.predict_p95_ms:14.0f}  {v.healthz_p95_ms:14.1f}"
        f"  {v.cpu_percent:5.0f} ({v.web_cpu_percent:3.0f})  {v.rss_mib:7.0f}"
        f"  {v.load_before:4.1f}-{v.load_after:<4.1f}  {v.settled_s:9.1f}"
        for v in levels
    ]
    for v in levels:
        rows += [
            f"      {kind:>8}: {low:6.1f}  {median:6.1f}" for kind, (low, median) in v.kinds.items()
        ]
    return "\n".join([head, *rows])


async def main(
    counts: list[int], warmup: float, window: float, fresh: bool, mixed: bool = False
) -> list[Level]:
    levels: list[Level] = []
    with tempfile.TemporaryDirectory() as data_dir:
        server: subprocess.Popen[bytes] | None = None
        try:
            for n in counts:
                if server is None or fresh:
                    if server is not None:
                        server.terminate()
                        server.wait(20)
                    port = free_port()
                    # Room for a level beside the previous level's runs, paused for their
                    # resume grace.
                    server = serve(port, data_dir, NNP_WORKERS="2", NNP_MAX_RUNS="600")
                url = f"http://127.0.0.1:{port}"
                levels.append(await measure(url, server.pid, n, warmup, window, mixed))
                lines = table(levels).splitlines()
                print("\n".join(lines if len(levels) == 1 else lines[-1:]), flush=True)
        finally:
            if server is not None:
                server.terminate()
                server.wait(20)
    return levels


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("counts", nargs="*", type=int, default=[10, 30, 100])
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before the window")
    parser.add_argument("--window", type=float, default=15.0, help="seconds measured")
    parser.add_argument("--fresh", action="store_true", help="a new server for every level")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--mixed", action="store_true", help="a class that changed things")
    args = parser.parse_args()
    if any(not 1 <= n <= 250 for n in args.counts):
        parser.error("each N must be 1 to 250 (one loopback address each, 127.0.1.1-250)")
    result = asyncio.run(main(args.counts, args.warmup, args.window, args.fresh, args.mixed))
    if args.json:
        with open(args.json, "w") as f:
            json.dump([asdict(v) for v in result], f, indent=1)
