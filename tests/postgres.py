"""A throwaway PostgreSQL server for the tests: Debian's `postgresql` package (`initdb`,
`pg_ctl`), a cluster in a temp dir, listening on a free loopback port only. PostgreSQL
refuses to run as root: as root the cluster belongs to, and runs as, `nobody` (through
`runuser`); as any other user it runs as that user. Without the package the tests skip,
or fail under CI=true (.ci/run installs it)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.page.browser import require_tool
from tests.servers import free_port

HINT = "install Debian's postgresql package (apt-get install postgresql), as .ci/run does"


def postgres_bin() -> Path | None:
    """The folder of `initdb` and `pg_ctl` (Debian keeps them off PATH)."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "nobody", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def postgres_server() -> Iterator[str]:
    """Starts a cluster; yields its URL (user `postgres`, no password, loopback only)."""
    bin_dir = postgres_bin()
    require_tool(None if bin_dir is None else bin_dir / "initdb", "PostgreSQL's initdb", HINT)
    assert bin_dir is not None
    # Not under pytest's tmp dir: its folders are private to root, and `nobody` runs it.
    root = Path(tempfile.mkdtemp(prefix="nnp-postgres-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "nobody")
    port = free_port()
    run = {"check": True, "capture_output": True, "timeout": 120}
    try:
        subprocess.run(
            _as_owner(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                ]
            ),
            **run,  # type: ignore[call-overload]
        )
        options = f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off"
        subprocess.run(
            _as_owner(
                [
                    str(bin_dir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-o",
                    options,
                    "-l",
                    str(root / "log"),
                    "-w",
                    "start",
                ]
            ),
            **run,  # type: ignore[call-overload]
        )
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(
                _as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                capture_output=True,
                timeout=60,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)
