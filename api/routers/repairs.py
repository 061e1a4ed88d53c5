"""One-tap repair requests (一键报修, R-OWN)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Response, UploadFile

from api.deps import CtxDep, PersonDep
from engine.errors import PayloadTooLarge
from workflows.repairs import service
from workflows.repairs.schemas import RepairClose, RepairRequestRead

router = APIRouter(prefix="/api/v1", tags=["repairs"])


@router.post("/projects/{project_id}/repair-requests", response_model=RepairRequestRead, status_code=201)
def create_repair_request(
    ctx: CtxDep,
    _me: PersonDep,
    project_id: uuid.UUID,
    facility_id: Annotated[uuid.UUID, Form()],
    location: Annotated[str, Form(max_length=200)],
    description: Annotated[str, Form(max_length=2000)],
    route: Annotated[Literal["internal", "agency"], Form()],
    photo: Annotated[UploadFile | None, File(description="JPEG or PNG, at most 10 MB")] = None,
) -> RepairRequestRead:
    """File a repair request as an owner contact (multipart); ``agency`` opens a fault for the lead."""
    content: bytes | None = None
    if photo is not None:
        limit = ctx.settings.max_photo_bytes
        content = photo.file.read(limit + 1)
        if len(content) > limit:
            raise PayloadTooLarge(
                f"照片不能超过 {limit // (1024 * 1024)} MB / the photo exceeds {limit} bytes"
            )
    request = service.create_repair_request(
        ctx,
        project_id,
        facility_id=facility_id,
        location=location,
        description=description,
        photo=content,
        route=route,
    )
    return service.describe_repair_requests(ctx, [request])[0]


@router.get("/projects/{project_id}/repair-requests", response_model=list[RepairRequestRead])
def list_repair_requests(ctx: CtxDep, _me: PersonDep, project_id: uuid.UUID) -> list[RepairRequestRead]:
    """The project's repair requests, newest first."""
    return service.list_repair_requests(ctx, project_id)


@router.get("/repair-requests/{request_id}", response_model=RepairRequestRead)
def read_repair_request(ctx: CtxDep, _me: PersonDep, request_id: uuid.UUID) -> RepairRequestRead:
    """One repair request."""
    return service.read_repair_request(ctx, request_id)


@router.get("/repair-requests/{request_id}/photo", response_class=Response)
def repair_photo(ctx: CtxDep, _me: PersonDep, request_id: uuid.UUID) -> Response:
    """The request's photo."""
    media_type, content = service.repair_photo(ctx, request_id)
    return Response(content, media_type=media_type)


@router.post("/repair-requests/{request_id}/close", response_model=RepairRequestRead)
def close_repair_request(
    ctx: CtxDep, _me: PersonDep, request_id: uuid.UUID, body: RepairClose
) -> RepairRequestRead:
    """The owner closes an internally handled request `{note}`."""
    service.close_repair_request(ctx, request_id, note=body.note)
    return service.read_repair_request(ctx, request_id)
