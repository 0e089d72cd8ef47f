"""The page's JavaScript is type-checked, not just annotated: TypeScript (an exact
devDependency in package.json, installed by `npm ci`) checks every module in static/js
against its JSDoc types, strictly, and finds no error (`npm run typecheck`, tsconfig.json).

Without node_modules/typescript (no `npm ci` yet) the tests are skipped, saying so; in CI
(CI=true) they fail instead, as a missing tool there is a broken install."""

from __future__ import annotations

import json
import shutil
import subprocess

from tests.page.browser import ROOT, require_tool

TSC = ROOT / "node_modules" / "typescript" / "bin" / "tsc"
NPM_CI_HINT = "run `npm ci` in the project folder (it installs the pinned TypeScript)"


def _tsc(*args: str) -> subprocess.CompletedProcess[str]:
    """tsc on the project's tsconfig.json, its diagnostics one per line."""
    node = shutil.which("node")
    require_tool(node, "Node.js (node)", "install Node.js 20 or newer, with npm")
    require_tool(TSC, "TypeScript (node_modules/typescript)", NPM_CI_HINT)
    assert node is not None
    return subprocess.run(
        [node, str(TSC), "-p", ".", "--pretty", "false", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_tsconfig_checks_every_page_module_strictly() -> None:
    """A check that skipped files or loosened its rules would pass for the wrong reason."""
    result = _tsc("--showConfig")
    assert result.returncode == 0, result.stdout + result.stderr
    config = json.loads(result.stdout)
    options = config["compilerOptions"]
    # --showConfig spells out what `strict` turns on, so a rule turned back off shows here.
    for option in ("checkJs", "noEmit", "strict", "noImplicitAny", "strictNullChecks"):
        assert options.get(option) is True, f"tsconfig.json: {option} is not on"
    checked = {(ROOT / name).resolve() for name in config["files"]}
    modules = set((ROOT / "static" / "js").rglob("*.js"))
    assert modules, "no modules under static/js"
    assert sorted(modules - checked) == []


def test_npm_run_typecheck_finds_no_errors() -> None:
    """The command contributors run (README, docs/development.md), through npm."""
    require_tool(TSC, "TypeScript (node_modules/typescript)", NPM_CI_HINT)
    npm = shutil.which("npm")
    require_tool(npm, "npm", "install Node.js 20 or newer, with npm")
    assert npm is not None
    result = subprocess.run(
        [npm, "run", "--silent", "typecheck", "--", "--pretty", "false"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    errors = [line for line in output.splitlines() if ": error TS" in line]
    assert (result.returncode, errors) == (0, []), output
