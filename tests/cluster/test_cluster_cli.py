"""`nnplayground worker` and `serve --redis` refuse a bad flag in words, before starting."""

from __future__ import annotations

import pytest

from app.cli import main


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["worker", "--redis", "localhost:6379"], "--redis: must be a redis:// or rediss:// URL"),
        (["worker", "--redis", "redis://h:6379/0", "--slots", "0"], "--slots: must be between"),
        (["serve", "--redis", "http://h:6379"], "--redis: must be a redis:// or rediss:// URL"),
    ],
)
def test_a_bad_cluster_flag_is_refused_in_words(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert words in capsys.readouterr().err
