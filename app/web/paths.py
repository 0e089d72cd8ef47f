"""Where the page's static files and templates live, installed or in a source checkout.

An installed wheel carries them inside the package (``app/static``, ``app/templates``: the
force-include in pyproject.toml); a source checkout or an editable install has them at the
top of the repository, next to ``app/``. The in-package copy wins when both exist, so an
installed app never serves a source tree that happens to sit beside it.

Third-party front-end libraries come from the npm registry (package.json, pinned by
package-lock.json) and are never committed: ``npm ci`` puts uPlot in
``node_modules/uplot/dist`` of a checkout, and the wheel carries that directory as
``app/vendor/uplot`` (hatch_build.py).
"""

from __future__ import annotations

from pathlib import Path

import app


def static_dir() -> Path:
    """The directory served at ``/static``."""
    return _find_dir("static")


def templates_dir() -> Path:
    """The directory of the Jinja2 page templates."""
    return _find_dir("templates")


def vendor_dir() -> Path:
    """The uPlot distribution files (``uPlot.esm.js``, ``uPlot.min.css``), served at
    ``/vendor/uplot``. Raises FileNotFoundError, naming both places and ``npm ci``, when
    neither has them."""
    return _find_dir(
        "vendor/uplot",
        checkout_path="node_modules/uplot/dist",
        fix="Run `npm ci` at the top of the source checkout: it installs the pinned front-end "
        "libraries (package-lock.json)",
    )


def _find_dir(
    name: str,
    checkout_path: str | None = None,
    fix: str = "Reinstall the package, or run it from a complete source checkout",
) -> Path:
    """``app/<name>`` when installed, else ``<checkout>/<checkout_path or name>``."""
    package_dir = Path(app.__file__).resolve().parent
    installed = package_dir / name
    if installed.is_dir():
        return installed
    # Only a repository root (marked by its pyproject.toml) counts as a checkout, so an
    # installed app never picks up some other distribution's top-level site-packages/<name>.
    checkout_root = package_dir.parent
    in_checkout = checkout_root / (checkout_path or name)
    if in_checkout.is_dir() and (checkout_root / "pyproject.toml").is_file():
        return in_checkout
    raise FileNotFoundError(
        f"NN Playground cannot find its {name}/ directory: looked for {installed} "
        f"(installed package) and {in_checkout} (source checkout). {fix}."
    )
