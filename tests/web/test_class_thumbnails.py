"""The teacher's overview carries each student's thumbnail (docs/classroom.md) against a real
server: the run's boundary at 24x24, as the student's own frame of it at that grid shows,
updated as the run trains; a student cannot read it (403) and never receives it (the test
client validates every event it receives against the protocol, which has no thumbnail)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator

import numpy as np
import pytest

from app.client import Client
from app.web.classroom import COOKIE
from tests.servers import class_mode_server
from tests.web.test_classroom import (
    SPIRAL,
    open_socket,
    poll_class,
    student,
    teacher,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def class_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from class_mode_server(tmp_path_factory, "class-data")


def thumbnail_values(thumb: dict[str, object]) -> np.ndarray:
    raw = base64.b64decode(str(thumb["data"]))
    shape = thumb["shape"]
    assert isinstance(shape, list)
    return np.frombuffer(raw, np.uint8).reshape(shape).astype(np.float64) / 255


async def boundary_frame(c: Client, grid: int) -> np.ndarray:
    await c.view(["boundary"], boundary_grid=grid)
    frame = await c.wait_for(lambda e: e["type"] == "frame" and "boundary" in e["arrays"], 20)
    return np.asarray(frame["arrays"]["boundary"], np.float64)


def test_the_overview_shows_each_runs_boundary_thumbnail_as_it_trains(class_server: str) -> None:
    with student(class_server, "Ada") as s, teacher(class_server) as t:
        assert s.get("/api/class").status_code == 403  # thumbnails are the teacher's

        async def main() -> None:
            c = await open_socket(class_server, s.cookies[COOKIE], "tab-ada")
            try:
                await c.start(SPIRAL)
                first = await asyncio.to_thread(
                    poll_class, t, "Ada", lambda e: e["run"] and e["run"]["thumbnail"]
                )
                thumb = first["run"]["thumbnail"]
                assert (thumb["view"], thumb["shape"]) == ("boundary", [24, 24])
                later = await asyncio.to_thread(
                    poll_class,
                    t,
                    "Ada",
                    lambda e: (
                        e["run"]["thumbnail"]["step"] > thumb["step"]
                        and e["run"]["thumbnail"]["data"] != thumb["data"]
                    ),
                )
                assert later["run"]["thumbnail"]["step"] > thumb["step"]
                await c.pause()
                paused = await c.wait_for(
                    lambda e: e["type"] == "status" and e["state"] == "paused", 20
                )
                step = paused["step"]
                still = await asyncio.to_thread(
                    poll_class, t, "Ada", lambda e: e["run"]["thumbnail"]["step"] == step
                )
                # The student's own view of the same weights at the same grid.
                want = await boundary_frame(c, 24)
                got = thumbnail_values(still["run"]["thumbnail"])
                np.testing.assert_allclose(got, want, atol=2 / 255)
            finally:
                await c.close()

        asyncio.run(main())


def test_the_overview_is_gzipped_for_a_client_that_accepts_it(class_server: str) -> None:
    with student(class_server, "Cy"), teacher(class_server) as t:
        plain = t.get("/api/class", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        zipped = t.get("/api/class", headers={"Accept-Encoding": "gzip"})
        assert zipped.headers["content-encoding"] == "gzip"
        assert zipped.headers["vary"] == "Accept-Encoding"
        assert zipped.json() == plain.json()
        assert zipped.num_bytes_downloaded < len(zipped.content)
