"""/vendor/uplot: served from node_modules/ (or the wheel's app/vendor), and without it the
server still starts, warns once how to fix it, and answers 404 there."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import httpx
import pytest

from app.settings import Settings
from app.web import app as web_app
from app.web.paths import vendor_dir


def test_vendor_dir_is_npm_ci_output_in_a_checkout() -> None:
    directory = vendor_dir()
    assert (directory / "uPlot.esm.js").is_file()
    assert (directory / "uPlot.min.css").is_file()


def test_without_uplot_the_app_starts_warns_once_and_answers_404(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def missing() -> Path:
        raise FileNotFoundError("NN Playground cannot find ... Run `npm ci` at the top ...")

    monkeypatch.setattr(web_app, "vendor_dir", missing)
    with caplog.at_level(logging.WARNING, logger="app.web.app"):
        app = web_app.create_app(Settings(data_dir=tmp_path, workers=1))
    (record,) = [r for r in caplog.records if r.name == "app.web.app"]
    assert record.levelno == logging.WARNING
    assert "npm ci" in record.getMessage() and "/vendor/uplot/" in record.getMessage()

    async def get(path: str) -> httpx.Response:
        # ASGITransport runs no lifespan: no worker processes are needed to route a GET.
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.get(path)

    assert asyncio.run(get("/vendor/uplot/uPlot.esm.js")).status_code == 404
    assert asyncio.run(get("/healthz")).json() == {"status": "ok"}
