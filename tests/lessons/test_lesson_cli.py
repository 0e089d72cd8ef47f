"""`nnplayground lesson list | check` as a user runs them (a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from app.lessons import LESSONS
from app.lessons.registry import FILES

ROOT = Path(__file__).parents[2]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "lesson", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_list_shows_every_lesson_in_course_order() -> None:
    result = cli("list")
    assert result.returncode == 0, result.stderr
    ids = [line.split()[1] for line in result.stdout.splitlines()]
    assert ids == list(LESSONS)
    first = result.stdout.splitlines()[0]
    assert "perceptron" in first and "2 runs x 800 steps" in first
    assert "no training" in next(x for x in result.stdout.splitlines() if "how-deep" in x)


def test_check_prints_measures_and_ends_with_json_when_it_holds() -> None:
    result = cli("check", "symmetry", "--seed", "7", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    *text, last = result.stdout.strip().splitlines()
    payload = json.loads(last)
    assert (payload["lesson"], payload["seed"], payload["holds"]) == ("symmetry", 7, True)
    assert set(payload["measured"]) == set(LESSONS["symmetry"].measures)
    assert 0 < payload["seconds"] < 30
    assert any(line.startswith("  ok   spread_zeros < 1e-06") for line in text)
    assert text[-1].startswith("holds on seed 7 (")


def test_a_broken_variant_does_not_hold_and_exits_1(tmp_path: Path) -> None:
    """The perceptron with its hidden layer removed from the "hidden" arm: both arms are one
    neuron, so "a hidden layer fits XOR" must fail."""
    doc = json.loads((FILES / "perceptron.json").read_text())
    doc["runs"]["hidden"]["model"]["layers"] = []
    variant = tmp_path / "perceptron.json"
    variant.write_text(json.dumps(doc))
    result = cli("check", str(variant), "--seed", "0", "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert payload["holds"] is False and payload["measured"]["acc_hidden"] < 0.95
    assert "  FAIL acc_hidden >= 0.95" in result.stdout
    assert "does NOT hold on seed 0" in result.stdout


def test_unknown_id_exits_2_listing_the_lessons() -> None:
    result = cli("check", "perceptrons")
    assert result.returncode == 2
    assert "no lesson 'perceptrons'; the lessons are: perceptron, " in result.stderr
    assert result.stdout == ""


def test_a_bad_file_exits_2_naming_the_field(tmp_path: Path) -> None:
    doc = json.loads((FILES / "perceptron.json").read_text())
    doc["question"]["answer"] = 9
    (tmp_path / "perceptron.json").write_text(json.dumps(doc))
    result = cli("check", str(tmp_path / "perceptron.json"))
    assert result.returncode == 2
    assert "perceptron.json: question.answer: answer must be at most 5" in result.stderr
    assert cli("check", "symmetry", "--seed", "-1").returncode == 2
