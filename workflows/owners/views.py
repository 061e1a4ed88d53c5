"""Record and list the views of reports and faults by owner contacts (R-ROLE-5).

Every read of a report (metadata or PDF) or a fault by a person holding the ``owner_contact``
role leaves one :class:`~workflows.owners.view_models.OwnerView` row in the same transaction as
the read, so the agency can see who saw what and when. Reads by anyone else record nothing.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from engine.errors import Forbidden, InvalidInput
from workflows.context import Ctx
from workflows.faults.models import Fault
from workflows.owners.view_models import OwnerView, ViewedSubject
from workflows.people.models import Person
from workflows.people.rules import Role
from workflows.people.scope import get_project, has_role, manages_project, roles_of
from workflows.reports.models import Report
from workflows.schema import Schema


class OwnerViewRead(Schema):
    """One recorded view, for the agency (``GET /projects/{id}/owner-views``)."""

    person_id: uuid.UUID
    person_name: str
    subject_type: str
    subject_id: uuid.UUID
    subject_code: str
    at: datetime


def _project_of(ctx: Ctx, subject_type: ViewedSubject, subject_id: uuid.UUID) -> uuid.UUID | None:
    model = Fault if subject_type == ViewedSubject.FAULT else Report
    return ctx.session.scalar(select(model.project_id).where(model.id == subject_id))


def record_owner_view(
    ctx: Ctx, subject_type: str, subject_id: uuid.UUID, *, project_id: uuid.UUID | None = None
) -> OwnerView | None:
    """Record that the acting owner contact viewed a report, its PDF or a fault (R-ROLE-5).

    Call it after the read succeeded (a refused read records nothing). A no-op (``None``) when
    the actor is not an owner contact.

    Args:
        ctx: The read's context; ``ctx.actor`` is the viewer.
        subject_type: ``report``, ``report_pdf`` or ``fault``.
        subject_id: ``Report.id`` or ``Fault.id``.
        project_id: The subject's project when the caller knows it (looked up otherwise).

    Raises:
        InvalidInput: an unknown ``subject_type`` (a programming error, 422).
    """
    actor = ctx.actor
    if actor is None or not has_role(actor, Role.OWNER_CONTACT):
        return None
    try:
        kind = ViewedSubject(subject_type)
    except ValueError:
        raise InvalidInput("subject_type", "未知的查看对象 / unknown subject type") from None
    project_id = project_id or _project_of(ctx, kind, subject_id)
    if project_id is None:
        return None
    view = OwnerView(
        person_id=actor.id,
        project_id=project_id,
        subject_type=kind.value,
        subject_id=subject_id,
        at=ctx.clock.now(),
    )
    ctx.session.add(view)
    ctx.session.flush()
    return view


def list_owner_views(ctx: Ctx, project_id: uuid.UUID, *, limit: int = 500) -> list[OwnerViewRead]:
    """Who of the owner's contacts saw which report or fault of the project, and when; newest first.

    Raises:
        NotFound: project not visible (404).
        Forbidden: not agency staff managing the project (or its agency admin) (403).
    """
    actor = ctx.actor
    if actor is None:
        raise InvalidInput("actor", "需要登录用户 / an acting person is required")
    project = get_project(ctx, actor, project_id)
    admin_of_agency = Role.AGENCY_ADMIN in roles_of(actor) and actor.agency_id == project.agency_id
    if not (manages_project(actor, project) or admin_of_agency):
        raise Forbidden(
            "仅本机构项目管理人员可查看业主查阅记录 / only the agency's managers may see owner views"
        )
    rows = ctx.session.execute(
        select(OwnerView, Person.name)
        .join(Person, Person.id == OwnerView.person_id)
        .where(OwnerView.project_id == project.id)
        .order_by(OwnerView.at.desc(), OwnerView.id)
        .limit(max(1, min(limit, 2000)))
    ).all()
    report_ids = {v.subject_id for v, _ in rows if v.subject_type != ViewedSubject.FAULT}
    fault_ids = {v.subject_id for v, _ in rows if v.subject_type == ViewedSubject.FAULT}
    codes: dict[uuid.UUID, str] = {}
    if report_ids:
        codes.update(
            (i, c)
            for i, c in ctx.session.execute(select(Report.id, Report.code).where(Report.id.in_(report_ids)))
        )
    if fault_ids:
        codes.update(
            (i, c)
            for i, c in ctx.session.execute(select(Fault.id, Fault.code).where(Fault.id.in_(fault_ids)))
        )
    return [
        OwnerViewRead(
            person_id=v.person_id,
            person_name=name,
            subject_type=v.subject_type,
            subject_id=v.subject_id,
            subject_code=codes.get(v.subject_id, ""),
            at=v.at,
        )
        for v, name in rows
    ]
