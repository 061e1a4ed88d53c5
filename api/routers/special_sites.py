"""Special sites: direct-upload requests and the fire department's decision (R-SPEC)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from api.deps import CtxDep, PersonDep
from api.report_upload import is_form
from engine.errors import PayloadTooLarge
from workflows.special_sites import service
from workflows.special_sites.schemas import (
    DirectUploadDecision,
    DirectUploadRequestCreate,
    DirectUploadRequestRead,
)

router = APIRouter(prefix="/api/v1", tags=["special sites"])

MULTIPART_BODY = {
    "requestBody": {
        "content": {
            "application/json": {"schema": DirectUploadRequestCreate.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["reason"],
                    "properties": {
                        "reason": {"type": "string"},
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                    },
                }
            },
        },
        "required": True,
    }
}


async def _read_request(request: Request) -> tuple[DirectUploadRequestCreate, list[tuple[str, str, bytes]]]:
    """``{reason}`` as JSON, or multipart ``reason`` + ``files`` (each ≤ 10 MB)."""
    files: list[tuple[str, str, bytes]] = []
    try:
        if is_form(request):
            async with request.form() as form:
                body = DirectUploadRequestCreate.model_validate({"reason": form.get("reason")})
                for item in form.getlist("files"):
                    if isinstance(item, UploadFile):
                        content = await item.read(service.MAX_ATTACHMENT_BYTES + 1)
                        if len(content) > service.MAX_ATTACHMENT_BYTES:
                            raise PayloadTooLarge(
                                f"说明材料 {item.filename} 超过 10 MB / {item.filename} exceeds 10 MB"
                            )
                        media = item.content_type or "application/octet-stream"
                        files.append((item.filename or "file", media, content))
        else:
            body = DirectUploadRequestCreate.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None
    return body, files


@router.post(
    "/projects/{project_id}/direct-upload-requests",
    response_model=DirectUploadRequestRead,
    status_code=201,
    openapi_extra=MULTIPART_BODY,
)
async def request_direct_upload(
    request: Request, ctx: CtxDep, _me: PersonDep, project_id: uuid.UUID
) -> DirectUploadRequestRead:
    """Ask the fire department to allow direct report upload `{reason}` (+ multipart `files`) (R-SPEC)."""
    body, files = await _read_request(request)

    def run() -> DirectUploadRequestRead:
        created = service.request_direct_upload(ctx, project_id, reason=body.reason, files=files)
        return service.describe_request(ctx, created)

    return await run_in_threadpool(run)


@router.get("/projects/{project_id}/direct-upload-requests", response_model=list[DirectUploadRequestRead])
def list_requests(ctx: CtxDep, _me: PersonDep, project_id: uuid.UUID) -> list[DirectUploadRequestRead]:
    """The project's direct-upload requests, newest first."""
    return service.list_requests(ctx, project_id)


@router.get("/direct-upload-requests/{request_id}", response_model=DirectUploadRequestRead)
def read_request(ctx: CtxDep, _me: PersonDep, request_id: uuid.UUID) -> DirectUploadRequestRead:
    """One request (404 outside the caller's scope)."""
    return service.describe_request(ctx, service.get_request(ctx, request_id))


@router.post("/direct-upload-requests/{request_id}/decision", response_model=DirectUploadRequestRead)
def decide(
    ctx: CtxDep, _me: PersonDep, request_id: uuid.UUID, body: DirectUploadDecision
) -> DirectUploadRequestRead:
    """Approve or reject `{approve, opinion}` (fire supervisor of the project's jurisdiction only)."""
    decided = service.decide_direct_upload(ctx, request_id, approve=body.approve, opinion=body.opinion)
    return service.describe_request(ctx, decided)
