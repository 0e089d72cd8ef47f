"""The teacher's control over the class against a real server and raw websockets
(docs/classroom.md): an experiment sent to everyone with settings locked, the server refusing
a student's locked change (to that student only, their run training on) while an unlocked one
applies; pause all, reset all, unlock all; the experiment reaching students who join later or
reload; and the teacher's routes closed to students."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect as ws_connect

from app.client import Client, decode_event
from app.web.classroom import COOKIE
from tests.servers import class_mode_server
from tests.web.test_classroom import SPIRAL, status_of, steps_move, student, teacher

pytestmark = pytest.mark.slow
LOCKED_LR = {**SPIRAL, "train": {**SPIRAL["train"], "lr": 0.03}}
CONTROL_ROUTES = ("/api/class/send", "/api/class/unlock", "/api/class/pause", "/api/class/reset")


@pytest.fixture(scope="module")
def class_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from class_mode_server(
        tmp_path_factory,
        "class-locks-data",
        ws_resume_grace_s=5.0,
    )


async def open_socket(url: str, cookie: str, tab: str, session: str | None = None) -> Client:
    query = f"tab={tab}" + (f"&session={session}" if session else "")
    ws = await ws_connect(
        url.replace("http", "ws") + f"/ws?{query}",
        additional_headers={"Cookie": f"{COOKIE}={cookie}"},
        max_size=64 * 1024**2,
    )
    return Client(ws, decode_event(await asyncio.wait_for(ws.recv(), 10)))


def send(t: httpx.Client, spec: dict[str, Any], locks: list[str]) -> dict[str, Any]:
    answer = t.post("/api/class/send", json={"spec": spec, "locks": locks})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def no_error(predicate: Any) -> Any:
    """`predicate`, failing at once on any error event (an innocent socket gets none)."""

    def match(e: dict[str, Any]) -> bool:
        assert e["type"] != "error", e
        return bool(predicate(e))

    return match


def is_class(experiment: str) -> Any:
    return lambda e: e["type"] == "class" and e["experiment"] == experiment


def point_with_lr(lr: float) -> Any:
    return lambda e: e["type"] == "metrics" and e["points"][-1]["lr"] == lr


def reset_and_told(run: str, before: int, experiment: str) -> Any:
    """A predicate that holds once both came: a status of `run` from fresh weights (its step
    below `before`), and the `class` event that tells the page of the reset."""
    seen = {"status": False, "told": False}

    def match(e: dict[str, Any]) -> bool:
        seen["status"] |= status_of(run)(e) and e["step"] < before
        seen["told"] |= is_class(experiment)(e) and e["reset"]
        return seen["status"] and seen["told"]

    return match


async def start_training(c: Client, spec: dict[str, Any]) -> str:
    await c.start(spec)
    status = await c.wait_for(lambda e: e["type"] in ("status", "error"), timeout=30)
    assert status["type"] == "status", status
    await steps_move(c, status["run"])
    return str(status["run"])


def test_a_locked_change_is_refused_and_an_unlocked_one_applies(class_server: str) -> None:
    """lr locked: a set or start changing it is refused in words naming the lock, to that
    student only; the same value and an unlocked setting pass; the student's run and an
    innocent classmate's on the same worker train on."""
    with student(class_server) as s, student(class_server) as other, teacher(class_server) as t:

        async def main() -> None:
            a = await open_socket(class_server, s.cookies[COOKIE], "locks-a")
            b = await open_socket(class_server, other.cookies[COOKIE], "locks-b")
            try:
                sent = send(t, LOCKED_LR, ["lr"])
                for c in (a, b):
                    event = await c.wait_for(is_class(sent["experiment"]), timeout=10)
                    assert event["spec"]["train"]["lr"] == 0.03
                    assert event["locks"] == [
                        {"name": "lr", "words": "the learning rate", "controls": ["lr"]}
                    ]
                run_a = await start_training(a, LOCKED_LR)
                run_b = await start_training(b, LOCKED_LR)

                await a.set(lr=0.5)
                refused = await a.wait_for(lambda e: e["type"] == "error", timeout=10)
                assert refused["code"] == "locked" and refused["field"] == "params.lr"
                assert refused["message"] == "the teacher locked the learning rate: it stays 0.03"
                await a.set(lr=0.03, batch_size=20)  # the locked value kept: passes
                await a.wait_for(no_error(point_with_lr(0.03)), timeout=30)
                await a.start({**LOCKED_LR, "train": {**LOCKED_LR["train"], "lr": 0.5}})
                again = await a.wait_for(lambda e: e["type"] == "error", timeout=10)
                assert again["code"] == "locked" and again["field"] == "spec.train.lr"
                await steps_move(a, run_a)  # the refused start replaced nothing
                await b.wait_for(no_error(status_of(run_b, "running")), timeout=20)
                await steps_move(b, run_b)  # the innocent classmate trains on, told nothing

                send(t, LOCKED_LR, ["optimizer"])  # now lr is free, the optimizer not
                await a.set(lr=0.1)
                await a.wait_for(no_error(point_with_lr(0.1)), timeout=30)
                await a.set(optimizer="adam")
                locked = await a.wait_for(lambda e: e["type"] == "error", timeout=10)
                assert "the teacher locked the optimizer" in locked["message"]
            finally:
                await a.close()
                await b.close()

        asyncio.run(main())


def test_pause_all_reset_all_and_unlock_all(class_server: str) -> None:
    with student(class_server) as s, student(class_server) as other, teacher(class_server) as t:

        async def main() -> None:
            a = await open_socket(class_server, s.cookies[COOKIE], "all-a")
            b = await open_socket(class_server, other.cookies[COOKIE], "all-b")
            try:
                sent = send(t, LOCKED_LR, ["lr"])
                runs = [await start_training(c, LOCKED_LR) for c in (a, b)]
                assert t.post("/api/class/pause").json()["paused"] >= 2
                steps = [
                    (await c.wait_for(status_of(run, "paused"), timeout=20))["step"]
                    for c, run in zip((a, b), runs, strict=True)
                ]
                assert t.post("/api/class/reset").json()["reset"] >= 2
                for c, run, before in zip((a, b), runs, steps, strict=True):
                    await c.wait_for(reset_and_told(run, before, sent["experiment"]), 20)

                await a.set(lr=0.2)
                refused = await a.wait_for(lambda e: e["type"] == "error", timeout=10)
                assert refused["code"] == "locked"  # until the teacher unlocks
                assert t.post("/api/class/unlock").json()["locks"] == []
                unlocked = await a.wait_for(is_class(sent["experiment"]), timeout=10)
                assert unlocked["locks"] == []
                await a.resume()
                await a.set(lr=0.2)  # no lock now: applied
                await a.wait_for(no_error(point_with_lr(0.2)), timeout=30)
            finally:
                await a.close()
                await b.close()

        asyncio.run(main())


def test_the_experiment_reaches_students_who_join_later_and_who_reload(class_server: str) -> None:
    with teacher(class_server) as t:
        sent = send(t, LOCKED_LR, ["lr", "layers"])
        with student(class_server, "Late Lovelace") as s:

            async def main() -> None:
                late = await open_socket(class_server, s.cookies[COOKIE], "late")
                event = await late.wait_for(is_class(sent["experiment"]), timeout=10)
                assert [lock["name"] for lock in event["locks"]] == [
                    "layers",
                    "lr",
                ]  # in the table's order
                assert event["spec"]["data"]["dataset"] == "spiral"
                run = await start_training(late, LOCKED_LR)
                token = late.session
                await late.close()  # a reload: the same session comes back

                back = await open_socket(class_server, s.cookies[COOKIE], "late", token)
                try:
                    assert back.hello["resumed"] and back.hello["run"] == run
                    again = await back.wait_for(is_class(sent["experiment"]), timeout=10)
                    assert again["locks"] == event["locks"]
                    await back.set(lr=0.3)
                    refused = await back.wait_for(lambda e: e["type"] == "error", timeout=10)
                    assert refused["code"] == "locked"
                    await steps_move(back, run)  # resumed, training on
                finally:
                    await back.close()

            asyncio.run(main())


def test_students_cannot_use_the_teachers_controls(class_server: str) -> None:
    with student(class_server) as s:
        for route in CONTROL_ROUTES:
            denied = s.post(route, json={"spec": SPIRAL, "locks": ["lr"]})
            assert denied.status_code == 403, route
            assert "only the teacher" in denied.json()["detail"]
    with teacher(class_server) as t:
        bad_lock = t.post("/api/class/send", json={"spec": SPIRAL, "locks": ["rm -rf"]})
        assert bad_lock.status_code == 422
        assert (
            bad_lock.json()["errors"][0]["field"] == "locks" and "cannot be locked" in bad_lock.text
        )
        bad_spec = {**SPIRAL, "train": {"lr": -1}}
        too_small = t.post("/api/class/send", json={"spec": bad_spec, "locks": []})
        assert too_small.status_code == 422 and "spec.train.lr" in too_small.text
