"""Hatchling build hook: puts the npm-installed front-end libraries into the built packages.

uPlot comes from the npm registry (package.json, pinned by package-lock.json) and is never
committed; `npm ci` installs it in node_modules/. A wheel carries its dist files as
app/vendor/uplot (found there by app/web/paths.py); an sdist carries node_modules/uplot/dist
as it is, so a wheel built from the sdist finds it. An editable install needs nothing: the
checkout serves node_modules/ itself.

A plain `force-include` in pyproject.toml would fail on a checkout without node_modules/
with only "Forced include not found: <path>"; this says what to run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

# source in the checkout -> place in the wheel (with its MIT licence)
VENDORED = {
    "node_modules/uplot/dist": "app/vendor/uplot",
    "node_modules/uplot/LICENSE": "app/vendor/uplot/LICENSE",
}


class VendorBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "vendor"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name == "wheel" and version == "editable":
            return
        for source, wheel_path in VENDORED.items():
            if not (Path(self.root) / source).exists():
                raise FileNotFoundError(
                    f"{source} is missing from {self.root}: run `npm ci` there first (it "
                    "installs the pinned front-end libraries from package-lock.json; "
                    "Node.js and npm are needed), then build or install again."
                )
            target = wheel_path if self.target_name == "wheel" else source
            build_data["force_include"][source] = target
