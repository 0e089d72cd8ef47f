"""The lessons API against a real uvicorn server: the menu, one lesson, a check, and the
errors (404 in words, 422 naming the field). The bounds on checks: test_lesson_check_bounds.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.lessons import LESSONS
from app.settings import Settings
from tests.servers import running


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    data_dir: Path = tmp_path_factory.mktemp("data")
    with running(Settings(data_dir=data_dir, workers=1)) as url:
        with httpx.Client(base_url=url, timeout=60) as c:
            yield c


def test_menu_lists_every_lesson_in_order(client: httpx.Client) -> None:
    menu = client.get("/api/lessons").json()
    assert [x["id"] for x in menu] == list(LESSONS)
    assert menu[0] == {
        "id": "perceptron",
        "order": 1,
        "title": LESSONS["perceptron"].title,
        "concept": LESSONS["perceptron"].concept,
    }


def test_one_lesson_is_its_file_with_defaults(client: httpx.Client) -> None:
    r = client.get("/api/lessons/how-deep")
    assert r.status_code == 200
    lesson = r.json()
    assert lesson["views"] == ["scale"] and lesson["runs"] == {}
    assert [x["name"] for x in lesson["references"]] == ["AlexNet", "BERT-large", "GPT-2", "GPT-3"]
    symmetry = client.get("/api/lessons/symmetry").json()
    assert symmetry["runs"]["zeros"]["model"]["layers"][0]["init"] == "zeros"
    assert symmetry["runs"]["zeros"]["train"]["max_epochs"] is None  # defaults filled in


def test_unknown_lesson_is_404_in_words(client: httpx.Client) -> None:
    for r in (client.get("/api/lessons/nope"), client.post("/api/lessons/nope/check", json={})):
        assert r.status_code == 404
        assert r.json()["detail"].startswith("there is no lesson with this id; the lessons are ")


def test_check_trains_and_answers_the_verdict(client: httpx.Client) -> None:
    r = client.post("/api/lessons/symmetry/check", json={"seed": 5})
    assert r.status_code == 200, r.text
    result = r.json()
    assert (result["lesson"], result["seed"], result["holds"]) == ("symmetry", 5, True)
    assert result["measured"]["spread_zeros"] < 1e-6
    assert len(result["lines"]) == 3 and "Random start" in result["lines"][2]
    assert [a["holds"] for a in result["assertions"]] == [True] * 5


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"seed": -1}, "seed: seed must be at least 0"),
        ({"seed": 2**31}, "seed: seed must be at most 2147483647"),
        ({"seed": 1, "steps": 5}, "steps: Extra inputs are not permitted"),
    ],
)
def test_bad_seed_is_422_naming_the_field(client: httpx.Client, body: object, field: str) -> None:
    r = client.post("/api/lessons/symmetry/check", json=body)
    assert r.status_code == 422 and field in r.json()["detail"]
