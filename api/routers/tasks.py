"""Tasks: build from issued lines, results, photos, submit, review, complete, drop."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Response, UploadFile

from api.deps import CtxDep, PersonDep
from engine.errors import PayloadTooLarge
from workflows.faults.service import complete_fault_task, receive_fault_task
from workflows.reviews.service import review_task
from workflows.schema import Schema
from workflows.tasks import read as task_read
from workflows.tasks import service
from workflows.tasks.create import build_task
from workflows.tasks.schemas import PhotoRead, ResultWrite, TaskComplete, TaskCreate, TaskRead, TaskSubmit

router = APIRouter(prefix="/api/v1", tags=["tasks"])


class ReviewWrite(Schema):
    """``{verdict: approve|reject, opinion}``."""

    verdict: Literal["approve", "reject"]
    opinion: str = ""


@router.post("/tasks", response_model=TaskRead, status_code=201)
def create_task(ctx: CtxDep, _me: PersonDep, body: TaskCreate) -> TaskRead:
    """Build a task: from plan lines issued to the caller (`kind: plan`, 按计划自建任务: `line_ids`), or
    without a plan (R-TASK-2): `kind: supplementary` with `project_id` and catalog `test_item_ids`, or
    `kind: mismatch` with `project_id` and free-text `items`; `executor_id` lets a manager create an
    extra task for an executor. A field of another kind is refused (422 naming it)."""
    task = build_task(ctx, body)
    return task_read.read_task(ctx, task.id)


@router.get("/tasks/{task_id}", response_model=TaskRead)
def read_task(ctx: CtxDep, _me: PersonDep, task_id: uuid.UUID) -> TaskRead:
    """The task: items (fail/cannot-test first), results, photos, review log, faults."""
    return task_read.read_task(ctx, task_id)


@router.delete("/tasks/{task_id}", status_code=204)
def drop_task(ctx: CtxDep, _me: PersonDep, task_id: uuid.UUID) -> Response:
    """Drop a never-submitted task (R-PLAN-2 step 1)."""
    service.drop_task(ctx, task_id)
    return Response(status_code=204)


@router.put("/tasks/{task_id}/results/{line_id}", response_model=TaskRead)
def record_result(
    ctx: CtxDep, _me: PersonDep, task_id: uuid.UUID, line_id: uuid.UUID, body: ResultWrite
) -> TaskRead:
    """Record `{outcome, measured_record, brand?}` for one line."""
    service.record_result(
        ctx, task_id, line_id, outcome=body.outcome, measured_record=body.measured_record, brand=body.brand
    )
    return task_read.read_task(ctx, task_id)


@router.post("/tasks/{task_id}/photos", response_model=PhotoRead, status_code=201)
def add_photo(
    ctx: CtxDep,
    _me: PersonDep,
    task_id: uuid.UUID,
    file: Annotated[UploadFile, File(description="JPEG or PNG, at most 10 MB, checked by content")],
    kind: Annotated[Literal["item", "selfie"], Form()] = "item",
    line_id: Annotated[uuid.UUID | None, Form()] = None,
) -> PhotoRead:
    """Upload a photo of a line or the selfie (multipart)."""
    limit = ctx.settings.max_photo_bytes
    content = file.file.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge(f"照片不能超过 {limit // (1024 * 1024)} MB / the photo exceeds {limit} bytes")
    photo = service.add_photo(ctx, task_id, content, line_id=line_id, kind=kind)
    return PhotoRead.model_validate(photo)


@router.post("/tasks/{task_id}/submit", response_model=TaskRead)
def submit_task(ctx: CtxDep, _me: PersonDep, task_id: uuid.UUID, body: TaskSubmit) -> TaskRead:
    """Submit with the submitter's `{latitude, longitude}`."""
    service.submit_task(ctx, task_id, latitude=body.latitude, longitude=body.longitude)
    return task_read.read_task(ctx, task_id)


@router.post("/tasks/{task_id}/review", response_model=TaskRead)
def review(ctx: CtxDep, _me: PersonDep, task_id: uuid.UUID, body: ReviewWrite) -> TaskRead:
    """Approve or reject `{verdict, opinion}` (R-REV-1, R-REV-2)."""
    review_task(ctx, task_id, verdict=body.verdict, opinion=body.opinion)
    return task_read.read_task(ctx, task_id)


@router.post("/tasks/{task_id}/receive", response_model=TaskRead)
def receive(ctx: CtxDep, _me: PersonDep, task_id: uuid.UUID) -> TaskRead:
    """Receive an investigation/repair task (接收)."""
    receive_fault_task(ctx, task_id)
    return task_read.read_task(ctx, task_id)


@router.post("/tasks/{task_id}/complete", response_model=TaskRead)
def complete(ctx: CtxDep, _me: PersonDep, task_id: uuid.UUID, body: TaskComplete) -> TaskRead:
    """Complete an investigation/repair task `{resolved, note}`."""
    complete_fault_task(ctx, task_id, resolved=body.resolved, note=body.note)
    return task_read.read_task(ctx, task_id)
