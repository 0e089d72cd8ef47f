"""Benchmark of the teacher's overview (issue 17, docs/classroom.md): a real `nnplayground
serve` subprocess in class mode with two workers, N simulated students on loopback (each
admitted with the class code from its own address, training the default net and watching
the views the playground page asks for at 10 fps, as bench/class.py's students do, each
with its own seed) and one teacher polling `GET /api/class` every 0.5 s, as the teacher's
page does. Not a test; prints a table.

    python bench/classroom.py              # N = 30 100
    python bench/classroom.py 30 --window 10 --json out.json

For each N, after a warm-up, two windows of the same length:
- without the teacher: the server's CPU (% of one core, the process and its children; in
  brackets the web process alone);
- in both, and in a third window without the teacher again (once the thumbnails stopped),
  the students' median training rate (steps/s): on a machine the class keeps busy, what the
  overview costs shows as fewer steps rather than more CPU, and the third window shows how
  much the machine itself drifted meanwhile;
- with the teacher: the CPU, then the bytes per second of the overview's answers (the
  bodies as sent: gzipped), the answers' p95 time, and the overview's latency: for each
  status a student receives (the step it reports), the time until the teacher's overview
  first shows that student's thumbnail at that step or later (median and p95 over every
  student and status).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import importlib.util
import json
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))  # bench/stream.py, when loaded by path
from stream import free_port, serve  # noqa: E402

from app.client import connect  # noqa: E402
from app.web.classroom import COOKIE  # noqa: E402

CODE, KEY = "BENCH42", "bench-teacher-key-0001"
POLL_S = 0.5  # the teacher's page's POLL_MS


def load_class_bench() -> ModuleType:
    """bench/class.py (`class` is a keyword: it loads by path)."""
    path = Path(__file__).parent / "class.py"
    spec = importlib.util.spec_from_file_location("bench_class", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


bench = load_class_bench()


@dataclass
class Overview:
    students: int
    cpu_without: float
    web_cpu_without: float
    cpu_with: float
    web_cpu_with: float
    bytes_per_s: float
    poll_p95_ms: float
    latency_median_ms: float
    latency_p95_ms: float
    thumbnails: int  # students whose thumbnail the last answer carried
    steps_without: float  # the students' median steps per second, in each window
    steps_with: float
    steps_after: float  # a third window, without the teacher again: the machine's drift


async def admit(url: str, address: str) -> str:
    """A student's cookie, admitted by the code from `address`."""
    transport = httpx.AsyncHTTPTransport(local_address=address)
    async with httpx.AsyncClient(base_url=url, transport=transport) as http:
        answer = await http.get(f"/?code={CODE}")
        assert answer.status_code == 303, answer.status_code
        return answer.cookies[COOKIE]


async def teacher_polls(
    url: str, until: float, seen: dict[int, list[tuple[float, int]]]
) -> tuple[int, list[float], int]:
    """Polls the overview until `until`: (body bytes, answer times in ms, thumbnails in the
    last answer); `seen[number]` gets (arrival, thumbnail step) of each answer."""
    total, times, thumbs = 0, [], 0
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        assert (await http.get(f"/teacher?key={KEY}")).status_code == 303
        while time.monotonic() < until:
            sent = time.perf_counter()
            answer = await http.get("/api/class")
            now = time.monotonic()
            times.append((time.perf_counter() - sent) * 1000)
            total += answer.num_bytes_downloaded  # on the wire: gzipped
            students = answer.json()["students"]
            thumbs = sum(1 for s in students if s["run"] and s["run"]["thumbnail"])
            for s in students:
                thumb = s["run"] and s["run"]["thumbnail"]
                if thumb:
                    seen.setdefault(s["number"], []).append((now, thumb["step"]))
            await asyncio.sleep(max(0.0, POLL_S - (time.perf_counter() - sent)))
    return total, times, thumbs


def latencies(statuses: list[tuple[float, int]], shown: list[tuple[float, int]]) -> list[float]:
    """For each (arrival, step) a student saw, seconds until the teacher was shown that step
    or later: 0 if the teacher saw it first (a status goes out 4 times a second, a thumbnail
    twice); statuses the window never caught up with are left out."""
    out: list[float] = []
    best: list[int] = []  # the highest step shown so far, after each answer
    for _, step in shown:
        best.append(max(step, best[-1]) if best else step)
    for at, step in statuses:
        i = bisect.bisect_left(best, step)
        if i < len(shown):
            out.append(max(0.0, shown[i][0] - at))
    return out


async def measure(url: str, pid: int, n: int, warmup: float, window: float) -> Overview:
    cookies = [await admit(url, f"127.0.1.{i + 1}") for i in range(n)]
    students = [
        bench.Student(
            await connect(
                url,
                local_addr=(f"127.0.1.{i + 1}", 0),
                additional_headers={"Cookie": f"{COOKIE}={cookie}"},
            )
        )
        for i, cookie in enumerate(cookies)
    ]
    readers = [asyncio.create_task(bench.read(s)) for s in students]
    try:
        for i, s in enumerate(students):
            # Each its own seed: identical runs would send identical thumbnails, which
            # gzip shrinks to nothing.
            await s.client.start(bench.DEFAULT | {"seed": i})
            await s.client.view(**bench.VIEW)
        await asyncio.wait_for(asyncio.gather(*(s.running.wait() for s in students)), 120)
        await asyncio.sleep(warmup)
        before = time.monotonic()
        cpu_without, web_without = await cpu_over(pid, window)
        steps_without = median_rate(students, before, time.monotonic())
        seen: dict[int, list[tuple[float, int]]] = {}
        start = time.monotonic()
        ticks, web = bench.tree_usage(pid)[0], bench.process_ticks(pid)
        total, times, thumbs = await teacher_polls(url, start + window, seen)
        took = time.monotonic() - start
        cpu_with = bench.cpu_percent(ticks, bench.tree_usage(pid)[0], took)
        web_with = bench.cpu_percent(web, bench.process_ticks(pid), took)
        steps_with = median_rate(students, start, time.monotonic())
        after = time.monotonic() + 6.0  # the thumbnails' lease runs out (5 s)
        await asyncio.sleep(6.0)
        await asyncio.sleep(window)
        steps_after = median_rate(students, after, time.monotonic())
    finally:
        for s in students:
            await s.client.close()
        await asyncio.gather(*readers, return_exceptions=True)
    # Students joined in order: student i is number i + 1 (a fresh server per level).
    lags = [
        lag * 1000
        for i, s in enumerate(students)
        for lag in latencies(
            [(t, step) for t, step in s.statuses if start + 2 <= t], seen.get(i + 1, [])
        )
    ]
    return Overview(
        n,
        cpu_without,
        web_without,
        cpu_with,
        web_with,
        total / took,
        bench.percentile(times, 95),
        statistics.median(lags) if lags else float("nan"),
        bench.percentile(lags, 95),
        thumbs,
        steps_without,
        steps_with,
        steps_after,
    )


def median_rate(students: list[Any], start: float, end: float) -> float:
    """The students' median training rate (steps per second) between `start` and `end`."""
    rates = [bench.rate_in_window(s.statuses, start, end) for s in students]
    return statistics.median(rates)


async def cpu_over(pid: int, seconds: float) -> tuple[float, float]:
    """The server's CPU and the web process's over `seconds` (% of one core)."""
    ticks, web, start = bench.tree_usage(pid)[0], bench.process_ticks(pid), time.monotonic()
    await asyncio.sleep(seconds)
    took = time.monotonic() - start
    return (
        bench.cpu_percent(ticks, bench.tree_usage(pid)[0], took),
        bench.cpu_percent(web, bench.process_ticks(pid), took),
    )


def table(levels: list[Overview]) -> str:
    head = (
        "    N  CPU % without (web)  CPU % with teacher (web)  KiB/s to teacher"
        "  answer p95 ms  latency median/p95 ms  thumbnails  steps/s without/with/without"
    )
    rows = [
        f"{v.students:5d}  {v.cpu_without:13.0f} ({v.web_cpu_without:3.0f})"
        f"  {v.cpu_with:18.0f} ({v.web_cpu_with:3.0f})  {v.bytes_per_s / 1024:16.1f}"
        f"  {v.poll_p95_ms:13.0f}  {v.latency_median_ms:10.0f} / {v.latency_p95_ms:<8.0f}"
        f"  {v.thumbnails:10d}  {v.steps_without:5.0f} / {v.steps_with:.0f} / {v.steps_after:.0f}"
        for v in levels
    ]
    return "\n".join([head, *rows])


async def main(counts: list[int], warmup: float, window: float) -> list[Overview]:
    levels: list[Overview] = []
    for n in counts:  # a fresh server per level: student numbers start at 1
        with tempfile.TemporaryDirectory() as data_dir:
            port = free_port()
            server = serve(
                port,
                data_dir,
                NNP_WORKERS="2",
                NNP_MAX_RUNS="600",
                NNP_CLASS_CODE=CODE,
                NNP_TEACHER_KEY=KEY,
            )
            try:
                levels.append(
                    await measure(f"http://127.0.0.1:{port}", server.pid, n, warmup, window)
                )
            finally:
                server.terminate()
                server.wait(20)
        lines = table(levels).splitlines()
        print("\n".join(lines if len(levels) == 1 else lines[-1:]), flush=True)
    return levels


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("counts", nargs="*", type=int, default=[30, 100])
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before the windows")
    parser.add_argument("--window", type=float, default=15.0, help="seconds of each window")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args()
    if any(not 1 <= n <= 250 for n in args.counts):
        parser.error("each N must be 1 to 250 (one loopback address each, 127.0.1.1-250)")
    result = asyncio.run(main(args.counts, args.warmup, args.window))
    if args.json:
        with open(args.json, "w") as f:
            json.dump([asdict(v) for v in result], f, indent=1)
