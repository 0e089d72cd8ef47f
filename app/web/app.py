"""`create_app(settings)`: wires settings, routes and middleware. Resources are created in
the lifespan and hung on `app.state`; nothing is created at import time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from app import __version__
from app.catalog import build_catalog
from app.settings import Settings
from app.web import ws
from app.web.body_limit import BodyLimitMiddleware
from app.web.checks import CheckSlots
from app.web.class_challenge import ChallengeHolder
from app.web.class_gate import ClassGateMiddleware
from app.web.class_lesson import ClassLessonHolder
from app.web.class_locks import ClassLocks
from app.web.class_setup import class_banner, with_class_credentials
from app.web.classroom import Classroom
from app.web.guards import SocketCounter
from app.web.owners import OwnerCookieMiddleware
from app.web.paths import static_dir, templates_dir, vendor_dir
from app.web.recording import open_recorder
from app.web.request_guard import RequestGuardMiddleware
from app.web.routes import (
    api,
    class_challenge,
    class_control,
    class_lesson,
    export,
    lessons,
    pages,
    runs,
    uploads,
)
from app.web.routes import classroom as classroom_routes
from app.web.sessions import SessionRegistry
from app.worker.api import Pool
from app.worker.pool import WorkerPool

log = logging.getLogger(__name__)


def make_pool(settings: Settings) -> Pool:
    """This process's workers, or, with a Redis URL, the cluster's worker hosts."""
    if settings.redis_url is None:
        return WorkerPool(settings)
    from redis.asyncio import Redis

    from app.cluster.replica import ClusterPool

    return ClusterPool(settings, Redis.from_url(settings.redis_url))


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    if settings.class_mode and (settings.class_code is None or settings.teacher_key is None):
        settings = with_class_credentials(settings)  # served without the CLI, which prints
        log.warning("class mode: %s", class_banner(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.catalog = build_catalog(settings.limits)
        app.state.pool = pool = make_pool(settings)
        app.state.recorder = recorder = open_recorder(settings)
        app.state.sessions = sessions = SessionRegistry(settings, pool, recorder)
        app.state.sockets = SocketCounter(settings.ws_sockets_per_ip, settings.ws_sockets_total)
        await pool.start(wait=False)  # serve the page while the workers import torch
        try:
            yield
        finally:
            if settings.redis_url is None:  # a replica's runs outlive it: students move on
                sessions.end_all()
            await pool.stop()
            if recorder is not None:
                recorder.flush()
                await asyncio.to_thread(recorder.close)

    app = FastAPI(title="NN Playground", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    app.state.templates = Jinja2Templates(directory=templates_dir())
    app.state.check_slots = CheckSlots(settings.lesson_checks_per_ip, settings.lesson_checks_total)
    app.state.uploads = uploads.UploadFolder(
        settings.uploads_dir, settings.max_upload_dir_bytes, settings.upload_keep_s
    )
    app.state.upload_quota = uploads.UploadQuota(
        settings.upload_quota_files, settings.upload_quota_bytes, settings.upload_quota_window_s
    )
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.limits.max_request_bytes,
        paths={uploads.PATH: uploads.body_limit(settings.limits)},
    )
    app.add_middleware(OwnerCookieMiddleware)
    if settings.class_mode:
        _add_classroom(app, settings)
    # Added last, so outermost: Host and Origin are checked before a body is read.
    app.add_middleware(RequestGuardMiddleware, settings=settings)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.include_router(api.router)
    app.include_router(runs.router)
    app.include_router(uploads.router)
    app.include_router(export.router)
    app.include_router(lessons.router)
    app.include_router(pages.router)
    app.include_router(ws.router)
    app.mount("/static", StaticFiles(directory=static_dir()), name="static")
    _mount_vendor(app)
    return app


def _add_classroom(app: FastAPI, settings: Settings) -> None:
    """Class mode: the admission middleware (inside the Host and Origin checks) and the
    class's routes."""
    assert settings.class_code is not None and settings.teacher_key is not None
    app.state.classroom = classroom = Classroom(
        settings.class_code,
        settings.teacher_key,
        max_students=settings.class_max_students,
        failures_per_min=settings.class_failures_per_min,
    )
    app.state.class_locks = ClassLocks()
    app.state.class_challenge = ChallengeHolder()
    app.state.class_lesson = ClassLessonHolder()
    app.add_middleware(ClassGateMiddleware, classroom=classroom, templates=app.state.templates)
    app.include_router(classroom_routes.router)
    app.include_router(class_control.router)
    app.include_router(class_challenge.router)
    app.include_router(class_lesson.router)


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for serving `create_app(settings)`. uvicorn trusts X-Forwarded-For
    from 127.0.0.1 unless told otherwise: here only `settings.trusted_proxies` are trusted,
    and with none the header is not read at all."""
    return {
        "host": settings.host,
        "port": settings.port,
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": list(settings.trusted_proxies),
        "timeout_graceful_shutdown": 10,
        "ws_max_size": settings.ws_max_message_bytes,  # uvicorn would buffer 16 MiB first
        "ws_per_message_deflate": settings.ws_compression,
    }


def _mount_vendor(app: FastAPI) -> None:
    """uPlot at /vendor/uplot. Without it the server still starts (the API and the
    websocket work; the page's charts do not) and says once how to fix it."""
    try:
        directory = vendor_dir()
    except FileNotFoundError as missing:
        log.warning("%s /vendor/uplot/ will answer 404 until then.", missing)
        return
    app.mount("/vendor/uplot", StaticFiles(directory=directory), name="vendor-uplot")


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's default 422 echoes the rejected input and fails on NaN; ours names the
    field and the limit only."""
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": ".".join(str(p) for p in e["loc"]) or "body",
            "message": str(e["msg"]).replace("Input should be", "must be"),
        }
        for e in exc.errors()
    ]
    return api.invalid(errors)
