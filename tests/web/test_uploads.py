"""POST /api/uploads: a good CSV is stored under its content hash and trains; every bad file
is refused in words (413 or 422, never 500); bodies are bounded before they are read; the
uploads folder stays under its size limit.

Most tests call the app in process (httpx's ASGITransport: no lifespan, no workers); the
last ones go through a real uvicorn server, the `server` fixture of conftest.py."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi import FastAPI

from app.settings import Settings
from app.spec import ExperimentSpec
from app.train import Run
from app.web.app import create_app

MB = 1024**2


def good_csv(n: int = 200, shift: float = 0.0) -> bytes:
    """Two features and a binary label that a line separates: label = x1 + x2 > 0."""
    rng = np.random.default_rng(n)
    lines = ["x1,x2,label"]
    for x1, x2 in rng.uniform(-1, 1, size=(n, 2)):
        lines.append(f"{x1 + shift:.4f},{x2:.4f},{int(x1 + x2 > 0)}")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture()
def app(tmp_path: Path) -> FastAPI:
    return create_app(Settings(data_dir=tmp_path, workers=1))


def post(app: FastAPI, path: str, content: Any = None, **kwargs: Any) -> httpx.Response:
    """One request to the app in process; `content` may be bytes or an async iterator."""

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.post(path, content=content, **kwargs)

    return asyncio.run(send())


def uploads_of(app: FastAPI) -> list[str]:
    """The names in the app's uploads folder (temporary files included), sorted."""
    folder: Path = app.state.settings.uploads_dir
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- a good file ---


def test_good_file_is_stored_under_its_hash_and_described(app: FastAPI) -> None:
    raw = good_csv()
    r = post(app, "/api/uploads", raw, params={"name": "../../etc/passwd"})
    assert r.status_code == 200, r.text
    stored = hashlib.sha256(raw).hexdigest()[:16] + ".csv"
    assert r.json() == {
        "file": stored,
        "name": "../../etc/passwd",  # shown back, never a path
        "rows": 200,
        "columns": ["x1", "x2", "label"],
        "features": ["x1", "x2"],
        "target": "label",
        "task": "binary",
        "class_names": ["0", "1"],
    }
    assert uploads_of(app) == [stored]  # no temporary file left behind
    assert (app.state.settings.uploads_dir / stored).read_bytes() == raw


def test_target_query_chooses_the_summarys_target(app: FastAPI) -> None:
    r = post(app, "/api/uploads", good_csv(), params={"target": "x1"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["target"], body["features"], body["task"]) == ("x1", ["x2", "label"], "regression")
    assert (body["name"], body["class_names"]) == (None, [])


def test_the_same_file_twice_is_one_file(app: FastAPI) -> None:
    first = post(app, "/api/uploads", good_csv()).json()["file"]
    second = post(app, "/api/uploads", good_csv(), params={"name": "again.csv"}).json()["file"]
    assert first == second and uploads_of(app) == [first]


def test_a_file_over_64_kb_is_accepted_here_but_not_elsewhere(app: FastAPI) -> None:
    raw = good_csv(8000)  # about 120 KB: over the 64 KiB limit of every other route
    assert len(raw) > 64 * 1024
    assert post(app, "/api/uploads", raw).status_code == 200
    r = post(app, "/api/validate", raw, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "65,536 bytes" in r.json()["detail"]


def test_uploaded_csv_validates_and_trains(app: FastAPI, tmp_path: Path) -> None:
    stored = post(app, "/api/uploads", good_csv()).json()["file"]
    spec = {
        "data": {"dataset": "csv", "file": stored, "target": "label"},
        "model": {"layers": [{"type": "dense", "units": 8}]},
        "train": {"optimizer": "adam", "lr": 0.05, "batch_size": 16},
    }
    r = post(app, "/api/validate", json=spec)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["valid"] is True
    assert body["data"]["input_kind"] == "table" and body["data"]["input_shape"] == [2]
    assert body["data"]["task"] == "binary" and body["data"]["features"] == ["x1", "x2"]
    assert [layer["output_shape"] for layer in body["layers"]] == [[8], [1]]

    run = Run(ExperimentSpec.model_validate(spec), data_dir=tmp_path)
    assert run.step(300) == 300
    assert run.evaluate().val_score > 0.9


# --- bad files: the words each gets ---

TEXT_COLUMN = b"x,name,label\n1,alice,0\n" + b"2,3,1\n" * 20
WIDE = (",".join(f"c{i}" for i in range(10_000)) + "\n").encode() + (
    (",".join("1" for _ in range(10_000)) + "\n").encode() * 12
)
LATIN_1 = "x,café,label\n".encode("latin-1") + b"1,2,0\n" * 20
SHORT = b"x,y,label\n" + b"1,2,0\n" * 5

BAD_FILES = [
    (TEXT_COLUMN, "row 2, column 'name': 'alice' is not a number"),
    (b"", "the file is empty: expected a header row naming the columns"),
    (WIDE, "the file has 10000 columns; at most 64 are allowed"),
    (LATIN_1, 'the file is not UTF-8 text (byte 6 is not valid UTF-8): save it as "CSV UTF-8"'),
    (SHORT, "the file has 5 data rows; at least 10 are needed"),
]


@pytest.mark.parametrize(("raw", "message"), BAD_FILES)
def test_bad_file_gets_422_in_words(app: FastAPI, raw: bytes, message: str) -> None:
    r = post(app, "/api/uploads", raw, params={"name": "bad.csv"})
    assert r.status_code == 422, r.text
    assert r.json() == {
        "valid": False,
        "detail": f"file: {message}",
        "errors": [{"field": "file", "message": message}],
    }
    assert uploads_of(app) == []  # nothing stored


TOO_LARGE = {
    "valid": False,
    "detail": "file: the file is over 5 MB, the limit",
    "errors": [{"field": "file", "message": "the file is over 5 MB, the limit"}],
}


def test_50_mb_file_gets_413_naming_the_limit_in_mb(app: FastAPI) -> None:
    r = post(app, "/api/uploads", b"1,2,3\n" * (50 * MB // 6))
    assert (r.status_code, r.json()) == (413, TOO_LARGE)
    assert uploads_of(app) == []


class CountedChunks:
    """An upload body of `n` chunks of 1 MB that counts how many the server pulled."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.n):
            self.pulled += 1
            yield b"1,2,3\n" * (MB // 6) + b"1,2\n"


def test_declared_50_mb_is_refused_before_any_byte_is_read(app: FastAPI) -> None:
    body = CountedChunks(50)
    r = post(app, "/api/uploads", body, headers={"content-length": str(50 * MB)})
    assert (r.status_code, r.json()) == (413, TOO_LARGE)
    assert body.pulled == 0


def test_chunked_50_mb_is_refused_after_the_limit(app: FastAPI) -> None:
    body = CountedChunks(50)  # no Content-Length: the server counts what arrives
    r = post(app, "/api/uploads", body)
    assert (r.status_code, r.json()) == (413, TOO_LARGE)
    assert body.pulled == 6  # 5 MB fit; the sixth chunk is the first byte over


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"target": "nope"}, "target", "there is no column 'nope'; the columns are 'x1', 'x2'"),
        ({"name": "n" * 256}, "name", "String should have at most 255 characters"),
        ({"target": "t" * 101}, "target", "String should have at most 100 characters"),
    ],
)
def test_bad_query_gets_422_naming_it(
    app: FastAPI, params: dict[str, str], field: str, message: str
) -> None:
    r = post(app, "/api/uploads", good_csv(), params=params)
    assert r.status_code == 422, r.text
    (error,) = r.json()["errors"]
    assert error["field"] == field and message in error["message"]


# --- the uploads folder stays bounded ---


def test_a_full_folder_deletes_the_oldest_uploads_first(tmp_path: Path) -> None:
    files = [good_csv(100, shift=k) for k in range(4)]
    size = max(len(raw) for raw in files)
    app = create_app(Settings(data_dir=tmp_path, workers=1, max_upload_dir_bytes=3 * size))
    folder = tmp_path / "uploads"
    folder.mkdir()
    (folder / "teacher.csv").write_bytes(b"x" * size)  # not named by the route: left alone
    names = []
    for age, raw in enumerate(files[:3]):
        names.append(post(app, "/api/uploads", raw).json()["file"])
        os.utime(folder / names[-1], ns=(age * 10**9, age * 10**9))  # oldest first
    names.append(post(app, "/api/uploads", files[3]).json()["file"])
    assert uploads_of(app) == sorted([*names[1:], "teacher.csv"])

    again = post(app, "/api/uploads", files[1]).json()["file"]  # a re-upload replaces itself
    assert again == names[1] and uploads_of(app) == sorted([*names[1:], "teacher.csv"])

    spec = {"data": {"dataset": "csv", "file": names[0]}}
    r = post(app, "/api/validate", json=spec)
    assert r.status_code == 422  # gone: the user uploads it again
    assert r.json()["errors"] == [
        {"field": "data.file", "message": f"there is no uploaded file named '{names[0]}'"}
    ]
    assert post(app, "/api/uploads", files[0]).status_code == 200
    assert post(app, "/api/validate", json=spec).json()["valid"] is True


def test_a_folder_that_cannot_be_written_gets_500_in_words(app: FastAPI, tmp_path: Path) -> None:
    (tmp_path / "uploads").write_text("a file where the folder should be")
    r = post(app, "/api/uploads", good_csv())
    assert r.status_code == 500 and "Traceback" not in r.text
    assert r.json()["errors"] == [
        {"field": "file", "message": "the server could not save the file"}
    ]


# --- through a real server ---


def test_real_server_takes_a_chunked_upload_and_validates_it(client: httpx.Client) -> None:
    raw = good_csv(20_000)  # about 300 KB, sent in 64 KB chunks with no declared length

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(raw), 64 * 1024):
            yield raw[start : start + 64 * 1024]

    r = client.post("/api/uploads", content=chunks(), params={"name": "big.csv"})
    assert r.status_code == 200, r.text
    assert (r.json()["rows"], r.json()["name"]) == (20_000, "big.csv")
    spec = {"data": {"dataset": "csv", "file": r.json()["file"]}}
    body = client.post("/api/validate", json=spec).json()
    assert body["valid"] is True and body["data"]["input_shape"] == [2]


def test_real_server_refuses_a_declared_50_mb_upload(server: str) -> None:
    """Headers only: the 413 comes before a byte of the body is sent."""
    url = httpx.URL(server)
    head = (
        f"POST /api/uploads HTTP/1.1\r\nHost: {url.host}:{url.port}\r\n"
        f"Content-Type: text/csv\r\nContent-Length: {50 * MB}\r\n\r\n"
    )
    with socket.create_connection((url.host, url.port), timeout=10) as connection:
        connection.sendall(head.encode())
        status, body = read_response(connection)
    assert (status, json.loads(body)) == (413, TOO_LARGE)


def read_response(connection: socket.socket) -> tuple[int, bytes]:
    """The status and body of one HTTP/1.1 response with a Content-Length."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(65536) or b"\r\n\r\n"
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(
        int(line.split(":")[1]) for line in lines if line.lower().startswith("content-length")
    )
    while len(body) < length:
        chunk = connection.recv(65536)
        assert chunk, "the server closed the connection early"
        body += chunk
    return int(lines[0].split()[1]), body
