"""POST /api/uploads: a CSV file for the `csv` dataset, checked, then kept under a name made
from its content.

The body is the file's raw bytes (the page sends `fetch(url, {method: "POST", body: file})`),
bounded by `Limits.max_csv_bytes` in the body-size middleware (`body_limit` below) before any
of it is read. The file is parsed exactly as a run will parse it, so a file that uploads is a
file that trains, and every refusal names the row, column or limit at fault.

Nothing the browser sends chooses a path: the stored name is the first 16 hex digits of the
content's SHA-256, so the same file uploaded twice is one file. The folder is bounded too
(`Settings.max_upload_dir_bytes`): an upload that would overflow it deletes the oldest
uploads first, but never a file a live run names nor one uploaded in the last
`upload_keep_s` (when only those remain, the upload is refused, 507). Each client address
may upload `upload_quota_files` files and `upload_quota_bytes` bytes per
`upload_quota_window_s` (429 beyond), so one client cannot flush everyone else's files.
A run already training keeps its data in memory; restarting one whose file was deleted
answers "there is no uploaded file named ...", and the user uploads it again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
import time
from collections import deque
from collections.abc import Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.data import DataError, Table, parse_csv
from app.data.tabular import FILE, TARGET, decode_csv, describe_size, too_large
from app.settings import Limits, Settings
from app.spec import format_errors
from app.web.body_limit import BodyLimit
from app.web.heavy import run_heavy
from app.web.routes.api import RawBody, SettingsDep, invalid

log = logging.getLogger(__name__)
router = APIRouter()

PATH = "/api/uploads"
STORED_NAME = re.compile(r"[0-9a-f]{16}\.csv")  # the names this route makes, and prunes
# parse_csv names the spec's fields; here the file is the body and the target a query.
FIELDS = {FILE: "file", TARGET: "target"}


def body_limit(limits: Limits) -> BodyLimit:
    """This route's body limit for the middleware: the CSV size limit, refused in words."""
    return BodyLimit(limits.max_csv_bytes, "file", too_large(limits))


class FolderFull(Exception):
    """No room: every upload that could be deleted is in use or recent. Says so in words."""


@dataclass(frozen=True)
class UploadFolder:
    """`data_dir/uploads`, holding at most `max_bytes` of uploads; one uploaded (or
    uploaded again) in the last `keep_s` seconds is never deleted to make room. One lock
    orders the uploads of this process, so pruning never deletes a file another upload is
    writing."""

    path: Path
    max_bytes: int
    keep_s: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def store(self, raw: bytes, in_use: Set[str] = frozenset()) -> str:
        """Keep `raw` as `<sha256 hex[:16]>.csv` and return that name. The same content
        rewrites the same file (and makes it the newest). Files named in `in_use` (by live
        runs) are not deleted to make room; raises FolderFull if room cannot be made."""
        name = hashlib.sha256(raw).hexdigest()[:16] + ".csv"
        with self.lock:
            self.path.mkdir(parents=True, exist_ok=True)
            self.make_room(len(raw), keep=name, in_use=in_use)
            self.write(name, raw)
        return name

    def make_room(self, n_bytes: int, keep: str, in_use: Set[str] = frozenset()) -> None:
        """Delete the oldest uploads (`keep`, `in_use` and recent ones aside) until `n_bytes`
        more fit, or delete nothing and raise FolderFull if they cannot. Files this route
        did not name are neither counted nor deleted."""
        stored = self.stored(keep)
        total = sum(size for _, _, size in stored)
        recent_ns = time.time_ns() - int(self.keep_s * 1e9)
        deletable = sorted(
            (mtime, name, size)
            for mtime, name, size in stored
            if name not in in_use and mtime < recent_ns
        )
        if total + n_bytes - sum(size for _, _, size in deletable) > self.max_bytes:
            raise FolderFull(
                f"the uploads folder is full ({self.limit}) of files in use by runs or "
                f"uploaded in the last {self.keep_s:g} s; try again later"
            )
        for _, name, size in deletable:
            if total + n_bytes <= self.max_bytes:
                break
            (self.path / name).unlink(missing_ok=True)
            total -= size
            log.info("deleted upload %s: the uploads folder holds at most %s", name, self.limit)

    def stored(self, keep: str) -> list[tuple[int, str, int]]:
        """(modified time in ns, name, size in bytes) of each upload but `keep`."""
        found = []
        with os.scandir(self.path) as entries:
            for entry in entries:
                if entry.name == keep or not STORED_NAME.fullmatch(entry.name):
                    continue
                if entry.is_file(follow_symlinks=False):
                    stat = entry.stat(follow_symlinks=False)
                    found.append((stat.st_mtime_ns, entry.name, stat.st_size))
        return found

    def write(self, name: str, raw: bytes) -> None:
        """Write to a temporary file in the folder, then rename: a reader (a run starting)
        sees the old file or the whole new one, never half of it."""
        handle, temporary = tempfile.mkstemp(dir=self.path, prefix=".upload-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(raw)
            os.replace(temporary, self.path / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @property
    def limit(self) -> str:
        return describe_size(self.max_bytes)


class UploadQuota:
    """Uploads per client address in a sliding window: at most `files` files and `n_bytes`
    bytes each `window_s` seconds. Used on the event loop only."""

    def __init__(self, files: int, n_bytes: int, window_s: float) -> None:
        self.files, self.n_bytes, self.window_s = files, n_bytes, window_s
        self.by_ip: dict[str, deque[tuple[float, int]]] = {}

    def charge(self, ip: str, n_bytes: int) -> str | None:
        """Counts an upload of `n_bytes` from `ip`, or returns why it is over the quota."""
        now = time.monotonic()
        past = self.by_ip.setdefault(ip, deque())
        while past and past[0][0] <= now - self.window_s:
            past.popleft()
        used = sum(size for _, size in past)
        if len(past) >= self.files or used + n_bytes > self.n_bytes:
            wait = past[0][0] + self.window_s - now if past else self.window_s
            return (
                f"at most {self.files} files and {describe_size(self.n_bytes)} of uploads per "
                f"{self.window_s:g} s from one address; try again in {wait:.0f} s"
            )
        past.append((now, n_bytes))
        self.forget_idle(now)
        return None

    def forget_idle(self, now: float) -> None:
        """Drops addresses with nothing in their window, so the table cannot grow forever."""
        for ip in [ip for ip, past in self.by_ip.items() if past[-1][0] <= now - self.window_s]:
            del self.by_ip[ip]


def get_uploads(request: Request) -> UploadFolder:
    return request.app.state.uploads


UploadsDep = Annotated[UploadFolder, Depends(get_uploads)]


class UploadQuery(BaseModel):
    """The query string: the file's name as the user sees it (shown, never a path) and the
    target column for the summary (a run's `data.target` chooses it again)."""

    model_config = ConfigDict(extra="ignore")

    name: str | None = Field(None, max_length=255)
    target: str | None = Field(None, min_length=1, max_length=100)


@router.post(
    PATH,
    responses={
        413: {"description": "The file is over the CSV size limit."},
        429: {"description": "This address is over its upload quota: the error says when."},
        507: {"description": "The folder is full of files in use or uploaded recently."},
        422: {"description": "The file is not a usable CSV: the error names the row or limit."},
    },
)
async def upload(
    request: Request, body: RawBody, settings: SettingsDep, uploads: UploadsDep
) -> JSONResponse:
    """Checks a CSV file (the raw body) as a run would read it, stores it, and describes it:
    rows, columns, the target and the task inferred from it. Parsing and writing run in the
    heavy routes' threads (app/web/heavy.py), off the event loop."""
    quota: UploadQuota = request.app.state.upload_quota
    over = quota.charge(request.client.host if request.client else "unknown", len(body))
    if over is not None:
        return JSONResponse(refusal(over), status_code=429)
    sessions = getattr(request.app.state, "sessions", None)  # absent without a lifespan
    in_use = sessions.files_in_use() if sessions is not None else frozenset()
    return await run_heavy(request, answer_upload, request, body, settings, uploads, in_use)


def answer_upload(
    request: Request, body: bytes, settings: Settings, uploads: UploadFolder, in_use: Set[str]
) -> JSONResponse:
    try:
        query = UploadQuery.model_validate(dict(request.query_params))
    except ValidationError as e:
        return invalid(format_errors(e))
    if len(body) > settings.limits.max_csv_bytes:  # the middleware refuses it first
        return JSONResponse(refusal(too_large(settings.limits)), status_code=413)
    try:
        table = parse_csv(decode_csv(body, settings.limits), query.target, "auto", settings.limits)
    except DataError as e:
        return invalid([{"field": FIELDS.get(e.field, "file"), "message": str(e)}])
    try:
        stored = uploads.store(body, in_use)
    except FolderFull as full:
        return JSONResponse(refusal(str(full)), status_code=507)
    except OSError:
        log.exception("could not store an upload in %s", uploads.path)
        return JSONResponse(refusal("the server could not save the file"), status_code=500)
    return JSONResponse(describe_upload(stored, query.name or None, table))


def refusal(message: str) -> dict[str, Any]:
    """An error about the file, in the API's error shape."""
    return {
        "valid": False,
        "detail": f"file: {message}",
        "errors": [{"field": "file", "message": message}],
    }


def describe_upload(stored: str, name: str | None, table: Table) -> dict[str, Any]:
    """What the page shows of an upload, and the `file` a spec names it by."""
    return {
        "file": stored,
        "name": name,
        "rows": len(table.target),
        "columns": table.columns,
        "features": table.feature_names,
        "target": table.target_column,
        "task": table.task,
        "class_names": table.class_names,
    }
