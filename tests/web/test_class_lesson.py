"""A lesson for the whole class against a real server (docs/classroom.md): the teacher
opens a lesson; every page reads which; three students answer its question (one changes
their mind, one skips); the teacher reads the distribution live, without the answer, then
shows the verdict: the right answer and how many predicted it; answers close. Students
cannot open a lesson nor read the answers; an answer out of bounds is refused in words."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from app.lessons import LESSONS
from tests.servers import class_mode_server
from tests.web.test_classroom import student, teacher

pytestmark = pytest.mark.slow
LESSON = LESSONS["capacity"]  # 3 choices; the answer is 1
TEACHER_ONLY = {"detail": "only the teacher may open this: students cannot"}


@pytest.fixture(scope="module")
def class_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from class_mode_server(tmp_path_factory, "class-lesson-data")


def test_the_class_answers_and_the_teacher_sees_the_distribution_then_the_verdict(
    class_server: str,
) -> None:
    with (
        student(class_server) as a,
        student(class_server) as b,
        student(class_server) as c,
        teacher(class_server) as t,
    ):
        assert a.get("/api/class-lesson").json() == {"id": None}
        opened = t.post("/api/class/lesson", json={"lesson": "capacity"})
        assert opened.status_code == 200, opened.text
        lesson_id = opened.json()["id"]
        now = a.get("/api/class-lesson").json()
        assert now == {"id": lesson_id, "lesson": "capacity", "title": LESSON.title}

        def answer(s: httpx.Client, choice: int | None) -> int:
            body = {"id": lesson_id, "choice": choice}
            return s.post("/api/class-lesson/answer", json=body).status_code

        assert answer(a, 0) == 200
        assert answer(a, 1) == 200  # changed their mind: counted once, as the last
        assert answer(b, 1) == 200
        assert answer(c, None) == 200  # skipped
        live = t.get("/api/class/lesson").json()
        assert live["counts"] == [0, 2, 0] and live["skipped"] == 1
        assert (live["answered"], live["students"]) == (3, 3)
        assert live["revealed"] is False and live["answer"] is None and live["right"] is None
        assert live["choices"] == LESSON.question.choices

        shown = t.post("/api/class/lesson/verdict").json()
        assert (shown["revealed"], shown["answer"], shown["right"]) == (True, 1, 2)
        late = a.post("/api/class-lesson/answer", json={"id": lesson_id, "choice": 0})
        assert late.status_code == 409 and "closed" in late.json()["detail"]
        assert t.get("/api/class/lesson").json()["counts"] == [0, 2, 0]

        again = t.post("/api/class/lesson", json={"lesson": "capacity"}).json()
        assert again["id"] != lesson_id and again["answered"] == 0  # a new round
        stale = a.post("/api/class-lesson/answer", json={"id": lesson_id, "choice": 1})
        assert stale.status_code == 409
        assert t.delete("/api/class/lesson").json() == {"id": None}
        assert b.get("/api/class-lesson").json() == {"id": None}


def test_students_cannot_run_the_lesson_and_bad_input_is_refused_in_words(
    class_server: str,
) -> None:
    with student(class_server) as s, teacher(class_server) as t:
        for answer in (
            s.post("/api/class/lesson", json={"lesson": "capacity"}),
            s.get("/api/class/lesson"),
            s.post("/api/class/lesson/verdict"),
            s.delete("/api/class/lesson"),
        ):
            assert answer.status_code == 403 and answer.json() == TEACHER_ONLY
        unknown = t.post("/api/class/lesson", json={"lesson": "nope"})
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0]["field"] == "lesson"
        assert "'nope' is not a lesson; the lessons are" in unknown.json()["errors"][0]["message"]
        lesson_id = t.post("/api/class/lesson", json={"lesson": "capacity"}).json()["id"]
        out = s.post("/api/class-lesson/answer", json={"id": lesson_id, "choice": 3})
        assert out.status_code == 422
        assert out.json()["detail"] == "choice: 3 is not a choice; there are 3, from 0"
        big = s.post("/api/class-lesson/answer", json={"id": lesson_id, "choice": 99})
        assert big.status_code == 422 and big.json()["errors"][0]["field"] == "choice"
        mine = t.post("/api/class-lesson/answer", json={"id": lesson_id, "choice": 1})
        assert mine.status_code == 403  # the teacher does not vote
        assert t.get("/api/class/lesson").json()["answered"] == 0
        t.delete("/api/class/lesson")
