"""The catalog (`GET /api/catalog`, app/catalog.py) is the page's only schema: static/js
reads every bound and name list from it (static/js/schema.js, state.js `useCatalog`) and
repeats none, and the JavaScript unit tests run against the catalog the server builds now."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.catalog import build_catalog
from app.settings import DEFAULT_LIMITS

ROOT = Path(__file__).parents[1]
PAGE = ROOT / "static" / "js"
FIXTURE = ROOT / "tests" / "js" / "catalog.json"

ARRAY = re.compile(r"\[\s*\"[^\"\n]*\"(?:\s*,\s*\"[^\"\n]*\")+\s*,?\s*\]")
OBJECT = re.compile(r"\{[^{}]*\}")  # an object literal with no object inside
KEY = re.compile(r"(?:^|[{,])\s*\"?([A-Za-z_][\w^*()]*)\"?\s*:")
BOUNDS = re.compile(
    r"\bmin:\s*(-?[\d.e+-]+|2 \*\* \d+ - 1)\s*,\s*max:\s*(-?[\d.e+-]+|2 \*\* \d+ - 1)"
)
TOO_MANY = 3  # names of one catalog list in one literal: a copy of it


def test_the_js_tests_catalog_is_the_one_the_server_builds() -> None:
    built = json.loads(json.dumps(build_catalog(DEFAULT_LIMITS)))
    assert json.loads(FIXTURE.read_text()) == built, (
        "tests/js/catalog.json is stale: python -m app.catalog > tests/js/catalog.json"
    )


def _name_lists(catalog: dict[str, Any]) -> Iterator[tuple[str, set[str]]]:
    """Every list of names the catalog serves, with where it serves it."""
    for key in ("activations", "initializers", "optimizers", "schedules", "losses", "layers"):
        yield key, set(catalog[key])
    yield "datasets", set(catalog["datasets"]) | set(catalog["gan"]["datasets"])
    yield "features", set(catalog["features"])
    for kind, menu in catalog["layer_menus"].items():
        yield f"layer_menus.{kind}", set(menu)
    for table in ("spec_params", "data_params", "train_params", "early_stopping_params"):
        for name, param in catalog[table].items():
            if param.get("choices"):
                yield f"{table}.{name}", set(map(str, param["choices"]))
    for table in ("params", "net_params"):
        for name, param in catalog["gan"][table].items():
            if param.get("choices"):
                yield f"gan.{table}.{name}", set(map(str, param["choices"]))
    for layer, entry in catalog["layers"].items():
        for name, param in entry["params"].items():
            if param.get("choices"):
                yield f"layers.{layer}.{name}", set(map(str, param["choices"]))


def _bound_pairs(catalog: dict[str, Any]) -> set[tuple[float, float]]:
    tables = [catalog[t] for t in ("spec_params", "data_params", "train_params")]
    tables += [catalog["early_stopping_params"], catalog["gan"]["params"]]
    tables += [catalog["gan"]["net_params"], *(e["params"] for e in catalog["layers"].values())]
    pairs = set()
    for table in tables:
        for param in table.values():
            low = param.get("min", param.get("exclusive_min", param.get("item_min")))
            high = param.get("max", param.get("exclusive_max", param.get("item_max")))
            if low is not None and high is not None:
                pairs.add((float(low), float(high)))
    return pairs


def _without_comments(text: str) -> str:
    """The code, each comment line blank (so the line numbers stay)."""
    lines = text.splitlines()
    return "\n".join("" if ln.lstrip().startswith(("*", "/*", "//")) else ln for ln in lines)


def repeats(page: Path, catalog: dict[str, Any]) -> list[str]:
    """Where the page's code copies a name list or a pair of bounds the catalog serves: in an
    array of strings, the keys of an object, or an object's `min` and `max`, however the
    formatter spreads them over lines. Comments may name anything; a setting of the page's
    own (`page: true`) has bounds of its own."""
    lists = list(_name_lists(catalog))
    pairs = _bound_pairs(catalog)
    found = []
    for path in sorted(page.rglob("*.js")):
        where = path.relative_to(page)
        code = _without_comments(path.read_text())

        def line_of(match: re.Match[str], code: str = code) -> int:
            return code.count("\n", 0, match.start()) + 1

        literals = [(m, re.findall(r"\"([^\"\n]*)\"", m.group())) for m in ARRAY.finditer(code)]
        literals += [(m, KEY.findall(m.group())) for m in OBJECT.finditer(code)]
        for match, names in literals:
            for source, served in lists:
                if len(served & set(names)) >= TOO_MANY:
                    found.append(f"{where}:{line_of(match)} repeats the catalog's {source}")
        for match in OBJECT.finditer(code):
            if "page: true" in match.group():
                continue
            for low, high in BOUNDS.findall(match.group()):
                value = (float(eval(low)), float(eval(high)))  # noqa: S307 - digits or 2 ** n - 1
                if value in pairs:
                    found.append(f"{where}:{line_of(match)} repeats the bounds {low}..{high}")
    return sorted(set(found))


# The one copy left, on purpose: the network diagram draws each input feature over the plane
# before any run exists, with the formula of each (a name list with code, not a schema);
# runs send the features' maps in their frames. Serving these rasters would remove it.
KNOWN = {
    "views/network.js repeats the catalog's data_params.features",
    "views/network.js repeats the catalog's features",
}


def test_the_page_repeats_no_name_list_or_bound_the_catalog_serves() -> None:
    found = {re.sub(r":\d+ ", " ", where) for where in repeats(PAGE, build_catalog(DEFAULT_LIMITS))}
    assert found - KNOWN == set()
