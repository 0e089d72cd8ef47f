"""Websocket compression is a setting (`ws_compression`): off by default, because
compressing a class's frames was most of the web process's work; on, for a slow network."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.client import connect
from app.settings import Settings
from tests.servers import running


@pytest.mark.parametrize("compression", [False, True])
def test_frames_are_compressed_only_when_the_setting_says(
    tmp_path: Path, compression: bool
) -> None:
    settings = Settings(data_dir=tmp_path, workers=1, ws_compression=compression)
    with running(settings, workers_ready=False) as url:

        async def negotiated() -> str:
            client = await connect(url)
            try:
                return client.connection.response.headers.get("Sec-WebSocket-Extensions", "")
            finally:
                await client.close()

        extensions = asyncio.run(negotiated())
    assert ("permessage-deflate" in extensions) is compression
