"""The contributor's habits are checked: the pre-commit hooks run the tools the install puts
in place, and every commit since the rule (docs/development.md, "Commits") has a subject of at
most 72 characters parted from its body by a blank line (tools/commit_subject.py, the
commit-msg hook)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tools.commit_subject import MAX_SUBJECT, problems

ROOT = Path(__file__).parents[1]
CONFIG = ROOT / ".pre-commit-config.yaml"
# The last commit before the rule held; every later one keeps it.
RULE_SINCE = "b6466964e1a3b75440af9b6e94a549993b2160b6"


def test_the_pre_commit_config_is_valid() -> None:
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        [str(bin_dir / "pre-commit"), "validate-config", str(CONFIG)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_hook_runs_a_tool_the_install_provides() -> None:
    hooks = [h for repo in yaml.safe_load(CONFIG.read_text())["repos"] for h in repo["hooks"]]
    assert all(repo["repo"] == "local" for repo in yaml.safe_load(CONFIG.read_text())["repos"])
    for hook in hooks:
        tool = hook["entry"].split()[0]
        if tool.startswith(".venv/"):  # the README's install; here, this interpreter's venv
            tool = str(Path(sys.executable).parent / Path(tool).name)
        assert shutil.which(tool) or Path(tool).exists(), f"{hook['id']}: no {tool}"
    ids = {hook["id"] for hook in hooks}
    assert {"ruff-check", "ruff-format", "mypy", "typecheck", "prettier", "commit-subject"} <= ids


def test_a_long_subject_or_a_missing_blank_line_is_refused(tmp_path: Path) -> None:
    assert problems("Add a thing\n\nWhy it was needed.\n") == []
    assert problems("x" * MAX_SUBJECT) == []
    assert problems("x" * (MAX_SUBJECT + 1)) == ["the subject is 73 characters; at most 72"]
    assert problems("Subject\nbody straight after\n") != []
    assert problems("# a comment git strips\n\n") == ["the subject (the first line) is empty"]
    message = tmp_path / "COMMIT_EDITMSG"
    message.write_text("y" * 80 + "\n")
    hook = [sys.executable, str(ROOT / "tools" / "commit_subject.py"), str(message)]
    result = subprocess.run(hook, capture_output=True, text=True)
    assert result.returncode == 1 and "80 characters" in result.stderr


def test_every_commit_since_the_rule_keeps_it() -> None:
    log = subprocess.run(
        ["git", "log", "--format=%H%x00%B%x01", f"{RULE_SINCE}..HEAD"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if log.returncode != 0:  # a shallow clone, or no git history (an unpacked archive)
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the history since {RULE_SINCE[:7]}: {log.stderr.strip()}")
        pytest.skip("no git history since the rule here")
    wrong = {}
    for entry in filter(str.strip, log.stdout.split("\x01")):
        commit, _, message = entry.strip().partition("\x00")
        if message.startswith("Merge "):  # git writes those
            continue
        if found := problems(message):
            wrong[commit[:7]] = found
    assert wrong == {}
