"""Filing service: a technical lead files a report (备案, R-FILE)."""

from __future__ import annotations

import uuid

from engine.clock import business_date
from engine.errors import Forbidden
from workflows.audit.service import record_audit
from workflows.context import Ctx
from workflows.filings.models import Filing
from workflows.notifications.events import notify_report_filed
from workflows.people.rules import Role
from workflows.people.scope import roles_of
from workflows.plans.models import Plan, PlanState
from workflows.plans.service import period_process_id
from workflows.reports.models import Report, ReportStatus
from workflows.reports.service import ensure_live, get_report


def file_report(ctx: Ctx, report_id: uuid.UUID, *, opinion: str) -> Report:
    """File a generated report; from then on it can never change (R-FILE-2). Late filing is
    allowed and flagged (R-FILE-1).

    Args:
        ctx: Acting technical lead of the project's agency (a registered engineer, R-ROLE-2).
        report_id: The report.
        opinion: The filing opinion (备案意见), 1-500 characters.

    Raises:
        NotFound: report not visible (404). Forbidden: not a technical lead of the agency (403).
        RuleViolation: ``R-FILE-2`` already filed (409). Conflict: deleted meanwhile (409).
    """
    actor = ctx.actor
    assert actor is not None
    report, project = get_report(ctx, report_id, for_update=True)
    if Role.TECHNICAL_LEAD not in roles_of(actor) or actor.agency_id != project.agency_id:
        raise Forbidden("只有本机构技术负责人可以备案 / only a technical lead of the agency may file")
    ensure_live(report)
    today = business_date(ctx.clock.now())
    late = today > report.filing_due_on
    ctx.session.add(
        Filing(
            report_id=report.id,
            filed_by=actor.id,
            filed_at=ctx.clock.now(),
            opinion=opinion.strip(),
            deadline=report.filing_due_on,
            late=late,
        )
    )
    report.status = ReportStatus.FILED
    plan = ctx.session.get(Plan, report.plan_id)
    assert plan is not None
    plan.state = PlanState.FILED
    record_audit(
        ctx,
        "report.filed",
        "report",
        report.id,
        before={"status": ReportStatus.GENERATED},
        after={"status": ReportStatus.FILED, "late": late, "opinion": opinion},
    )
    ctx.session.flush()
    process_id = period_process_id(ctx, plan.project_id)
    record = ctx.processes.lock(ctx.session, process_id, "plan", plan.id)
    ctx.processes.complete(ctx.session, record, "file_report", {"decision": "filed"}, context=ctx)
    notify_report_filed(ctx, report, project, late=late)
    return report
