"""One-tap repair requests (一键报修) of owner contacts (R-OWN).

An owner contact picks a facility of the project, a location, describes the problem, may attach a
photo, and routes the request either ``internal`` (the owner's own staff handle it; the owner
closes it) or ``agency``: then a :class:`~workflows.faults.models.Fault` with
``source="repair_request"`` is opened with its ``fault_handling`` process, so it lands in the
project lead's inbox as ``dispose_fault`` and is handled with the five dispositions (R-FAULT).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Literal

from sqlalchemy import select

from engine.clock import business_date
from engine.codes import next_code
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from workflows.audit.service import record_audit
from workflows.catalog.models import CatalogCategory, CatalogFacility, CatalogSystem
from workflows.context import Ctx
from workflows.faults.models import Fault, FaultSource
from workflows.faults.opening import open_fault
from workflows.notifications.service import notify
from workflows.people.models import Person
from workflows.people.rules import Role
from workflows.people.scope import get_project, has_role
from workflows.projects.models import Project, ProjectFacility, ProjectStatus
from workflows.repairs.models import RepairPhoto, RepairRequest, RepairRoute, RepairStatus
from workflows.repairs.schemas import RepairRequestRead
from workflows.tasks.photos import check_photo

MAX_LOCATION = 200
MAX_DESCRIPTION = 2000


def _actor(ctx: Ctx) -> Person:
    if ctx.actor is None:
        raise InvalidInput("actor", "需要登录用户 / an acting person is required")
    return ctx.actor


def require_owner_contact(actor: Person, project: Project, *, action: str) -> None:
    """403 unless the actor is an owner contact of the project's owner (R-OWN).

    Raises:
        Forbidden: with a message naming the action.
    """
    if not has_role(actor, Role.OWNER_CONTACT) or actor.owner_id != project.owner_id:
        raise Forbidden(f"仅该项目业主联系人可{action} / only the project's owner contacts may {action}")


def project_facilities(ctx: Ctx, project_id: uuid.UUID) -> list[tuple[uuid.UUID, str, str]]:
    """``(facility id, facility name, system name)`` of the project's selected facilities, catalog order.

    Raises:
        NotFound: project not visible (404).
    """
    project = get_project(ctx, _actor(ctx), project_id)
    rows = ctx.session.execute(
        select(CatalogFacility.id, CatalogFacility.name, CatalogSystem.name)
        .join(ProjectFacility, ProjectFacility.facility_id == CatalogFacility.id)
        .join(CatalogCategory, CatalogCategory.id == CatalogFacility.category_id)
        .join(CatalogSystem, CatalogSystem.id == CatalogCategory.system_id)
        .where(ProjectFacility.project_id == project.id)
        .order_by(CatalogSystem.position, CatalogCategory.position, CatalogFacility.position)
    )
    return [(fid, name, system) for fid, name, system in rows]


def _text(value: str, field: str, limit: int, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(field, f"请填写{label} / {field} is required")
    if len(value) > limit:
        raise InvalidInput(field, f"{label}不能超过 {limit} 字 / {field} exceeds {limit} characters")
    return value


def create_repair_request(
    ctx: Ctx,
    project_id: uuid.UUID,
    *,
    facility_id: uuid.UUID,
    location: str,
    description: str,
    photo: bytes | None,
    route: Literal["internal", "agency"] | str,
) -> RepairRequest:
    """File a one-tap repair request (一键报修, R-OWN) as an owner contact of the project's owner.

    Args:
        ctx: The action's context; ``ctx.actor`` is the owner contact.
        project_id: ``Project.id`` of one of the owner's projects.
        facility_id: ``CatalogFacility.id`` among the project's selected facilities.
        location: Where in the building, 1-200 characters.
        description: What is wrong, 1-2000 characters (becomes the fault's measured record).
        photo: JPEG/PNG bytes (≤ ``settings.max_photo_bytes``) or ``None``.
        route: ``internal`` (handled by the owner) or ``agency`` (opens a fault for the agency).

    Returns:
        The stored request; ``fault_id`` is set for the agency route.

    Raises:
        NotFound: project not visible (404). Forbidden: not an owner contact of it (403).
        RuleViolation: ``R-LIFE`` the project is not active (409).
        InvalidInput: facility not selected for the project, empty/too long text, unknown route (422).
        PayloadTooLarge (413), UnsupportedMedia (415): the photo.
    """
    actor = _actor(ctx)
    project = get_project(ctx, actor, project_id)
    require_owner_contact(actor, project, action="报修 / file a repair request")
    if project.status != ProjectStatus.ACTIVE:
        raise RuleViolation("R-LIFE", "项目不在服务期内，不能报修 / the project is not active")
    if route not in (RepairRoute.INTERNAL, RepairRoute.AGENCY):
        raise InvalidInput("route", "处理方式须为 internal 或 agency / route must be internal or agency")
    selected = ctx.session.scalar(
        select(ProjectFacility.facility_id).where(
            ProjectFacility.project_id == project.id, ProjectFacility.facility_id == facility_id
        )
    )
    if selected is None:
        raise InvalidInput("facility_id", "请选择本项目的消防设施 / choose a facility of this project")
    location = _text(location, "location", MAX_LOCATION, "报修位置")
    description = _text(description, "description", MAX_DESCRIPTION, "问题描述")
    media_type = check_photo(photo, max_bytes=ctx.settings.max_photo_bytes) if photo is not None else None
    now = ctx.clock.now()
    request = RepairRequest(
        code=next_code(ctx.session, f"BX-{business_date(now).year}"),
        project_id=project.id,
        facility_id=facility_id,
        location=location,
        description=description,
        route=route,
        status=RepairStatus.HANDLED_INTERNALLY
        if route == RepairRoute.INTERNAL
        else RepairStatus.SENT_TO_AGENCY,
        requested_by=actor.id,
        created_at=now,
    )
    ctx.session.add(request)
    ctx.session.flush()
    if photo is not None and media_type is not None:
        ctx.session.add(
            RepairPhoto(
                repair_request_id=request.id,
                media_type=media_type,
                size_bytes=len(photo),
                sha256=hashlib.sha256(photo).hexdigest(),
                content=photo,
                uploaded_by=actor.id,
                created_at=now,
            )
        )
    record_audit(
        ctx,
        "repair_request.created",
        "repair_request",
        request.id,
        after={"code": request.code, "route": route, "facility_id": facility_id, "photo": photo is not None},
    )
    if route == RepairRoute.AGENCY:
        fault = _send_to_agency(ctx, project, request)
        request.fault_id = fault.id
    ctx.session.flush()
    return request


def _send_to_agency(ctx: Ctx, project: Project, request: RepairRequest) -> Fault:
    """Open the request's fault and its ``fault_handling`` process, and tell the project lead."""
    fault = Fault(
        source=FaultSource.REPAIR_REQUEST,
        facility_id=request.facility_id,
        location=request.location,
        measured_record=request.description,
    )
    open_fault(
        ctx,
        project,
        fault,
        step="业主一键报修",
        person_id=request.requested_by,
        audit_after={"repair_request": request.code},
    )
    facility = ctx.session.get(CatalogFacility, request.facility_id)
    facility_name = facility.name if facility else ""
    who = ctx.actor.name if ctx.actor else ""
    notify(
        ctx,
        kind="repair_request.received",
        recipients=[project.lead_id],
        payload={
            "title": f"业主报修 {fault.code}",
            "body": f"{project.name}：{who}报修「{facility_name}」（{request.location}）："
            f"{request.description}",
            "fault_id": str(fault.id),
            "fault_code": fault.code,
            "repair_request_id": str(request.id),
            "project_id": str(project.id),
            "project_name": project.name,
            "facility": facility_name,
            "location": request.location,
        },
        dedup_key=f"repair_request.received:{request.id}",
    )
    return fault


def get_repair_request(
    ctx: Ctx, request_id: uuid.UUID, *, for_update: bool = False
) -> tuple[RepairRequest, Project]:
    """The request if its project is visible to the actor.

    Raises:
        NotFound: no such request or not visible (404).
    """
    stmt = select(RepairRequest).where(RepairRequest.id == request_id)
    if for_update:
        stmt = stmt.with_for_update()
    request = ctx.session.scalars(stmt).first()
    if request is None:
        raise NotFound("报修单不存在 / repair request not found")
    return request, get_project(ctx, _actor(ctx), request.project_id)


def close_repair_request(ctx: Ctx, request_id: uuid.UUID, *, note: str = "") -> RepairRequest:
    """The owner closes an internally handled request (内部处理完毕).

    Raises:
        NotFound (404). Forbidden: not an owner contact of the project (403).
        Conflict: the request went to the agency (it follows its fault) or is closed already (409).
    """
    actor = _actor(ctx)
    request, project = get_repair_request(ctx, request_id, for_update=True)
    require_owner_contact(actor, project, action="关闭报修单 / close a repair request")
    if request.status != RepairStatus.HANDLED_INTERNALLY:
        raise Conflict("只能关闭内部处理中的报修单 / only an internally handled request can be closed")
    before = {"status": request.status}
    request.status, request.closed_at, request.closed_by = RepairStatus.CLOSED, ctx.clock.now(), actor.id
    request.close_note = note.strip() or None
    ctx.session.flush()
    record_audit(
        ctx,
        "repair_request.closed",
        "repair_request",
        request.id,
        before=before,
        after={"status": request.status},
    )
    return request


def repair_photo(ctx: Ctx, request_id: uuid.UUID) -> tuple[str, bytes]:
    """``(media type, bytes)`` of a visible request's photo.

    Raises:
        NotFound: no request, not visible, or no photo (404).
    """
    request, _ = get_repair_request(ctx, request_id)
    photo = ctx.session.scalars(
        select(RepairPhoto).where(RepairPhoto.repair_request_id == request.id)
    ).first()
    if photo is None:
        raise NotFound("该报修单没有照片 / the request has no photo")
    return photo.media_type, photo.content


def describe_repair_requests(ctx: Ctx, requests: list[RepairRequest]) -> list[RepairRequestRead]:
    """The API view of requests (one query per related table)."""
    if not requests:
        return []
    ids = [r.id for r in requests]
    facilities = {
        fid: (fac, sys)
        for fid, fac, sys in ctx.session.execute(
            select(CatalogFacility.id, CatalogFacility.name, CatalogSystem.name)
            .join(CatalogCategory, CatalogCategory.id == CatalogFacility.category_id)
            .join(CatalogSystem, CatalogSystem.id == CatalogCategory.system_id)
            .where(CatalogFacility.id.in_({r.facility_id for r in requests}))
        )
    }
    people: dict[uuid.UUID, str] = {}
    for pid, name in ctx.session.execute(
        select(Person.id, Person.name).where(Person.id.in_({r.requested_by for r in requests}))
    ):
        people[pid] = name
    faults = {
        f.id: f
        for f in ctx.session.scalars(
            select(Fault).where(Fault.id.in_({r.fault_id for r in requests if r.fault_id}))
        )
    }
    with_photo = set(
        ctx.session.scalars(
            select(RepairPhoto.repair_request_id).where(RepairPhoto.repair_request_id.in_(ids))
        )
    )
    out = []
    for r in requests:
        fac, sys = facilities.get(r.facility_id, ("", ""))
        fault = faults.get(r.fault_id) if r.fault_id else None
        out.append(
            RepairRequestRead(
                id=r.id,
                code=r.code,
                project_id=r.project_id,
                facility_id=r.facility_id,
                facility=fac,
                system=sys,
                location=r.location,
                description=r.description,
                route=r.route,
                status=r.status,
                has_photo=r.id in with_photo,
                fault_id=r.fault_id,
                fault_code=fault.code if fault else None,
                fault_status=fault.status if fault else None,
                requested_by=r.requested_by,
                requested_by_name=people.get(r.requested_by, ""),
                created_at=r.created_at,
                closed_at=r.closed_at,
                close_note=r.close_note,
            )
        )
    return out


def read_repair_request(ctx: Ctx, request_id: uuid.UUID) -> RepairRequestRead:
    """One visible request (404 otherwise)."""
    request, _ = get_repair_request(ctx, request_id)
    return describe_repair_requests(ctx, [request])[0]


def list_repair_requests(ctx: Ctx, project_id: uuid.UUID) -> list[RepairRequestRead]:
    """The project's repair requests, newest first (owner contacts and agency staff who see the project).

    Raises:
        NotFound: project not visible (404).
    """
    project = get_project(ctx, _actor(ctx), project_id)
    requests = list(
        ctx.session.scalars(
            select(RepairRequest)
            .where(RepairRequest.project_id == project.id)
            .order_by(RepairRequest.created_at.desc(), RepairRequest.code.desc())
        )
    )
    return describe_repair_requests(ctx, requests)
