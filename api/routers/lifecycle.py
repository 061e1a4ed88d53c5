"""Project lifecycle (R-LIFE): suspension requests and decisions, termination, completion."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from api.deps import CtxDep, PersonDep
from engine.errors import InvalidInput
from workflows.lifecycle import service
from workflows.lifecycle.files import Upload
from workflows.lifecycle.rules import MAX_FILE_BYTES, MAX_FILES
from workflows.lifecycle.schemas import (
    ProjectClosureRead,
    SuspensionCreate,
    SuspensionDecision,
    SuspensionRead,
    TerminationCreate,
)

router = APIRouter(prefix="/api/v1", tags=["lifecycle"])


async def suspension_input(request: Request) -> tuple[SuspensionCreate, list[Upload]]:
    """The request body as JSON ``{month, reason}``, or multipart with ``month``, ``reason`` and ``files``."""
    uploads: list[Upload] = []
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form(max_files=MAX_FILES + 1)
        try:
            raw = {key: form.get(key) for key in ("month", "reason") if isinstance(form.get(key), str)}
            for item in form.getlist("files"):
                if isinstance(item, UploadFile):  # at most one byte past the limit is read
                    content = await item.read(MAX_FILE_BYTES + 1)
                    uploads.append(Upload(name=item.filename or "file", content=content))
        finally:
            await form.close()
    else:
        try:
            raw = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInput("body", "请求体须为 JSON 或 multipart / send JSON or multipart") from exc
    try:
        return SuspensionCreate.model_validate(raw), uploads
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_context=False)) from exc


SuspensionInput = Annotated[tuple[SuspensionCreate, list[Upload]], Depends(suspension_input)]


@router.post("/projects/{project_id}/suspensions", response_model=SuspensionRead, status_code=201)
def request_suspension(
    ctx: CtxDep, _me: PersonDep, project_id: uuid.UUID, body: SuspensionInput
) -> SuspensionRead:
    """Request one month's suspension `{month: "2026-12", reason}`.

    Or multipart with `month`, `reason` and `files` (PDF/JPEG/PNG, ≤ 10 MB each).
    """
    data, files = body
    suspension = service.request_suspension(
        ctx, project_id, month=data.month, reason=data.reason, files=files
    )
    return service.read_suspension(ctx, suspension.id)


@router.get("/projects/{project_id}/suspensions", response_model=list[SuspensionRead])
def list_suspensions(ctx: CtxDep, _me: PersonDep, project_id: uuid.UUID) -> list[SuspensionRead]:
    """The project's suspension requests, newest month first."""
    return service.list_suspensions(ctx, project_id)


@router.get("/suspensions/{suspension_id}", response_model=SuspensionRead)
def read_suspension(ctx: CtxDep, _me: PersonDep, suspension_id: uuid.UUID) -> SuspensionRead:
    """One suspension request (404 outside the caller's scope)."""
    return service.read_suspension(ctx, suspension_id)


@router.post("/suspensions/{suspension_id}/decision", response_model=SuspensionRead)
def decide_suspension(
    ctx: CtxDep, _me: PersonDep, suspension_id: uuid.UUID, body: SuspensionDecision
) -> SuspensionRead:
    """The fire department of the project's jurisdiction decides `{approve, opinion}`."""
    service.decide_suspension(ctx, suspension_id, approve=body.approve, opinion=body.opinion)
    return service.read_suspension(ctx, suspension_id)


@router.post("/suspensions/{suspension_id}/withdraw", response_model=SuspensionRead)
def withdraw_suspension(ctx: CtxDep, _me: PersonDep, suspension_id: uuid.UUID) -> SuspensionRead:
    """The agency withdraws its pending request."""
    service.withdraw_suspension(ctx, suspension_id)
    return service.read_suspension(ctx, suspension_id)


@router.post("/projects/{project_id}/termination", response_model=ProjectClosureRead)
def terminate_project(
    ctx: CtxDep, _me: PersonDep, project_id: uuid.UUID, body: TerminationCreate
) -> ProjectClosureRead:
    """Terminate the project `{reason}`: irreversible (again: 409); its processes are cancelled."""
    return service.terminate_project(ctx, project_id, reason=body.reason)


@router.post("/projects/{project_id}/completion", response_model=ProjectClosureRead)
def complete_project(ctx: CtxDep, _me: PersonDep, project_id: uuid.UUID) -> ProjectClosureRead:
    """Complete the project after the contract end, once the last report is filed."""
    return service.complete_project(ctx, project_id)
