"""Every shipped lesson file is valid, and a bad one is refused naming the field at fault."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.lessons import LESSONS, Lesson, LessonFileError, load_lessons, parse_lesson
from app.lessons.registry import FILES
from app.validation import check_spec


def test_every_file_loads_in_course_order() -> None:
    lessons = load_lessons()
    assert {f"{i}.json" for i in lessons} == {p.name for p in FILES.glob("*.json")}
    orders = [lesson.order for lesson in lessons.values()]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    assert list(LESSONS) == list(lessons)
    assert next(iter(LESSONS)) == "perceptron"


@pytest.mark.parametrize("lesson_id", sorted(p.stem for p in FILES.glob("*.json")))
def test_every_run_is_a_valid_experiment(lesson_id: str) -> None:
    """Shapes and limits too (check_spec builds the data and a meta model), so a lesson
    cannot ship a run the page would refuse to start."""
    lesson = LESSONS[lesson_id]
    for spec in lesson.runs.values():
        check_spec(spec)
    assert lesson.check or not lesson.runs, "a lesson that trains must prove something"


def perceptron() -> dict[str, Any]:
    return json.loads((FILES / "perceptron.json").read_text())


def refusal(doc: dict[str, Any], name: str = "perceptron.json") -> str:
    with pytest.raises(LessonFileError) as error:
        parse_lesson(json.dumps(doc), name)
    return str(error.value)


def test_unknown_metric_is_refused() -> None:
    doc = perceptron()
    doc["measures"]["acc_single"]["metric"] = "val_acuracy"
    message = refusal(doc)
    assert message.startswith("perceptron.json: measures.acc_single.metric:")
    assert "val_accuracy" in message  # the allowed names are listed


def test_assertion_on_a_missing_measure_is_refused() -> None:
    doc = perceptron()
    doc["check"][1]["measure"] = "acc_deep"
    assert "check.1.measure: no measure named 'acc_deep'" in refusal(doc)
    doc = perceptron()
    doc["check"][0] = {"measure": "acc_single", "op": "<", "than": "nope"}
    assert "check.0.than: no measure named 'nope'" in refusal(doc)


def test_answer_out_of_range_is_refused() -> None:
    doc = perceptron()
    doc["question"]["answer"] = 3
    assert "question: answer: 3 is not a choice; there are 3 choices" in refusal(doc)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(colour="red"), "colour: Extra inputs are not permitted"),
        (lambda d: d.update(steps=5001), "steps: steps must be at most 5000"),
        (lambda d: d.update(order=0), "order: order must be at least 1"),
        (lambda d: d["measures"]["acc_single"].update(run="deep"), "no run named 'deep'"),
        (lambda d: d["verdict"].append("{acc_deep:.0%}"), "verdict.2: {acc_deep} is not a"),
        (lambda d: d["verdict"].append("{acc_single:d}"), "verdict.2: cannot format"),
        (lambda d: d["verdict"].append("{}"), "verdict.2: {} is not a measure"),
        (lambda d: d.update(highlight="attention"), "highlight: 'attention' is not one of"),
        (lambda d: d.update(views=["loss", "loss"]), "views: each view may appear only once"),
        (lambda d: d["runs"].update(r5={}, r6={}, r7={}), "runs: Dictionary should have at most"),
        (lambda d: d["runs"].update({"Bad-name": {}}), "runs.Bad-name.[key]"),
        (lambda d: d["check"][0].update(than="acc_hidden"), "exactly one of them"),
        (lambda d: d["check"][0].update(times=2), "times/plus: only an assertion with `than`"),
        (
            lambda d: d["measures"]["acc_single"].update(metric="steps_to", of="val_accuracy"),
            "measures.acc_single: below/above: steps_to needs exactly one",
        ),
        (
            lambda d: d["measures"]["acc_single"].update(every=5),
            "measures.acc_single: every: only the steps_to metric takes these",
        ),
        (lambda d: d["runs"]["single"]["train"].update(lr=99), "runs.single.train.lr"),
    ],
)
def test_bad_lessons_name_the_field(change: Any, expected: str) -> None:
    doc = perceptron()
    change(doc)
    assert expected in refusal(doc)


def test_file_name_must_be_the_id(tmp_path: Path) -> None:
    assert "id: 'perceptron' must be the file's name" in refusal(perceptron(), "xor.json")


def test_a_bad_file_in_the_folder_names_itself(tmp_path: Path) -> None:
    (tmp_path / "perceptron.json").write_text(json.dumps(perceptron()))
    twin = perceptron() | {"id": "twin"}
    (tmp_path / "twin.json").write_text(json.dumps(twin))
    with pytest.raises(LessonFileError, match=r"twin.json: order: 1 is also perceptron's"):
        load_lessons(tmp_path)
    (tmp_path / "twin.json").write_text("{not json")
    with pytest.raises(LessonFileError, match=r"^twin.json: .*JSON"):
        load_lessons(tmp_path)


def test_a_lesson_without_runs_needs_no_steps_but_one_with_runs_does() -> None:
    lesson = LESSONS["how-deep"]
    assert (lesson.runs, lesson.steps, lesson.check) == ({}, 0, [])
    assert lesson.references and lesson.references[-1].params == 175_000_000_000
    doc = perceptron()
    del doc["steps"]
    assert "steps: a lesson with runs trains them" in refusal(doc)


def test_lesson_round_trips_through_json() -> None:
    lesson = LESSONS["perceptron"]
    assert Lesson.model_validate_json(lesson.model_dump_json()) == lesson


def test_loss_axis_per_loss_takes_at_most_two_losses() -> None:
    """The page draws one y axis on each side of the loss chart, so two loss functions."""
    doc = perceptron()
    doc["loss_axis"] = "per_loss"
    assert parse_lesson(json.dumps(doc), "perceptron.json").loss_axis == "per_loss"
    runs = list(doc["runs"].values())
    for run, loss in zip(runs, ["mse", "cross_entropy"], strict=False):
        run.setdefault("train", {})["loss"] = loss
    doc["runs"]["third"] = json.loads(json.dumps(runs[0])) | {"train": {"loss": "auto"}}
    message = refusal(doc)
    assert "loss_axis: per_loss draws an axis on each side, so at most 2 losses" in message
    doc["loss_axis"] = "sideways"
    assert "loss_axis" in refusal(doc)


def test_loss_data_names_the_split_the_loss_chart_opens_on() -> None:
    doc = perceptron()
    assert parse_lesson(json.dumps(doc), "perceptron.json").loss_data == "train"
    doc["loss_data"] = "val"
    assert parse_lesson(json.dumps(doc), "perceptron.json").loss_data == "val"
    doc["loss_data"] = "test"
    assert "loss_data" in refusal(doc)
