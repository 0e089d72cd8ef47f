"""The page tests' fixtures: one real server and one headless Chromium per test module, and
a fresh browser context per test whose console errors and uncaught exceptions fail it.

Module scope, not session: Playwright's sync API holds an asyncio event loop as the running
loop of the main thread while it is open, and the tests after tests/page call asyncio.run,
which refuses to start beside it. So no test that uses `page` or `browser` can call
asyncio.run either."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, sync_playwright

from app.settings import Settings
from tests.page.browser import CHROMIUM, CHROMIUM_ARGS, INSTALL_HINT, require_tool
from tests.servers import running

VIEWPORT = {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def page_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app as `nnplayground serve` runs it, on a free loopback port. Every page test
    connects from loopback and a closed page's run lives on for the resume grace: so a short
    grace, and no cap on runs per address."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("page-data"),
        workers=2,
        ws_resume_grace_s=3.0,
        ws_runs_per_ip=1000,
    )
    with running(settings) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_tool(CHROMIUM, "Chromium", INSTALL_HINT)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: Browser, page_server: str, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A new page in its own context (1366×768, relative URLs on the page server). A console
    error or an uncaught exception on it fails the test at teardown, listing them all; a
    module's `EXPECTED_CONSOLE` names more console errors its tests cause on purpose."""
    context = browser.new_context(viewport=VIEWPORT, base_url=page_server)
    page = context.new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # Chromium logs every HTTP error response; a 422 from the validator or the upload
        # is an answer the page shows next to a control (the tests check it there), not a
        # page error.
        expected = ("status of 422", *getattr(request.module, "EXPECTED_CONSOLE", ()))
        if message.type == "error" and not any(e in message.text for e in expected):
            where = message.location
            problems.append(f"console error: {message.text} ({where['url']}:{where['lineNumber']})")

    def on_page_error(error: Error) -> None:
        problems.append(f"uncaught {error.name}: {error.message}\n{error.stack or ''}".rstrip())

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    try:
        yield page
    finally:
        context.close()
    if problems:
        for problem in problems:
            print(problem)
        pytest.fail(f"{len(problems)} error(s) on the page:\n" + "\n".join(problems))
