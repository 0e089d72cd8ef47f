"""Class mode's switch and credentials: when it is on, the code and key `serve` generates or
takes (flags, environment), and what it prints for the teacher."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.cli import _parser, _serve_settings
from app.settings import Settings
from app.web.class_setup import (
    CODE_ALPHABET,
    class_banner,
    join_hosts,
    lan_addresses,
    with_class_credentials,
)
from tests.servers import free_port

ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize(
    ("options", "on"),
    [
        ({}, False),
        ({"host": "localhost"}, False),
        ({"host": "::1"}, False),
        ({"host": "0.0.0.0"}, True),
        ({"host": "192.168.1.20"}, True),
        ({"host": "0.0.0.0", "open_access": True}, False),
        ({"class_code": "ABCD"}, True),
        ({"host": "0.0.0.0", "open_access": True, "class_code": "ABCD"}, True),
    ],
)
def test_class_mode_follows_host_open_and_code(options: dict[str, object], on: bool) -> None:
    assert Settings(**options).class_mode is on  # type: ignore[arg-type]


def test_missing_credentials_are_generated_in_class_mode_only() -> None:
    assert with_class_credentials(Settings()).class_code is None
    settings = with_class_credentials(Settings(host="0.0.0.0"))
    code, key = settings.class_code, settings.teacher_key
    assert code is not None and len(code) == 6 and set(code) <= set(CODE_ALPHABET)
    assert not set(code) & set("0O1IL")
    assert key is not None and len(key) >= 16
    other = with_class_credentials(Settings(host="0.0.0.0"))
    assert (other.class_code, other.teacher_key) != (code, key)
    given = with_class_credentials(Settings(class_code="Maths7", teacher_key="k" * 12))
    assert (given.class_code, given.teacher_key) == ("Maths7", "k" * 12)


def test_flags_and_environment_set_the_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    args = _parser().parse_args(["serve", "--class-code", "ROOM42", "--teacher-key", "t" * 20])
    settings = _serve_settings(args)
    assert settings is not None
    assert (settings.class_code, settings.teacher_key) == ("ROOM42", "t" * 20)
    opened = _serve_settings(_parser().parse_args(["serve", "--host", "0.0.0.0", "--open"]))
    assert opened is not None and not opened.class_mode
    monkeypatch.setenv("NNP_CLASS_CODE", "ENVCODE")
    monkeypatch.setenv("NNP_TEACHER_KEY", "e" * 16)
    settings = _serve_settings(_parser().parse_args(["serve"]))
    assert settings is not None and settings.class_mode
    assert (settings.class_code, settings.teacher_key) == ("ENVCODE", "e" * 16)


def test_a_bad_code_flag_is_refused_in_words(capsys: pytest.CaptureFixture[str]) -> None:
    assert _serve_settings(_parser().parse_args(["serve", "--class-code", "a b"])) is None
    assert _serve_settings(_parser().parse_args(["serve", "--teacher-key", "short"])) is None
    err = capsys.readouterr().err
    assert "--class-code: must be 4 to 32 letters and digits" in err
    assert "--teacher-key: must be 12 to 128" in err


def test_banner_names_the_join_link_code_teacher_link_and_draws_a_qr_code() -> None:
    settings = Settings(host="10.1.2.3", port=8123, class_code="ABC234", teacher_key="k" * 16)
    banner = class_banner(settings)
    assert "http://10.1.2.3:8123/?code=ABC234" in banner
    assert "Class code: ABC234" in banner
    assert "http://10.1.2.3:8123/teacher?key=" + "k" * 16 in banner
    qr_rows = [line for line in banner.splitlines() if "█" in line]
    assert len(qr_rows) >= 10  # a version-2+ QR code is 25+ modules, two rows a line


def test_every_address_lists_lan_addresses_or_says_to_use_this_machines() -> None:
    hosts = join_hosts("0.0.0.0")
    assert hosts == lan_addresses()
    assert all(not h.startswith("127.") for h in hosts)
    banner = class_banner(Settings(host="0.0.0.0", class_code="ABCD", teacher_key="k" * 12))
    if hosts:
        assert f"http://{hosts[0]}:8000/?code=ABCD" in banner
    else:
        assert "this machine's address" in banner


@pytest.mark.slow
def test_serve_prints_the_banner(tmp_path: Path) -> None:
    """The real command: it prints the code, the teacher's link and the QR code before
    serving."""
    port = str(free_port())
    command = [sys.executable, "-m", "app.cli", "serve", "--port", port, "--class-code", "QRTEST"]
    env = {"NNP_DATA_DIR": str(tmp_path), "NNP_WORKERS": "1", "PATH": "/usr/bin:/bin"}
    seen: list[str] = []
    with subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    ) as process:
        lines: queue.Queue[str] = queue.Queue()
        out = process.stdout
        assert out is not None
        reader = threading.Thread(target=lambda: [lines.put(x) for x in out], daemon=True)
        reader.start()
        try:
            deadline = time.monotonic() + 60
            while not any("Scan to join" in x for x in seen):
                seen.append(lines.get(timeout=max(0.1, deadline - time.monotonic())))
        finally:
            process.terminate()
            process.wait(timeout=30)
            reader.join(timeout=10)
    text = "".join(seen)
    assert f"http://127.0.0.1:{port}/?code=QRTEST" in text
    assert "Class code: QRTEST" in text and f":{port}/teacher?key=" in text
