"""Map errors to JSON ``{code, message}`` responses, once for the whole API."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine.errors import DomainError

log = logging.getLogger("fireops.api")


def _body(code: str, message: str, **extra: object) -> dict[str, object]:
    return {"code": code, "message": message, **extra}


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        log.info("request.refused code=%s status=%s", exc.code, exc.status_code)
        extra: dict[str, object] = {}
        field = getattr(exc, "field", None)
        if field:
            extra["field"] = field
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return JSONResponse(
            _body(exc.code, exc.message, **extra), status_code=exc.status_code, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if errors and all(err.get("type") == "json_invalid" for err in errors):
            # Not well-formed at all (the body is no JSON): 400. Well-formed but unacceptable
            # input is 422 (``InvalidInput``), as the error hierarchy says.
            return JSONResponse(
                _body(
                    "malformed_request",
                    "请求体不是有效的 JSON，请检查格式后重试 / the request body is not valid JSON: "
                    f"{errors[0].get('ctx', {}).get('error', 'invalid JSON')}",
                ),
                status_code=400,
            )
        parts = []
        for err in errors:
            loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form")]
            parts.append(f"{'.'.join(loc) or 'body'}: {err.get('msg', 'invalid')}")
        first = errors[0] if errors else {}
        field = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "form"))
        return JSONResponse(
            _body("invalid_input", "; ".join(parts) or "invalid input", field=field), status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            413: "payload_too_large",
            415: "unsupported_media",
        }.get(exc.status_code, "http_error")
        return JSONResponse(_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers)
