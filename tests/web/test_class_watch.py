"""The teacher's read-only view of a student's run, `WS /ws?watch=N` (docs/classroom.md),
against a real server with raw websockets: the teacher's socket gets the student's status
and frames; every control message it sends (start, pause, step, reset, set, view, speed) is
refused in words and the run trains on, its view unchanged; a student (or anyone without
the class's cookie) cannot watch another student's run: the handshake is refused."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidStatus

from app.client import Client, decode_event
from app.web.class_watch import NO_RUN, READ_ONLY
from app.web.classroom import COOKIE
from tests.servers import class_mode_server
from tests.web.test_classroom import (
    SPIRAL,
    open_socket,
    poll_class,
    steps_move,
    student,
    teacher,
)

pytestmark = pytest.mark.slow

CONTROLS: list[dict[str, Any]] = [
    {"type": "start", "spec": SPIRAL},
    {"type": "pause"},
    {"type": "step", "n": 5},
    {"type": "reset"},
    {"type": "set", "params": {"lr": 3.0}},
    {"type": "view", "views": ["weights"]},
    {"type": "speed", "steps_per_second": 1},
]


@pytest.fixture(scope="module")
def class_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from class_mode_server(tmp_path_factory, "class-data")


async def watch(url: str, cookie: str, number: int | str) -> Client:
    ws = await ws_connect(
        url.replace("http", "ws") + f"/ws?watch={number}",
        additional_headers={"Cookie": f"{COOKIE}={cookie}"},
        max_size=64 * 1024**2,
    )
    return Client(ws, decode_event(await asyncio.wait_for(ws.recv(), 10)))


def frame_of(run: str | None) -> Any:
    return lambda e: e["type"] == "frame" and e["header"]["run"] == run


def test_the_teachers_viewer_sees_a_run_and_cannot_control_it(class_server: str) -> None:
    with (
        student(class_server, "Ada") as ada,
        student(class_server, "Bo") as bo,
        teacher(class_server) as t,
    ):

        async def main() -> None:
            a = await open_socket(class_server, ada.cookies[COOKIE], "tab-ada")
            b = await open_socket(class_server, bo.cookies[COOKIE], "tab-bo")
            try:
                await a.start(SPIRAL)
                await a.view(["boundary", "neurons"], boundary_grid=20)
                await b.start(SPIRAL | {"seed": 2})  # an innocent second run, same worker
                run = (await a.wait_for(lambda e: e["type"] == "status", 20))["run"]
                bos = (await b.wait_for(lambda e: e["type"] == "status", 20))["run"]
                entry = await asyncio.to_thread(poll_class, t, "Ada", lambda e: e["run"])
                number = entry["number"]
                await a.wait_for(frame_of(run), 20)

                # A student, or nobody, may not watch Ada's run.
                url = class_server.replace("http", "ws") + f"/ws?watch={number}"
                for cookie in (bo.cookies[COOKIE], ada.cookies[COOKIE]):
                    assert await handshake(url, cookie) == 403
                assert await handshake(url, None) == 401

                w = await watch(class_server, t.cookies[COOKIE], number)
                try:
                    assert w.hello["run"] == run
                    watching = await w.next_event(timeout=10)  # first, what it shows
                    assert (watching["type"], watching["run"]) == ("watching", run)
                    assert watching["spec"]["data"]["dataset"] == "spiral"
                    seen = await w.wait_for(frame_of(run), 20)  # the frames of Ada's view
                    assert seen["arrays"]["boundary"].shape == (20, 20)
                    for message in CONTROLS:
                        await w.connection.send(json.dumps(message))
                        refused = await w.wait_for(lambda e: e["type"] == "error", 10)
                        assert (refused["code"], refused["message"]) == ("invalid", READ_ONLY)
                    await steps_move(a, run)  # Ada's run trains on, untouched
                    await steps_move(w, run)  # and the teacher sees it move
                    later = await a.wait_for(frame_of(run), 20)
                    assert later["arrays"]["boundary"].shape == (20, 20)  # her view still
                    assert not any(name.startswith("weights") for name in later["arrays"])
                    await steps_move(b, bos)  # Bo's run too
                    # Ada starts another network: the view hears which, and follows it.
                    await a.start(SPIRAL | {"seed": 7})
                    moved = await w.wait_for(lambda e: e["type"] == "watching", 20)
                    assert moved["run"] != run and moved["spec"]["seed"] == 7
                    await steps_move(w, moved["run"])
                finally:
                    await w.close()
                for nobody in ("999", "x" * 300):
                    none = await watch(class_server, t.cookies[COOKIE], nobody)
                    assert none.hello["run"] is None
                    said = await none.wait_for(lambda e: e["type"] == "error", 10)
                    assert (said["code"], said["field"], said["message"]) == (
                        "no_run",
                        "watch",
                        NO_RUN,
                    )
                    await none.close()
            finally:
                await a.close()
                await b.close()

        asyncio.run(main())


async def handshake(url: str, cookie: str | None) -> int:
    headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
    try:
        async with ws_connect(url, additional_headers=headers):
            return 101
    except InvalidStatus as refused:
        return refused.response.status_code
