"""Storing a plan's report, generated (R-RPT) or uploaded (R-RPT-3/4, R-SPEC): the preconditions both
doors share and the one write both make (R-RPT-1, R-RPT-2, R-FILE-1).

:func:`check_reportable` runs the checks every report of a plan needs and gives the service's
completion date; :func:`store_report` numbers the revision, computes the filing deadline from that
date, writes the report with its covered tasks and audit row, advances the period process and
notifies the technical leads. :mod:`workflows.reports.service` renders the PDF it stores;
:mod:`workflows.reports.upload` stores the uploaded one.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select

from engine.clock import business_date, end_of_business_day
from engine.errors import RuleViolation
from workflows.audit.service import record_audit
from workflows.context import Ctx
from workflows.filings.calendar import filing_deadline
from workflows.notifications.events import notify_report_generated
from workflows.plans.models import Plan, PlanState
from workflows.projects.models import Project
from workflows.reports import guards as _guards  # noqa: F401  (installs R-FILE-2 listeners)
from workflows.reports.models import Report, ReportStatus, ReportTask
from workflows.reports.selection import check_coverage, plan_tasks, service_completed_on
from workflows.tasks.models import Task

STEP_OF_PROCESS = {
    "maintenance_period": "generate_report",
    "inspection_period": "upload_report",
    "assessment_period": "upload_report",
}
"""The period process's user task a stored report completes."""


@dataclass(frozen=True)
class Reportable:
    """A plan that may be reported now: its live plan tasks and the service's completion date."""

    tasks: list[Task]
    completed_on: date


def check_reportable(ctx: Ctx, plan: Plan, *, again: str) -> Reportable:
    """The checks every report of a plan needs, generated or uploaded, in this order.

    Args:
        ctx: Open unit of work; ``plan`` is locked by the caller.
        plan: The plan to report.
        again: What the user does after deleting the live report, for the R-RPT-2 message
            (``重新生成`` / ``重新上传``).

    Returns:
        The plan's live plan tasks (the report covers them all) and the completion date
        (:func:`~workflows.reports.selection.service_completed_on`, R-FILE-1).

    Raises:
        RuleViolation: ``R-RPT-2`` a live report exists; ``R-RPT`` no active line, or a line not in
            an approved task; ``R-RPT-1`` a plan task was submitted after the period's last day (409).
    """
    live = ctx.session.scalar(
        select(Report.code).where(Report.plan_id == plan.id, Report.status != ReportStatus.DELETED)
    )
    if live:
        raise RuleViolation(
            "R-RPT-2", f"该计划已有报告 {live}，请先删除再{again} / delete the existing report first"
        )
    tasks = plan_tasks(ctx, plan)
    check_coverage(ctx, plan, tasks)
    late = [t.code for t in tasks if t.submitted_at and business_date(t.submitted_at) > plan.period_end]
    if late:
        raise RuleViolation(
            "R-RPT-1",
            f"任务 {'、'.join(late)} 提交晚于 {plan.period_end}，当期报告已逾期"
            " / submitted after the period end",
        )
    return Reportable(tasks=tasks, completed_on=service_completed_on(tasks))


def filing_due_on(ctx: Ctx, completed_on: date) -> date:
    """The R-FILE-1 filing deadline of a service completed on ``completed_on`` (business date), by
    the configured rule (``Settings.filing``: 5 working days of China's calendar by default)."""
    return filing_deadline(
        completed_on,
        rule=ctx.settings.filing.rule,
        days=ctx.settings.filing.days,
        calendar=ctx.settings.calendar,
    )


def store_report(
    ctx: Ctx,
    plan: Plan,
    project: Project,
    tasks: list[Task],
    *,
    process_id: str,
    report_id: uuid.UUID,
    code: str,
    pdf: bytes,
    content_sha256: str,
    verify_token: str,
    report_date: date,
    service_date: date,
    completed_on: date,
    origin: str = "generated",
    conclusion: str | None = None,
    report_code: str | None = None,
    audit_extra: dict[str, Any] | None = None,
) -> Report:
    """Write a checked report of ``plan`` and hand it to the technical leads for filing.

    Numbers the revision (1 + the plan's earlier reports, deleted ones included, R-RPT-2), sets
    the filing deadline from ``completed_on`` (:func:`filing_due_on`, R-FILE-1), links ``tasks``
    (``report_task``, live), marks the plan reported, writes the ``report.<origin>`` audit row,
    completes the period process's report step (its filing timer gets the deadline) and notifies.

    Args:
        ctx: Acting person (``generated_by``); the caller commits.
        plan: The plan, locked and checked (:func:`check_reportable`).
        project: Its project.
        tasks: Every task the report covers: the plan tasks, then the ticked extra tasks.
        process_id: The plan's period process (``maintenance_period``, ``inspection_period``,
            ``assessment_period``).
        report_id: The new report's id (already signed into ``verify_token``).
        code: fireops's report number (``WB-2026-0001``).
        pdf: The stored PDF bytes.
        content_sha256: SHA-256 (hex) the verification token signs: of the report data, or of the
            uploaded file.
        verify_token: The QR code's token.
        report_date: 报告日期. service_date: 技术服务日期.
        completed_on: The service's completion date (:class:`Reportable`).
        origin: ``generated`` or ``uploaded``.
        conclusion: Inspection conclusion (uploads, R-RPT-3). report_code: The agency's code (uploads).
        audit_extra: More fields of the audit row's ``after``.

    Returns:
        The new report, status ``generated``.
    """
    actor = ctx.actor
    assert actor is not None
    due = filing_due_on(ctx, completed_on)
    revision = 1 + int(
        ctx.session.scalar(select(func.count()).select_from(Report).where(Report.plan_id == plan.id)) or 0
    )
    report = Report(
        id=report_id,
        code=code,
        plan_id=plan.id,
        project_id=project.id,
        revision=revision,
        status=ReportStatus.GENERATED,
        report_date=report_date,
        service_date=service_date,
        completed_on=completed_on,
        filing_due_on=due,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        content_sha256=content_sha256,
        verify_token=verify_token,
        generated_by=actor.id,
        generated_at=ctx.clock.now(),
        origin=origin,
        conclusion=conclusion,
        report_code=report_code,
    )
    ctx.session.add(report)
    ctx.session.flush()
    ctx.session.add_all(ReportTask(report_id=report.id, task_id=t.id) for t in tasks)
    plan.state = PlanState.REPORTED
    record_audit(
        ctx,
        f"report.{origin}",
        "report",
        report.id,
        after={
            "code": code,
            **(audit_extra or {}),
            "revision": revision,
            "sha256": report.sha256,
            "filing_due_on": due,
        },
    )
    ctx.session.flush()
    record = ctx.processes.lock(ctx.session, process_id, "plan", plan.id)
    ctx.processes.complete(
        ctx.session,
        record,
        STEP_OF_PROCESS[process_id],
        {"report_id": str(report.id), "filing_due_at": end_of_business_day(due).isoformat()},
        context=ctx,
    )
    notify_report_generated(ctx, report, plan, project)
    return report
