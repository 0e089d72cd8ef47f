"""The teacher's challenge against a real server, real workers and raw websockets
(docs/classroom.md): three students train nets of known quality; the leaderboard, computed
by the server from each run's own metrics, ranks the qualifying ones and lists the net over
the neuron limit as not qualifying; a student cannot set a challenge nor read the board,
and no client can report its own score."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.web.classroom import COOKIE
from tests.servers import class_mode_server
from tests.web.test_class_locks import open_socket, start_training
from tests.web.test_classroom import student, teacher

pytestmark = pytest.mark.slow
GOAL = {"dataset": "circle", "metric": "val_loss", "max_neurons": 20, "max_layers": 2}


def circle_net(*units: int) -> dict[str, Any]:
    """A net on the circle data with tanh layers of these sizes (x1, x2 only: one neuron
    can draw only a straight line, which cannot separate a disc from its ring)."""
    return {
        "seed": 3,
        "data": {"dataset": "circle", "n_samples": 200, "noise": 0.0, "features": ["x1", "x2"]},
        "model": {"layers": [{"type": "dense", "units": n, "activation": "tanh"} for n in units]},
        "train": {"batch_size": 10, "optimizer": "adam", "lr": 0.03},
    }


@pytest.fixture(scope="module")
def class_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from class_mode_server(tmp_path_factory, "class-challenge-data")


def poll_board(t: httpx.Client, ready: Any, timeout: float = 90) -> dict[str, Any]:
    """The teacher's leaderboard once `ready(board)` holds."""
    deadline = time.monotonic() + timeout
    while True:
        answer = t.get("/api/class/leaderboard")
        assert answer.status_code == 200, answer.text
        board: dict[str, Any] = answer.json()
        if ready(board):
            return board
        assert time.monotonic() < deadline, f"never ready: {board}"
        time.sleep(0.2)  # polling as the teacher's page does, until the condition holds


def good_leads(board: dict[str, Any]) -> bool:
    ranked = board["ranked"]
    return len(ranked) == 2 and ranked[0]["name"] == "Good" and ranked[0]["score"] < 0.3


def good_leads_by_accuracy(board: dict[str, Any]) -> bool:
    ranked = board["ranked"]
    return (
        board["challenge"]["metric"] == "val_accuracy"
        and len(ranked) == 2
        and ranked[0]["name"] == "Good"
        and ranked[0]["score"] > 0.9
    )


def test_the_leaderboard_ranks_qualifying_runs_by_the_servers_metrics(class_server: str) -> None:
    with (
        student(class_server, "Good") as good,
        student(class_server, "Tiny") as tiny,
        student(class_server, "Big") as big,
        teacher(class_server) as t,
    ):
        set_goal = t.post("/api/class/challenge", json=GOAL)
        assert set_goal.status_code == 200, set_goal.text
        assert set_goal.json()["challenge"]["words"] == (
            "lowest validation loss on circle, with at most 20 neurons and at most 2 hidden layers"
        )

        async def main() -> None:
            sockets = [
                await open_socket(class_server, s.cookies[COOKIE], f"challenge-{i}")
                for i, s in enumerate((good, tiny, big))
            ]
            try:
                await start_training(sockets[0], circle_net(8, 8))  # 16 neurons
                await start_training(sockets[1], circle_net(1))  # 1 neuron: a straight line
                await start_training(sockets[2], circle_net(32))  # over the limit of 20
                # A client's claim of a score is no message the server knows: refused, and
                # the board below still ranks Tiny by its run's own loss.
                await sockets[1].send({"type": "metrics", "points": [{"val_loss": 0.0}]})
                refused = await sockets[1].wait_for(lambda e: e["type"] == "error", timeout=10)
                assert refused["code"] == "invalid" and refused["field"] == "type"
                board = await asyncio.to_thread(poll_board, t, good_leads)
                assert [e["name"] for e in board["ranked"]] == ["Good", "Tiny"]
                assert [e["rank"] for e in board["ranked"]] == [1, 2]
                assert board["ranked"][1]["score"] > 0.4  # a line cannot fit a ring
                assert board["ranked"][0]["neurons"] == 16 and board["ranked"][0]["layers"] == 2
                assert board["not_qualifying"] == [
                    {"name": "Big", "reason": "32 neurons: the limit is 20"}
                ]
                assert all("id" not in e for e in board["ranked"])
                mine = good.get("/api/challenge").json()
                assert (mine["rank"], mine["of"], mine["reason"]) == (1, 2, None)
                theirs = big.get("/api/challenge").json()
                assert theirs["rank"] is None and theirs["reason"] == "32 neurons: the limit is 20"
                assert theirs["challenge"]["dataset"] == "circle"
                by_accuracy = {**GOAL, "metric": "val_accuracy"}
                assert t.post("/api/class/challenge", json=by_accuracy).status_code == 200
                board = await asyncio.to_thread(poll_board, t, good_leads_by_accuracy)
                assert [e["name"] for e in board["ranked"]] == ["Good", "Tiny"]  # highest first
                assert board["ranked"][0]["score"] > board["ranked"][1]["score"]
            finally:
                for c in sockets:
                    await c.close()

        asyncio.run(main())
        assert t.delete("/api/class/challenge").json() == {"challenge": None}
        assert good.get("/api/challenge").json() == {"challenge": None}


def test_students_cannot_set_a_challenge_or_read_the_board(class_server: str) -> None:
    with student(class_server) as s, teacher(class_server) as t:
        for answer in (
            s.post("/api/class/challenge", json=GOAL),
            s.delete("/api/class/challenge"),
            s.get("/api/class/leaderboard"),
        ):
            assert answer.status_code == 403
            assert answer.json() == {"detail": "only the teacher may open this: students cannot"}
        assert t.get("/api/class/leaderboard").json()["challenge"] is None  # nothing was set
        assert s.get("/api/challenge").json() == {"challenge": None}
        assert s.post("/api/challenge", json={"score": 0.0}).status_code == 405


def test_a_bad_goal_is_refused_in_words(class_server: str) -> None:
    with teacher(class_server) as t:
        cases = [
            ({"dataset": "nope"}, "dataset", "'nope' is not one of circle"),
            ({**GOAL, "max_neurons": 0}, "max_neurons", "at least 1"),
            ({**GOAL, "score": 0.1}, "score", "not permitted"),
            ({"dataset": "sine", "metric": "val_accuracy"}, "body", "sine is a regression"),
        ]
        for body, field, words in cases:
            answer = t.post("/api/class/challenge", json=body)
            assert answer.status_code == 422, body
            errors = answer.json()["errors"]
            assert errors[0]["field"] == field and words in errors[0]["message"], errors
