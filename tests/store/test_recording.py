"""The server's hold on the runs database at start (app/web/recording.py): a database that
cannot be opened leaves the server without recording, never without serving."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from app.settings import Settings
from app.web.recording import open_recorder
from tests.servers import free_port


async def recorder_for(settings: Settings) -> object:
    recorder = open_recorder(settings)
    if recorder is not None:
        await asyncio.to_thread(recorder.close)  # type: ignore[attr-defined]
    return recorder


def test_an_unreachable_database_means_no_recording(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"postgresql://nobody@127.0.0.1:{free_port()}/none"  # nothing listens there
    with caplog.at_level(logging.ERROR):
        assert asyncio.run(recorder_for(Settings(data_dir=tmp_path, database_url=url))) is None
    assert "runs are not recorded" in caplog.text


def test_recording_off_opens_nothing(tmp_path: Path) -> None:
    assert asyncio.run(recorder_for(Settings(data_dir=tmp_path, record_runs=False))) is None
    assert not (tmp_path / "runs.sqlite").exists()


def test_the_default_opens_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    recorder = asyncio.run(recorder_for(Settings(data_dir=tmp_path)))
    assert recorder is not None and (tmp_path / "runs.sqlite").exists()
