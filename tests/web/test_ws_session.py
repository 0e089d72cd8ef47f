"""A whole websocket session against the real server and worker processes: start, pause,
step, resume, set, reset, done; a page reload resuming its run; a stalled reader."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from app.client import Event, connect

SPIRAL = {
    "seed": 1,
    "data": {"dataset": "spiral", "n_samples": 300, "noise": 0.0},
    "model": {
        "layers": [
            {"type": "dense", "units": 8, "activation": "tanh"},
            {"type": "dense", "units": 8, "activation": "tanh"},
        ]
    },
    "train": {"optimizer": "adam", "lr": 0.03, "batch_size": 10},
}


def status(state: str | None = None, **fields: Any) -> Any:
    """A predicate: a status event in `state` (any if None) whose fields equal `fields`."""

    def match(e: Event) -> bool:
        return (
            e["type"] == "status"
            and (state is None or e["state"] == state)
            and all(e.get(k) == v for k, v in fields.items())
        )

    return match


async def full_session(url: str) -> None:
    async with await connect(url) as c:
        assert c.hello["protocol"] == 1 and c.hello["resumed"] is False
        await c.start(SPIRAL)

        # metrics arrive, batched, and the loss falls
        points: list[dict[str, Any]] = []

        def collect(e: Event) -> bool:
            if e["type"] == "metrics":
                points.extend(e["points"])
            return len(points) >= 1 and points[-1]["epoch"] >= 30

        await c.wait_for(collect, timeout=20)
        assert [p["epoch"] for p in points] == list(range(1, len(points) + 1))  # none dropped
        assert points[-1]["train_loss"] < 0.8 * points[0]["train_loss"]

        # pause: acknowledged by a paused status; nothing trains after it
        await c.pause()
        paused = await c.wait_for(status("paused"))
        await c.step(5)
        stepped = await c.wait_for(status("paused", step=paused["step"] + 5))
        assert stepped["run"] == paused["run"]

        # resume, then a new learning rate shows in the metrics
        await c.resume()
        await c.wait_for(lambda e: status("running")(e) and e["step"] > stepped["step"])
        await c.set(lr=0.005)
        await c.wait_for(lambda e: e["type"] == "metrics" and e["points"][-1]["lr"] == 0.005)

        # reset while paused (the step count stays at 0), then train to max_epochs
        await c.pause()
        await c.wait_for(status("paused"))
        await c.reset()
        await c.wait_for(status(step=0, epoch=0))  # state "ready"
        await c.set(max_epochs=3)
        await c.resume()
        done = await c.wait_for(lambda e: e["type"] == "done", timeout=20)
        assert done["reason"] == "max_epochs"


def test_a_full_session(ws_server: str) -> None:
    asyncio.run(full_session(ws_server))


async def reload_resumes(url: str) -> None:
    first = await connect(url)
    await first.start(SPIRAL)
    seen = await first.wait_for(status("running"))
    token, run = first.session, seen["run"]
    await first.close()  # the page goes away...

    async with await connect(url, session=token) as again:  # ...and comes back
        assert again.hello["resumed"] is True
        assert (again.hello["session"], again.hello["run"]) == (token, run)
        later = await again.wait_for(lambda e: status()(e) and e["step"] > seen["step"])
        assert later["run"] == run  # the same run, still training

        # a second socket with the token takes the session over; the first is closed
        async with await connect(url, session=token) as third:
            assert third.hello["resumed"] is True and third.hello["run"] == run
            with pytest.raises(ConnectionClosed):
                await again.wait_for(lambda e: False)
            assert again.close_code == 4000
            await third.wait_for(lambda e: status()(e) and e["run"] == run)

    async with await connect(url, session="no-such-session") as fresh:
        assert fresh.hello["resumed"] is False and fresh.hello["session"] != "no-such-session"


def test_a_reload_resumes_the_run(ws_server: str) -> None:
    asyncio.run(reload_resumes(ws_server))


async def stalled_reader(url: str) -> None:
    """A client that stops reading is dropped once a send has waited longer than the send
    timeout (2 s on this server); its run is paused, and a reconnect finds it so."""
    host, port = url.removeprefix("http://").split(":")
    ip = "127.0.0.9"  # its own loopback address: its own count of sockets
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fills in a moment
    sock.bind((ip, 0))
    sock.connect((host, int(port)))
    stalled = await connect(url, sock=sock, max_queue=1)
    await stalled.start(SPIRAL)
    await stalled.wait_for(status("running"))
    await stalled.view(["neurons", "boundary", "weights"], fps=60, grid=50, boundary_grid=200)
    # From here on `stalled` reads nothing. The sign that the server dropped it: its place
    # among the 8 sockets this address may hold comes free.
    others = [await connect(url, local_addr=(ip, 0)) for _ in range(7)]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while True:
        try:
            probe = await connect(url, local_addr=(ip, 0))
            break
        except InvalidStatus as e:
            assert e.response.status_code == 403
        assert loop.time() < deadline, "the stalled socket was kept"
        await asyncio.sleep(0.05)
    for c in [probe, *others]:
        await c.close()

    async with await connect(url, session=stalled.session) as again:
        assert again.hello["resumed"] is True
        await again.wait_for(status("paused", run=again.hello["run"]))
    stalled.connection.transport.abort()


def test_a_stalled_reader_is_dropped_and_its_run_paused(ws_server: str) -> None:
    asyncio.run(stalled_reader(ws_server))
