"""Benchmark of the live service, end to end: a real `nnplayground serve` subprocess and
reference clients (app/client.py) on loopback. Not a test; prints the figures.

    python bench/stream.py            # about two minutes
    python bench/stream.py --quick    # fewer repetitions

Measures: start -> first metrics (warm pool) and pause -> last step (medians); frames/s
delivered and bytes/frame for TensorFlow Playground's default view; training steps/s while
streaming at 30 fps against no viewer; and the most concurrent sessions of TF Playground's
default net that each still get >= 30 epochs/s, with p95 of GET /healthz meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

import httpx

from app.client import Client, connect
from app.spec import ExperimentSpec

DEFAULT = ExperimentSpec().model_dump()  # circle, 4-2 tanh, batch 10, lr 0.03, 500 points
STEPS_PER_EPOCH = 25  # 250 train points / batch 10
TFP_VIEW = {"views": ["neurons", "boundary", "weights"], "grid": 10, "boundary_grid": 100}


def serve(port: int, data_dir: str, **settings: str) -> subprocess.Popen[bytes]:
    """A real `nnplayground serve` on `port`, once it answers /healthz; `settings` are
    more NNP_ environment variables (bench/class.py's two workers, for one)."""
    env = {
        **os.environ,
        "NNP_DATA_DIR": data_dir,
        "NNP_WS_SOCKETS_PER_IP": "1000",
        "NNP_WS_RUNS_PER_IP": "1000",
        **settings,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not start")


async def steps_per_second(
    client: Client, seconds: float, frame_bytes: list[int] | None = None
) -> float:
    """Rate of training seen through status events over `seconds`. Frames are received but
    not decoded: a browser decodes them in its own process, not on the server's cores. The
    size of each frame received meanwhile is appended to `frame_bytes` when given."""
    first = await client.wait_for(lambda e: e["type"] == "status" and e["state"] == "running")
    last, deadline = first, time.monotonic() + seconds
    while time.monotonic() < deadline:
        message = await asyncio.wait_for(client.connection.recv(), 5)
        if isinstance(message, str):
            event = json.loads(message)
            if event["type"] == "status" and event["step"] is not None:
                last = event
        elif frame_bytes is not None:
            frame_bytes.append(len(message))
    return (last["step"] - first["step"]) / (time.monotonic() - deadline + seconds)


async def pause(client: Client) -> None:
    """Pauses the client's run and waits until it says so: the next measurement must not
    share the cores with this one's runs (a closed socket's run is paused by the server too,
    but only once the server has seen the close)."""
    await client.pause()
    await client.wait_for(lambda e: e["type"] == "status" and e["state"] != "running", 30)


async def start_latency(url: str, runs: int) -> tuple[float, float]:
    """Medians: start -> first metrics event, and pause -> the paused status (its step is
    the last one trained)."""
    starts, pauses = [], []
    for _ in range(runs):
        async with await connect(url) as c:
            sent = time.perf_counter()
            await c.start(DEFAULT)
            await c.wait_for(lambda e: e["type"] == "metrics")
            starts.append(time.perf_counter() - sent)
            sent = time.perf_counter()
            await c.pause()
            await c.wait_for(lambda e: e["type"] == "status" and e["state"] == "paused")
            pauses.append(time.perf_counter() - sent)
    return statistics.median(starts), statistics.median(pauses)


async def frames(url: str, fps: int, seconds: float) -> tuple[float, float]:
    async with await connect(url) as c:
        await c.start(DEFAULT)
        await c.view(fps=fps, **TFP_VIEW)
        await c.wait_for(lambda e: e["type"] == "frame")
        count, size, started = 0, 0, time.monotonic()
        while time.monotonic() - started < seconds:
            message = await c.connection.recv()
            if isinstance(message, bytes):
                count, size = count + 1, size + len(message)
        elapsed = time.monotonic() - started
        await pause(c)
    return count / elapsed, size / max(count, 1)


async def streaming_cost(url: str, seconds: float) -> tuple[float, float]:
    async with await connect(url) as c:
        await c.start(DEFAULT)
        bare = await steps_per_second(c, seconds)
        await c.view(fps=30, **TFP_VIEW)
        streamed = await steps_per_second(c, seconds)
        await pause(c)
    return bare, streamed


async def concurrent(url: str, n: int, seconds: float) -> tuple[float, float]:
    """Slowest session's epochs/s with n sessions training (each viewing at 20 fps), and
    p95 latency of GET /healthz meanwhile (ms)."""
    clients = [await connect(url) for _ in range(n)]
    try:
        for c in clients:
            await c.start(DEFAULT)
            await c.view(fps=20, **TFP_VIEW)
        for c in clients:
            await c.wait_for(lambda e: e["type"] == "status" and e["state"] == "running", 30)
        latencies: list[float] = []

        async def probe() -> None:
            async with httpx.AsyncClient() as http:
                deadline = time.monotonic() + seconds
                while time.monotonic() < deadline:
                    sent = time.perf_counter()
                    await http.get(url + "/healthz")
                    latencies.append((time.perf_counter() - sent) * 1000)
                    await asyncio.sleep(0.05)

        rates: Any = await asyncio.gather(probe(), *(steps_per_second(c, seconds) for c in clients))
        slowest = min(rates[1:]) / STEPS_PER_EPOCH
        p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) > 1 else latencies[0]
        for c in clients:
            await pause(c)
        return slowest, p95
    finally:
        for c in clients:
            await c.close()


async def main(quick: bool) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    seconds = 2.0 if quick else 4.0
    with tempfile.TemporaryDirectory() as data_dir:
        server = serve(port, data_dir)
        try:
            start, pause = await start_latency(url, 5 if quick else 15)
            print(f"start -> first metrics (median):   {start * 1000:7.1f} ms")
            print(f"pause -> last step (median):       {pause * 1000:7.1f} ms")
            fps, size = await frames(url, 60, seconds)
            print(f"frames delivered (asked 60 fps):   {fps:7.1f} /s, {size / 1024:.1f} KB each")
            bare, streamed = await streaming_cost(url, seconds)
            print(
                f"steps/s no viewer / 30 fps view:   {bare:7.0f} / {streamed:.0f} "
                f"(ratio {streamed / bare:.2f})"
            )
            best = 0
            for n in (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32):
                slowest, p95 = await concurrent(url, n, seconds)
                print(
                    f"{n:3d} sessions: slowest {slowest:6.1f} epochs/s, /healthz p95 {p95:6.1f} ms"
                )
                if slowest < 30:
                    break
                best = n
            print(f"most sessions each >= 30 epochs/s: {best}")
        finally:
            server.terminate()
            server.wait(20)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    asyncio.run(main(parser.parse_args().quick))
