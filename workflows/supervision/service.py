"""Per-jurisdiction supervision statistics for the fire department (R-SUP, R-RPT-1, R-FILE-1, R-LIFE).

For one month of maintenance reports, each agency's projects in the jurisdiction are counted as:

* ``on_time``: the month's report is filed within its deadline (R-FILE-1);
* ``filed_late``: filed after the deadline (flagged, R-FILE-1);
* ``unfiled``: generated but not filed yet;
* ``overdue``: the month has ended and no report exists (tasks or report missing, R-RPT-1);
* ``in_progress``: the month is still running and has no report yet.

Only maintenance projects whose first plan month (R-PRJ-2) and contract cover the month are due.
Suspended months and terminated projects are left out (R-LIFE) and counted on their own
(``suspended_projects``, ``terminated_projects``). A project terminated in month M is terminated
from M on: the months before M count it normally (its closure date decides, not its current
status). Open faults (pending, investigating, repairing, refused, negotiating) are bucketed by age
in days since found: ≤ 30, 31-90, > 90, as of today; being as of today, they leave out the projects
terminated by today, whatever month is asked for.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date

from sqlalchemy import select

from engine.clock import business_date
from engine.errors import Forbidden
from workflows.agencies.models import Agency
from workflows.context import Ctx
from workflows.contracts.models import Contract
from workflows.faults.models import OPEN_STATUSES, Fault
from workflows.filings.models import Filing
from workflows.lifecycle.models import ClosureKind, ProjectClosure
from workflows.lifecycle.queries import suspended_in_month
from workflows.lifecycle.rules import month_end, parse_month
from workflows.people.rules import Role
from workflows.people.scope import has_role
from workflows.plans.models import Plan
from workflows.projects.models import Project, ProjectStatus
from workflows.projects.queries import maintenance_month_due
from workflows.projects.rules import month_start
from workflows.reports.models import Report, ReportStatus
from workflows.schema import Schema


class AgencyStats(Schema):
    """One agency's numbers for the month (counts of projects)."""

    agency_id: uuid.UUID
    agency_name: str
    projects: int = 0
    due: int = 0
    on_time: int = 0
    filed_late: int = 0
    unfiled: int = 0
    overdue: int = 0
    in_progress: int = 0
    suspended_projects: int = 0
    terminated_projects: int = 0
    open_faults_le_30d: int = 0
    open_faults_31_90d: int = 0
    open_faults_over_90d: int = 0


class SupervisionStats(Schema):
    """The statistics of a jurisdiction (``None`` = every jurisdiction, platform admin only) for a month."""

    jurisdiction: str | None
    month: str
    as_of: date
    agencies: list[AgencyStats]


def supervision_stats(ctx: Ctx, *, jurisdiction: str | None, month: str | None) -> SupervisionStats:
    """Per-agency report and fault statistics of one jurisdiction and month (R-SUP).

    Args:
        ctx: Acting fire supervisor (own jurisdiction only) or platform admin (any, or all).
        jurisdiction: The jurisdiction; empty means the supervisor's own (all for a platform admin).
        month: ``YYYY-MM``; empty means the current month.

    Returns:
        :class:`SupervisionStats`, agencies by name.

    Raises:
        Forbidden: another jurisdiction than the supervisor's, or neither supervisor nor platform admin (403).
        InvalidInput: bad month (422, field ``month``).
    """
    actor = ctx.actor
    wanted = (jurisdiction or "").strip() or None
    if actor is not None and has_role(actor, Role.PLATFORM_ADMIN):
        scope = wanted
    elif actor is not None and has_role(actor, Role.FIRE_SUPERVISOR) and actor.jurisdiction:
        if wanted is not None and wanted != actor.jurisdiction:
            raise Forbidden("只能查看本辖区的统计 / supervisors see their own jurisdiction only")
        scope = actor.jurisdiction
    else:
        raise Forbidden("只有消防监督员或平台管理员可以查看监管统计 / supervisors and platform admins only")
    today = business_date(ctx.clock.now())
    first = parse_month(month) if month and month.strip() else month_start(today)
    return SupervisionStats(
        jurisdiction=scope, month=f"{first:%Y-%m}", as_of=today, agencies=_compute(ctx, scope, first, today)
    )


def _compute(ctx: Ctx, scope: str | None, first: date, today: date) -> list[AgencyStats]:
    session = ctx.session
    stmt = (
        select(Project, Agency, maintenance_month_due(first).label("due"))
        .join(Contract, Contract.id == Project.contract_id)
        .join(Agency, Agency.id == Project.agency_id)
        .order_by(Agency.name, Project.code)
    )
    if scope is not None:
        stmt = stmt.where(Project.jurisdiction == scope)
    rows = session.execute(stmt).all()
    last = month_end(first)
    suspended = set(session.scalars(suspended_in_month(first)))
    status = _report_status(ctx, [p.id for p, _, _ in rows], first)
    terminated_from = _termination_months(ctx)
    out: dict[uuid.UUID, AgencyStats] = {}
    counted: list[Project] = []
    for project, agency, due in rows:
        stats = out.setdefault(agency.id, AgencyStats(agency_id=agency.id, agency_name=agency.name))
        stats.projects += 1
        if project.status != ProjectStatus.TERMINATED:
            counted.append(project)  # open faults are as of today
        ended = terminated_from.get(project.id)
        if ended is None and project.status == ProjectStatus.TERMINATED:
            ended = date.min  # no closure row (never written by the services): terminated throughout
        if ended is not None and ended <= first:  # R-LIFE: from its termination month on
            stats.terminated_projects += 1
            continue
        if project.id in suspended:
            stats.suspended_projects += 1
            continue
        if not due:  # not a plan month of a maintenance project (R-PRJ-2, contract range)
            continue
        stats.due += 1
        state = status.get(project.id)
        if state == "filed":
            stats.on_time += 1
        elif state == "filed_late":
            stats.filed_late += 1
        elif state == "generated":
            stats.unfiled += 1
        elif today > last:
            stats.overdue += 1
        else:
            stats.in_progress += 1
    _count_faults(ctx, counted, out, today)
    return list(out.values())


def _termination_months(ctx: Ctx) -> dict[uuid.UUID, date]:
    """First day of the business month each terminated project was terminated in (R-LIFE)."""
    stmt = select(ProjectClosure.project_id, ProjectClosure.closed_at).where(
        ProjectClosure.kind == ClosureKind.TERMINATED
    )
    return {pid: month_start(business_date(at)) for pid, at in ctx.session.execute(stmt)}


def _report_status(ctx: Ctx, project_ids: list[uuid.UUID], first: date) -> dict[uuid.UUID, str]:
    """Per project: ``filed``, ``filed_late`` or ``generated`` (the live report of the month's plan)."""
    if not project_ids:
        return {}
    stmt = (
        select(Plan.project_id, Report.status, Filing.late)
        .join(Report, Report.plan_id == Plan.id)
        .outerjoin(Filing, Filing.report_id == Report.id)
        .where(
            Plan.project_id.in_(project_ids),
            Plan.period_start <= first,
            Plan.period_end >= first,
            Report.status != ReportStatus.DELETED,
        )
        .order_by(Report.revision)
    )
    out: dict[uuid.UUID, str] = {}
    for project_id, report_status, late in ctx.session.execute(stmt):
        if report_status == ReportStatus.FILED:
            out[project_id] = "filed_late" if late else "filed"
        else:
            out.setdefault(project_id, "generated")
    return out


def _count_faults(ctx: Ctx, projects: list[Project], out: dict[uuid.UUID, AgencyStats], today: date) -> None:
    agency_of = {p.id: p.agency_id for p in projects}
    if not agency_of:
        return
    stmt = select(Fault.project_id, Fault.found_at).where(
        Fault.project_id.in_(list(agency_of)), Fault.status.in_([s.value for s in OPEN_STATUSES])
    )
    ages: dict[uuid.UUID, list[int]] = defaultdict(list)
    for project_id, found_at in ctx.session.execute(stmt):
        ages[agency_of[project_id]].append((today - business_date(found_at)).days)
    for agency_id, days in ages.items():
        stats = out[agency_id]
        stats.open_faults_le_30d += sum(1 for d in days if d <= 30)
        stats.open_faults_31_90d += sum(1 for d in days if 30 < d <= 90)
        stats.open_faults_over_90d += sum(1 for d in days if d > 90)
