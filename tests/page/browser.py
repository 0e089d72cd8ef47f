"""Debian's Chromium for the page tests, and what a test may call on a page: `shoot`.

Playwright drives /usr/bin/chromium (the `chromium` package); it never downloads a browser
of its own. Screenshots go to test-output/screenshots/ (git-ignored), for a person to look
at what a test saw.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"

CHROMIUM = Path("/usr/bin/chromium")
# Headless on a machine whose only network is loopback: no sandbox (CI runs as root), no
# GPU, no /dev/shm (small in containers), and none of Chromium's own connections (updates,
# sync, QUIC, first-run probes) that a closed network refuses again and again.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
INSTALL_HINT = (
    "apt-get install chromium (Debian's package, at /usr/bin/chromium; .ci/run installs it)"
)


def require_tool(path: Path | str | None, what: str, hint: str) -> None:
    """Skips the test without `path`, or fails it in CI (CI=true), where a missing tool is a
    broken install rather than a choice."""
    if path is not None and Path(path).is_file():
        return
    message = f"{what} not found: {hint}"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def open_blank(page: Page) -> None:
    """An empty HTML document at the page server's origin (the context's base URL), served
    by the browser itself: for tests of what the server hosts (modules, styles) apart from
    the playground page."""
    page.route(
        "**/__blank__",
        lambda route: route.fulfill(
            content_type="text/html",
            body='<!doctype html><html><head><link rel="icon" href="data:,"></head><body></body>',
        ),
    )
    page.goto("/__blank__")


def shoot(page: Page, name: str) -> Path:
    """A PNG of the page's viewport at test-output/screenshots/<name>.png; returns its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path)
    return path
