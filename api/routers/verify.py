"""Public report verification page ``/verify/{token}`` (HTML, or JSON with ``Accept: application/json``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.deps import CtxDep
from engine.clock import BUSINESS_TZ
from engine.errors import NotFound
from workflows.reports.service import verify_report

router = APIRouter(tags=["verify"])
_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent.parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


@router.get("/verify/{token}", response_model=None)
def verify(ctx: CtxDep, request: Request, token: str) -> Response:
    """Genuine or not, report number, project, agency, period, filed or not and when, SHA-256 of the PDF."""
    wants_json = "application/json" in request.headers.get("accept", "")
    try:
        view = verify_report(ctx, token)
    except NotFound as exc:
        if wants_json:
            return JSONResponse({"code": exc.code, "message": exc.message, "genuine": False}, status_code=404)
        html = _templates.get_template("verify.html").render(view=None)
        return HTMLResponse(html, status_code=404)
    if wants_json:
        return JSONResponse(view.model_dump(mode="json"))
    data: dict[str, Any] = view.model_dump()
    data["filed_at_local"] = (
        view.filed_at.astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M") if view.filed_at else ""
    )
    return HTMLResponse(_templates.get_template("verify.html").render(view=data))
