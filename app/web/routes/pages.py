"""The HTML page shells (the pages themselves are built by static/js): the playground at /,
the GAN page at /gan."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def index(request: Request) -> HTMLResponse:
    templates = request.app.state.templates
    return templates.TemplateResponse(request, "index.html", {"version": request.app.version})


@router.get("/gan", response_class=HTMLResponse, include_in_schema=False)
async def gan(request: Request) -> HTMLResponse:
    templates = request.app.state.templates
    return templates.TemplateResponse(request, "gan.html", {"version": request.app.version})
