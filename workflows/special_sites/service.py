"""Direct-upload requests of special sites (R-SPEC, seed 001 ch.7).

Sites where phones are not allowed (classified, explosive atmospheres) may upload their reports
directly once the fire department of the project's jurisdiction approves a request. Plans and
tasks still exist (field-record items: photos of the site gate, of the signed paper report).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence

from sqlalchemy import select

from engine.codes import next_code
from engine.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge, RuleViolation
from workflows.audit.service import record_audit
from workflows.context import Ctx
from workflows.people.models import Person
from workflows.people.rules import Role
from workflows.people.scope import get_project, require_manager, require_role
from workflows.projects.models import ProjectStatus
from workflows.special_sites.models import DirectUploadAttachment, DirectUploadRequest, DirectUploadState
from workflows.special_sites.schemas import AttachmentRead, DirectUploadRequestRead

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
"""Largest supporting file, in bytes."""
MAX_ATTACHMENTS = 10
"""Most supporting files per request."""

Upload = tuple[str, str, bytes]
"""A supporting file: ``(file name, media type, content)``."""


def _actor(ctx: Ctx) -> Person:
    if ctx.actor is None:
        raise InvalidInput("actor", "需要登录用户 / an acting person is required")
    return ctx.actor


def is_special_site(ctx: Ctx, project_id: uuid.UUID) -> bool:
    """Whether the fire department approved direct upload for the project (R-SPEC)."""
    return (
        ctx.session.scalar(
            select(DirectUploadRequest.id)
            .where(
                DirectUploadRequest.project_id == project_id,
                DirectUploadRequest.state == DirectUploadState.APPROVED,
            )
            .limit(1)
        )
        is not None
    )


def request_direct_upload(
    ctx: Ctx, project_id: uuid.UUID, *, reason: str, files: Sequence[Upload] = ()
) -> DirectUploadRequest:
    """The agency asks the fire department to let the project upload reports directly (R-SPEC).

    Args:
        ctx: Acting manager of the project (project lead, technical lead, enterprise manager).
        project_id: ``Project.id``.
        reason: Why phones cannot be used on site, 1-1000 characters.
        files: Supporting files (申请表 …), at most 10, each ≤ 10 MB.

    Returns:
        The pending request.

    Raises:
        NotFound: project not visible (404). Forbidden: not a manager of the project (403).
        PayloadTooLarge: a file over 10 MB (413). InvalidInput: too many files, empty reason (422).
        RuleViolation: ``R-LIFE`` project not active (409). Conflict: a request is pending or
            approved already (409).
    """
    actor = _actor(ctx)
    project = get_project(ctx, actor, project_id, for_update=True)
    require_manager(actor, project, action="申请直接上传报告 / request direct upload")
    if project.status != ProjectStatus.ACTIVE:
        raise RuleViolation("R-LIFE", f"项目状态为 {project.status}，不能申请 / the project is not active")
    if not reason.strip():
        raise InvalidInput("reason", "请填写申请原因 / enter the reason")
    if len(files) > MAX_ATTACHMENTS:
        raise InvalidInput(
            "files", f"最多上传 {MAX_ATTACHMENTS} 个说明材料 / at most {MAX_ATTACHMENTS} files"
        )
    for name, _, content in files:
        if len(content) > MAX_ATTACHMENT_BYTES:
            raise PayloadTooLarge(f"说明材料 {name} 超过 10 MB，请压缩后上传 / {name} exceeds 10 MB")
    open_state = ctx.session.scalar(
        select(DirectUploadRequest.state)
        .where(
            DirectUploadRequest.project_id == project.id,
            DirectUploadRequest.state.in_([DirectUploadState.PENDING, DirectUploadState.APPROVED]),
        )
        .limit(1)
    )
    if open_state == DirectUploadState.PENDING:
        raise Conflict("该项目已有待审核的申请，请等待消防部门审核 / a request is pending already")
    if open_state == DirectUploadState.APPROVED:
        raise Conflict("该项目已获准直接上传报告 / direct upload is approved already")
    request = DirectUploadRequest(
        code=next_code(ctx.session, f"DU-{ctx.clock.now().year}"),
        project_id=project.id,
        reason=reason.strip(),
        state=DirectUploadState.PENDING,
        requested_by=actor.id,
        requested_at=ctx.clock.now(),
    )
    ctx.session.add(request)
    ctx.session.flush()
    ctx.session.add_all(
        DirectUploadAttachment(
            request_id=request.id,
            file_name=name[:200] or "file",
            media_type=media[:100] or "application/octet-stream",
            size_bytes=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
        )
        for name, media, content in files
    )
    record_audit(
        ctx,
        "direct_upload.requested",
        "direct_upload_request",
        request.id,
        after={"project_id": project.id, "reason": request.reason, "files": len(files)},
    )
    ctx.session.flush()
    return request


def get_request(ctx: Ctx, request_id: uuid.UUID, *, for_update: bool = False) -> DirectUploadRequest:
    """The request if its project is visible to the actor.

    Raises:
        NotFound: no such request, or its project is outside the actor's scope (404).
    """
    stmt = select(DirectUploadRequest).where(DirectUploadRequest.id == request_id)
    if for_update:
        stmt = stmt.with_for_update()
    request = ctx.session.scalars(stmt).first()
    if request is None:
        raise NotFound("申请不存在 / request not found")
    get_project(ctx, _actor(ctx), request.project_id)
    return request


def decide_direct_upload(
    ctx: Ctx, request_id: uuid.UUID, *, approve: bool, opinion: str
) -> DirectUploadRequest:
    """The fire department of the project's jurisdiction approves or rejects a request (R-SPEC).

    Raises:
        NotFound: request not found, or the project is in another jurisdiction (404).
        Forbidden: the actor is not a fire supervisor (403).
        Conflict: decided already (409).
    """
    actor = _actor(ctx)
    request = get_request(ctx, request_id, for_update=True)
    require_role(actor, Role.FIRE_SUPERVISOR, action="审核直接上传申请 / decide a direct-upload request")
    if request.state != DirectUploadState.PENDING:
        raise Conflict(f"申请已审核（{request.state}）/ the request was decided already")
    before = {"state": request.state}
    request.state = DirectUploadState.APPROVED if approve else DirectUploadState.REJECTED
    request.decided_by, request.decided_at, request.opinion = (
        actor.id,
        ctx.clock.now(),
        opinion.strip() or None,
    )
    record_audit(
        ctx,
        "direct_upload.decided",
        "direct_upload_request",
        request.id,
        before=before,
        after={"state": request.state, "opinion": request.opinion},
    )
    ctx.session.flush()
    return request


def list_requests(ctx: Ctx, project_id: uuid.UUID) -> list[DirectUploadRequestRead]:
    """The project's requests, newest first."""
    project = get_project(ctx, _actor(ctx), project_id)
    rows = ctx.session.scalars(
        select(DirectUploadRequest)
        .where(DirectUploadRequest.project_id == project.id)
        .order_by(DirectUploadRequest.requested_at.desc(), DirectUploadRequest.code.desc())
    )
    return [describe_request(ctx, r) for r in rows]


def describe_request(ctx: Ctx, request: DirectUploadRequest) -> DirectUploadRequestRead:
    """The API view of a request with its attachments' metadata."""
    files = ctx.session.scalars(
        select(DirectUploadAttachment)
        .where(DirectUploadAttachment.request_id == request.id)
        .order_by(DirectUploadAttachment.file_name)
    )
    view = DirectUploadRequestRead.model_validate(request)
    view.attachments = [AttachmentRead.model_validate(f) for f in files]
    return view
