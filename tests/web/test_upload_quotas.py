"""One client must not flush everyone's uploads, on a real uvicorn server: an address is
held to its upload quota (429 in words beyond, others unaffected), and a flood of uploads
deletes neither a file a live run trains on nor one uploaded recently (the flood is
refused, 507, once only such files remain). Clients come from different loopback
addresses."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.client import connect
from app.settings import Settings
from tests.servers import running
from tests.web.test_uploads import good_csv

FILES = [good_csv(60, shift=k) for k in range(8)]
ROOM = 2 * max(len(raw) for raw in FILES) + 100  # the folder holds two files


def serve(tmp: pytest.TempPathFactory, **settings: object) -> Iterator[tuple[str, Path]]:
    data_dir = tmp.mktemp("data")
    with running(Settings(data_dir=data_dir, workers=1, **settings)) as url:  # type: ignore[arg-type]
        yield url, data_dir / "uploads"


@pytest.fixture(scope="module")
def in_use_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """Recent uploads get no protection here: only live runs keep their files."""
    yield from serve(tmp_path_factory, max_upload_dir_bytes=ROOM, upload_keep_s=0)


@pytest.fixture(scope="module")
def quota_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    yield from serve(tmp_path_factory, max_upload_dir_bytes=ROOM, upload_quota_files=3)


def upload(url: str, address: str, raw: bytes) -> httpx.Response:
    with httpx.Client(transport=httpx.HTTPTransport(local_address=address)) as c:
        return c.post(f"{url}/api/uploads", content=raw, timeout=30)


def test_a_file_a_live_run_trains_on_is_not_evicted(in_use_server: tuple[str, Path]) -> None:
    url, folder = in_use_server
    mine = upload(url, "127.0.0.2", FILES[0]).json()["file"]
    spec = {
        "data": {"dataset": "csv", "file": mine, "target": "label"},
        "model": {"layers": [{"type": "dense", "units": 4}]},
    }

    async def main() -> None:
        async with await connect(url) as owner:
            await owner.start(spec, paused=True)
            await owner.wait_for(lambda e: e["type"] == "status")
            statuses = [upload(url, "127.0.0.3", raw).status_code for raw in FILES[1:5]]
            assert statuses == [200] * 4  # the flood's own older files make room
            assert (folder / mine).exists()
            await owner.start(spec)  # a restart reads the file again
            await owner.wait_for(lambda e: e["type"] == "metrics")

    asyncio.run(main())


def test_a_recent_upload_is_not_evicted(quota_server: tuple[str, Path]) -> None:
    url, folder = quota_server
    mine = upload(url, "127.0.0.4", FILES[5]).json()["file"]
    assert upload(url, "127.0.0.5", FILES[6]).status_code == 200  # the folder is now full
    r = upload(url, "127.0.0.5", FILES[7])
    assert r.status_code == 507, r.text
    assert r.json()["errors"][0]["message"].startswith("the uploads folder is full")
    assert (folder / mine).exists()


def test_an_address_over_its_quota_hears_429(quota_server: tuple[str, Path]) -> None:
    url, _ = quota_server
    same = FILES[5]  # stored already: uploading it again takes no room
    assert [upload(url, "127.0.0.6", same).status_code for _ in range(3)] == [200] * 3
    r = upload(url, "127.0.0.6", same)
    assert r.status_code == 429
    message = r.json()["errors"][0]["message"]
    assert message.startswith("at most 3 files and 50 MB of uploads per 3600 s from one address")
    assert upload(url, "127.0.0.7", same).status_code == 200  # others are not held to it
