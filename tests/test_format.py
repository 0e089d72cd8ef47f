"""The page's code and styles and the JavaScript tests keep one format: Prettier (an exact
devDependency, installed by `npm ci`; .prettierrc.json) finds nothing to change
(`npm run format:check`; `npm run format` rewrites). Python's is ruff's (tests/test_style.py).

Without node_modules/prettier the test is skipped, saying so; in CI it fails instead."""

from __future__ import annotations

import json
import shutil
import subprocess

from tests.page.browser import ROOT, require_tool

PRETTIER = ROOT / "node_modules" / "prettier" / "bin" / "prettier.cjs"
FORMATTED = ["static/js", "static/css", "tests/js"]


def test_npm_run_format_check_finds_nothing_to_change() -> None:
    require_tool(PRETTIER, "Prettier (node_modules/prettier)", "run `npm ci` in the project folder")
    npm = shutil.which("npm")
    require_tool(npm, "npm", "install Node.js 20 or newer, with npm")
    assert npm is not None
    result = subprocess.run(
        [npm, "run", "--silent", "format:check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, "run `npm run format`:\n" + result.stdout + result.stderr


def test_the_check_covers_the_page_and_its_tests() -> None:
    """A check over fewer folders would pass for the wrong reason."""
    scripts = json.loads((ROOT / "package.json").read_text())["scripts"]
    assert scripts["format:check"] == "prettier --check " + " ".join(FORMATTED)
    assert scripts["format"] == "prettier --write " + " ".join(FORMATTED)
