"""Benchmark of the Redis set-up (issue 20) on one box: a redis-server, 2 web replicas
(`serve --redis`) and 4 worker hosts (`worker --redis`, one worker process each) as
loopback processes, N simulated students spread over the replicas, each on its own socket
and loopback address, training TensorFlow Playground's default net and watching the 2-D
views at 10 fps (as bench/class.py simulates them). Then the same class against one
`serve` process with 2 workers, the single-process server. Not a test.

    python bench/cluster.py                  # N = 200 500
    python bench/cluster.py 50 --window 10 --json out.json
    python bench/cluster.py 500 --setups single

For each N, after a warm-up, over a window:
- epochs/s per session (min, median), from the status events' steps;
- frame latency p50/p99 (ms) from Redis to the client, for a sample of 20 sessions: the
  bench reads those runs' frame streams as a replica would; a frame's stream id is Redis's
  clock (ms) when its host published it; its arrival on the socket is matched by content;
- Redis CPU (% of one core) and memory (used_memory, the highest sample, MiB);
- the replicas' CPU (both, % of one core) and the hosts' (with their workers); for the
  single process, its web process and its workers (no Redis, no frame latency).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import redis.asyncio as aredis

sys.path.insert(0, str(Path(__file__).parent))
from stream import free_port, serve  # noqa: E402

from app.client import connect  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_class", Path(__file__).with_name("class.py"))
assert _spec is not None and _spec.loader is not None
bench_class = importlib.util.module_from_spec(_spec)
sys.modules["bench_class"] = bench_class  # its dataclasses look their module up
_spec.loader.exec_module(bench_class)

HOSTS, REPLICAS, SAMPLED = 4, 2, 20


@dataclass
class Figures:
    setup: str
    students: int
    epochs_min: float
    epochs_median: float
    frame_p50_ms: float
    frame_p99_ms: float
    redis_cpu: float
    redis_mib: float
    replicas_cpu: float
    hosts_cpu: float
    load_before: float
    load_after: float


def start_cluster(folder: str, n: int) -> tuple[list[subprocess.Popen[bytes]], int, list[str]]:
    """redis-server, the hosts, the replicas; their processes (redis first), Redis's port
    and the replicas' URLs."""
    port = free_port()
    redis_server = subprocess.Popen(
        [str(shutil.which("redis-server")), "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", folder],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    env = os.environ | {
        "NNP_DATA_DIR": folder,
        "NNP_WORKERS": "1",
        "NNP_WS_SOCKETS_PER_IP": "1000",
        "NNP_WS_SOCKETS_TOTAL": "2000",
        "NNP_WS_RUNS_PER_IP": "1000",
        "NNP_MAX_RUNS": "2000",
    }
    slots = str(n // HOSTS + 10)
    processes = [redis_server]
    for _ in range(HOSTS):
        command = ["worker", "--redis", url, "--slots", slots]
        processes.append(_spawn(command, env))
    urls = []
    for _ in range(REPLICAS):
        web = free_port()
        processes.append(_spawn(["serve", "--redis", url, "--port", str(web)], env))
        urls.append(f"http://127.0.0.1:{web}")
    return processes, port, urls


def _spawn(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def wait_cluster(port: int, urls: list[str]) -> None:
    store = aredis.Redis(port=port)
    deadline = time.monotonic() + 180
    async with httpx.AsyncClient() as http:
        while True:
            try:
                hosts = await store.scard("nnp:hosts")
                healthy = [(await http.get(u + "/healthz")).status_code == 200 for u in urls]
                if hosts == HOSTS and all(healthy):
                    break
            except (OSError, httpx.TransportError, aredis.ConnectionError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the cluster did not start")
            await asyncio.sleep(0.2)
    await store.aclose()


async def follow_frames(store: Any, runs: list[str], until: float) -> dict[bytes, float]:
    """Frame content digest -> Redis time of publishing (s), for `runs`' frame streams."""
    published: dict[bytes, float] = {}
    last: dict[Any, Any] = {f"nnp:run:{r}:frames": "$" for r in runs}
    while time.monotonic() < until:
        for stream, entries in await store.xread(last, block=200) or []:
            for entry_id, fields in entries:
                last[stream.decode()] = entry_id
                published[hashlib.blake2b(fields[b"frame"]).digest()] = (
                    int(entry_id.split(b"-")[0]) / 1000
                )
    return published


async def measure_cluster(n: int, warmup: float, window: float) -> Figures:
    with tempfile.TemporaryDirectory() as folder:
        processes, port, urls = start_cluster(folder, n)
        try:
            await wait_cluster(port, urls)

            def usage() -> list[int]:  # Redis, the replicas, the hosts with their workers
                ticks = [bench_class.tree_usage(p.pid)[0] for p in processes]
                return [ticks[0], sum(ticks[1 + HOSTS :]), sum(ticks[1 : 1 + HOSTS])]

            return await _measure("cluster", n, urls, port, usage, warmup, window)
        finally:
            for process in reversed(processes):
                process.terminate()
            for process in processes:
                process.wait(30)


async def measure_single(n: int, warmup: float, window: float) -> Figures:
    """The same class against one `serve` process with 2 workers, as bench/class.py runs it."""
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        server = serve(port, folder, NNP_WORKERS="2", NNP_MAX_RUNS="2000",
                       NNP_WS_SOCKETS_TOTAL="2000")  # fmt: skip
        try:

            def usage() -> list[int]:  # no Redis; the web process; its workers
                web, tree = (
                    bench_class.process_ticks(server.pid),
                    bench_class.tree_usage(server.pid),
                )
                return [0, web, tree[0] - web]

            return await _measure(
                "single", n, [f"http://127.0.0.1:{port}"], None, usage, warmup, window
            )
        finally:
            server.terminate()
            server.wait(30)


async def _measure(
    setup: str, n: int, urls: list[str], port: int | None, usage: Callable[[], list[int]],
    warmup: float, window: float,
) -> Figures:  # fmt: skip
    load_before = os.getloadavg()[0]
    spe = bench_class.steps_per_epoch(bench_class.DEFAULT)
    arrivals: list[list[tuple[float, bytes]]] = [[] for _ in range(n)]
    statuses: list[list[tuple[float, int]]] = [[] for _ in range(n)]
    runs: list[str] = [""] * n
    running = [asyncio.Event() for _ in range(n)]
    clients = [
        await connect(urls[i % len(urls)], local_addr=(f"127.0.{1 + i // 250}.{1 + i % 250}", 0))
        for i in range(n)
    ]

    async def read(i: int) -> None:
        async for message in clients[i].connection:
            now = time.time()
            if isinstance(message, bytes):
                if i < SAMPLED:
                    arrivals[i].append((now, hashlib.blake2b(message).digest()))
                continue
            event = json.loads(message)
            if event["type"] == "status":
                statuses[i].append((time.monotonic(), event["step"]))
                runs[i] = event["run"]
                if event["state"] == "running":
                    running[i].set()

    readers = [asyncio.create_task(read(i)) for i in range(n)]
    store = aredis.Redis(port=port) if port is not None else None
    try:
        for c in clients:
            await c.start(bench_class.DEFAULT)
            await c.view(**bench_class.VIEW)
        # Every run trains before the warm-up starts (the single server's workers may
        # still be importing torch when it first answers).
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in running)), 300)
        await asyncio.sleep(warmup)
        start = time.monotonic()
        end = start + window
        frames = asyncio.create_task(follow_frames(store, runs[:SAMPLED], end)) if store else None
        ticks = usage()
        peak = float("nan")
        while time.monotonic() < end:
            if store is not None:
                memory = (await store.info("memory"))["used_memory"] / 2**20
                peak = memory if peak != peak else max(peak, memory)
            await asyncio.sleep(0.5)
        published = await frames if frames is not None else {}
        after = usage()
        took = time.monotonic() - start
    finally:
        for c in clients:
            await c.close()
        await asyncio.gather(*readers, return_exceptions=True)
        if store is not None:
            await store.aclose()
    cpu = [bench_class.cpu_percent(b, a, took) for b, a in zip(ticks, after, strict=True)]
    epochs = [bench_class.rate_in_window(s, start, end) / spe for s in statuses]
    latencies = [
        (t - published[digest]) * 1000
        for sample in arrivals
        for t, digest in sample
        if digest in published
    ]
    return Figures(
        setup, n, min(epochs), statistics.median(epochs),
        bench_class.percentile(latencies, 50), bench_class.percentile(latencies, 99),
        cpu[0] if store is not None else float("nan"), peak, cpu[1], cpu[2],
        load_before, os.getloadavg()[0],
    )  # fmt: skip


def table(rows: list[Figures]) -> str:
    head = (
        "setup      N  epochs/s min  median  frame p50 ms  p99 ms  redis CPU %  MiB"
        "  replicas CPU %  hosts CPU %  load 1m"
    )
    lines = [
        f"{f.setup:7} {f.students:4d}  {f.epochs_min:12.2f}  {f.epochs_median:6.2f}"
        f"  {f.frame_p50_ms:12.1f}  {f.frame_p99_ms:6.1f}  {f.redis_cpu:11.0f}  {f.redis_mib:4.0f}"
        f"  {f.replicas_cpu:14.0f}  {f.hosts_cpu:11.0f}  {f.load_before:4.1f}-{f.load_after:<4.1f}"
        for f in rows
    ]
    return "\n".join([head, *lines])


async def main(counts: list[int], warmup: float, window: float, setups: list[str]) -> list[Figures]:
    measures = {"cluster": measure_cluster, "single": measure_single}
    rows: list[Figures] = []
    for n in counts:
        for setup in setups:
            rows.append(await measures[setup](n, warmup, window))
            print(table(rows) if len(rows) == 1 else table(rows).splitlines()[-1], flush=True)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("counts", nargs="*", type=int, default=[200, 500])
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--window", type=float, default=15.0)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--setups", nargs="+", default=["cluster", "single"], choices=["cluster", "single"]
    )
    args = parser.parse_args()
    figures = asyncio.run(main(args.counts, args.warmup, args.window, args.setups))
    if args.json:
        args.json.write_text(json.dumps([asdict(f) for f in figures], indent=2))
