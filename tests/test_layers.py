"""The package's layers, read from its import statements (module level or inside a function;
`if TYPE_CHECKING:` imports are for types only and left out): no import cycle between
modules, and each layer imports only the layers below it. An import that breaks either makes
a module that cannot be understood, or loaded, without the ones above it."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).parents[1] / "app"

# Lowest first; a module may import its own top-level package and those of a lower rank.
RANKS = {
    "app": -1,  # the package's __init__: its version, nothing more
    "app.settings": 0,
    "app.spec": 1,
    "app.views": 1,  # the views' facts (app/views.py): what the wire and the worker know of them
    "app.data": 2,
    "app.nn": 3,
    "app.catalog": 3,
    "app.validation": 4,  # checks a spec for the web process: never trains, never app.train
    "app.spec_doc": 4,
    "app.train": 4,
    "app.protocol": 5,
    "app.lessons": 5,
    "app.export": 5,  # a trained Run -> a script, weights and ONNX (app.train's Run, no web)
    "app.store": 5,  # the runs database and checkpoints (app/store): below the web, above app.train
    "app.worker": 6,
    "app.client": 6,
    "app.cluster": 6.5,  # Redis scale-out: worker hosts run app.worker; app.web picks it
    "app.web": 7,
    "app.cli": 8,
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in APP.rglob("*.py"):
        parts = list(path.relative_to(APP.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _module_of(name: str) -> str:
    """The module an imported name lives in (`app.train.run.Run` -> `app.train.run`)."""
    while name not in MODULES:
        name = name.rpartition(".")[0]
    return name


class _Imports(ast.NodeVisitor):
    def __init__(self) -> None:
        self.found: set[str] = set()

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
        for child in node.orelse if name == "TYPE_CHECKING" else [*node.body, *node.orelse]:
            self.visit(child)

    def visit_Import(self, node: ast.Import) -> None:
        self.found |= {_module_of(a.name) for a in node.names if a.name.startswith("app")}

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and node.module.split(".")[0] == "app":
            self.found |= {_module_of(f"{node.module}.{a.name}") for a in node.names}


def _graph() -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        visitor = _Imports()
        visitor.visit(ast.parse(path.read_text()))
        graph[name] = visitor.found - {name}
    return graph


def _top(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_no_module_imports_one_that_imports_it_back() -> None:
    graph, done, cycles = _graph(), set(), []

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            cycles.append(" -> ".join(path[path.index(module) :] + [module]))
            return
        if module in done:
            return
        for imported in sorted(graph[module]):
            visit(imported, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    assert cycles == []


def test_each_layer_imports_only_the_layers_below_it() -> None:
    wrong = [
        f"{module} imports {imported}"
        for module, imports in _graph().items()
        for imported in imports
        if _top(imported) != _top(module) and RANKS[_top(imported)] >= RANKS[_top(module)]
    ]
    assert wrong == []


def test_every_top_level_module_has_a_rank() -> None:
    assert {_top(m) for m in MODULES} == set(RANKS)
