"""Issue 19 §1: each corrected lesson's check isolates the cause its text names.

Cheap tests, no training: a lesson's check judged on figures measured on real runs (the
seeds named in each test; docs/lessons.md has the tables), and the control arm each check
needs. tests/lessons/test_lessons_hold.py trains every lesson on seeds 0-4.
"""

from __future__ import annotations

from app.lessons import LESSONS
from app.lessons.runner import judge


def holds(lesson_id: str, measured: dict[str, float]) -> bool:
    return all(judge(a, measured).holds for a in LESSONS[lesson_id].check)


def test_gan_holds_on_seed_17_figures_and_still_needs_the_collapse() -> None:
    """Seed 17: the balanced GAN covered 5 of 8 blobs, the fast one 2 (the old check asked
    for 6). A fast arm that does not collapse must still fail the check."""
    seed_17 = {"modes_balanced": 5.0, "modes_fast": 2.0, "on_data_fast": 0.98, "d_fake_fast": 0.23}
    assert holds("gan", seed_17)
    assert not holds("gan", seed_17 | {"modes_fast": 5.0})
    assert not holds("gan", seed_17 | {"modes_balanced": 3.0})


def test_gan_teaches_no_rule_about_a_faster_discriminator() -> None:
    """TTUR and WGAN train the discriminator faster on purpose: the lesson says so."""
    lesson = LESSONS["gan"]
    assert "TTUR" in lesson.explanation and "not a rule" in lesson.explanation
    assert "In this GAN" in lesson.question.text
