"""Service confirmation and rating (服务确认与评价, SPEC §9 "Shanghai system").

An owner contact of the project's owner confirms the service of a **filed** report and rates it
1-5 with an optional comment, once per report. The report itself is immutable once filed
(R-FILE-2); the rating lives in its own table.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from engine.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from workflows.audit.service import record_audit
from workflows.context import Ctx
from workflows.people.models import Person
from workflows.people.scope import get_project
from workflows.projects.models import Project
from workflows.ratings.models import ServiceRating
from workflows.ratings.schemas import ServiceRatingRead
from workflows.repairs.service import require_owner_contact
from workflows.reports.models import Report, ReportStatus
from workflows.reports.schemas import ReportRead
from workflows.reports.service import describe_report, get_report, report_pdf


def _actor(ctx: Ctx) -> Person:
    if ctx.actor is None:
        raise InvalidInput("actor", "需要登录用户 / an acting person is required")
    return ctx.actor


def _read(ctx: Ctx, rating: ServiceRating, report: Report) -> ServiceRatingRead:
    person = ctx.session.get(Person, rating.person_id)
    return ServiceRatingRead(
        report_id=rating.report_id,
        report_code=report.code,
        project_id=rating.project_id,
        person_id=rating.person_id,
        person_name=person.name if person else "",
        rating=rating.rating,
        comment=rating.comment,
        rated_at=rating.rated_at,
    )


def _refusal(ctx: Ctx, actor: Person, report: Report, project: Project) -> DomainError | None:
    """Why ``actor`` may not confirm and rate ``report`` now, or ``None`` when they may."""
    try:
        require_owner_contact(actor, project, action="确认服务 / confirm a service")
    except Forbidden as exc:
        return exc
    if report.status != ReportStatus.FILED:
        return Conflict("报告尚未备案，不能确认服务 / the report is not filed yet")
    done = ctx.session.scalar(select(ServiceRating.id).where(ServiceRating.report_id == report.id))
    if done is not None:
        return Conflict("该报告的服务已确认评价 / this service was confirmed already")
    return None


def can_confirm_service(ctx: Ctx, report_id: uuid.UUID) -> bool:
    """Whether ``ctx.actor`` may confirm and rate the report's service now (SPEC §9): an owner
    contact of the project's owner (R-OWN), the report filed, its service not confirmed yet — the
    checks :func:`confirm_service` makes before it reads the rating.

    Args:
        ctx: The caller's context; ``ctx.actor`` is the viewer.
        report_id: ``Report.id``.

    Raises:
        NotFound: report not visible or deleted (404).
    """
    report, project = get_report(ctx, report_id)
    return _refusal(ctx, _actor(ctx), report, project) is None


def confirm_service(ctx: Ctx, report_id: uuid.UUID, *, rating: int, comment: str = "") -> ServiceRatingRead:
    """Confirm and rate the service of a filed report (once per report).

    Args:
        ctx: The action's context; ``ctx.actor`` is an owner contact of the project's owner.
        report_id: ``Report.id``.
        rating: 1 (poor) … 5 (excellent) stars.
        comment: Optional remark, ≤ 1000 characters.

    Returns:
        The stored confirmation.

    Raises:
        NotFound: report not visible or deleted (404). Forbidden: not an owner contact of it (403).
        Conflict: the report is not filed yet, or its service was confirmed already (409); see
            :func:`can_confirm_service`.
        InvalidInput: rating outside 1-5 or comment too long (422).
    """
    actor = _actor(ctx)
    report, project = get_report(ctx, report_id, for_update=True)
    refusal = _refusal(ctx, actor, report, project)
    if refusal is not None:
        raise refusal
    if not 1 <= rating <= 5:
        raise InvalidInput("rating", "评分须为 1-5 / the rating must be 1-5")
    comment = (comment or "").strip()
    if len(comment) > 1000:
        raise InvalidInput("comment", "评价不能超过 1000 字 / the comment exceeds 1000 characters")
    row = ServiceRating(
        report_id=report.id,
        project_id=project.id,
        person_id=actor.id,
        rating=rating,
        comment=comment,
        rated_at=ctx.clock.now(),
    )
    ctx.session.add(row)
    ctx.session.flush()
    record_audit(ctx, "service.confirmed", "report", report.id, after={"rating": rating, "comment": comment})
    return _read(ctx, row, report)


def read_confirmation(ctx: Ctx, report_id: uuid.UUID) -> ServiceRatingRead:
    """The confirmation of a visible report.

    Raises:
        NotFound: report not visible, or not confirmed yet (404).
    """
    report, _ = get_report(ctx, report_id)
    row = ctx.session.scalars(select(ServiceRating).where(ServiceRating.report_id == report.id)).first()
    if row is None:
        raise NotFound("该报告尚未确认评价 / the service of this report was not confirmed yet")
    return _read(ctx, row, report)


def rated_report_ids(ctx: Ctx, report_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of ``report_ids`` are confirmed already (for menus)."""
    if not report_ids:
        return set()
    return set(
        ctx.session.scalars(select(ServiceRating.report_id).where(ServiceRating.report_id.in_(report_ids)))
    )


def list_project_reports(ctx: Ctx, project_id: uuid.UUID) -> list[ReportRead]:
    """The live (generated or filed) reports of a visible project, newest first.

    A list shows titles only; opening one (``read_report``/``report_pdf``) is what records an
    owner contact's view (R-ROLE-5).

    Raises:
        NotFound: project not visible (404).
    """
    project = get_project(ctx, _actor(ctx), project_id)
    reports = ctx.session.scalars(
        select(Report)
        .where(Report.project_id == project.id, Report.status != ReportStatus.DELETED)
        .order_by(Report.generated_at.desc(), Report.code.desc())
    )
    return [describe_report(ctx, r) for r in reports]


def report_document(
    ctx: Ctx, report_id: uuid.UUID
) -> tuple[ReportRead, str, bytes, ServiceRatingRead | None]:
    """A report opened as a document (chat): metadata, file name, PDF bytes and its confirmation.

    Reading the PDF goes through :func:`workflows.reports.service.report_pdf`, so an owner
    contact's opening is recorded (R-ROLE-5).

    Raises:
        NotFound: report not visible or deleted (404).
    """
    name, pdf = report_pdf(ctx, report_id)
    report, _ = get_report(ctx, report_id)
    row = ctx.session.scalars(select(ServiceRating).where(ServiceRating.report_id == report.id)).first()
    return describe_report(ctx, report), name, pdf, _read(ctx, row, report) if row is not None else None
