"""Report services: generate, read, PDF, delete before filing, public verification (R-RPT)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date

from sqlalchemy import select, update

from engine.codes import next_code
from engine.errors import Conflict, InvalidInput, NotFound, RuleViolation
from workflows.agencies.models import Agency
from workflows.audit.service import record_audit
from workflows.context import Ctx
from workflows.contracts.models import CONTRACT_TYPE_LABELS, Contract, ContractType
from workflows.filings.models import Filing
from workflows.owners.models import Owner
from workflows.owners.views import record_owner_view
from workflows.people.models import Person
from workflows.people.scope import get_project, require_manager
from workflows.plans.models import Plan, PlanState
from workflows.plans.rules import period_label
from workflows.plans.service import get_plan, period_process_id
from workflows.projects.models import Project, ProjectStatus
from workflows.reports import guards as _guards  # noqa: F401  (installs R-FILE-2 listeners)
from workflows.reports.builder import build_report_data, with_verify_url
from workflows.reports.models import Report, ReportStatus, ReportTask
from workflows.reports.pdf import render_report_pdf
from workflows.reports.report_data import ReportData, report_content_sha256
from workflows.reports.schemas import FilingRead, ReportRead, VerifyView
from workflows.reports.selection import extra_tasks
from workflows.reports.storage import check_reportable, store_report
from workflows.reports.verification import make_verify_token, read_verify_token, verify_url
from workflows.tasks.models import Task, TaskKind


def _secret(ctx: Ctx) -> bytes:
    return ctx.settings.secret_key.get_secret_value().encode("utf-8")


def generate_report(
    ctx: Ctx, plan_id: uuid.UUID, *, report_date: date, service_date: date, extra_task_ids: list[uuid.UUID]
) -> Report:
    """Generate the period's report in one step (一键生成) and hand it to the technical lead for filing.

    Preconditions (:func:`~workflows.reports.storage.check_reportable`): the plan has active lines
    and every one is in an approved plan task (R-RPT); every plan task was submitted by the last
    day of the period (R-RPT-1); no live report exists (R-RPT-2: delete first).
    Extra tasks (supplementary, mismatch, investigation, repair) of the same project are included
    only when ticked; they never make a report on their own and never stand in for a plan line
    (R-TASK-2). The filing deadline counts from the service's completion date, the day the last
    plan task was submitted (:func:`~workflows.reports.selection.service_completed_on`, R-FILE-1).

    Raises:
        NotFound (404), Forbidden (403), InvalidInput (422: dates, extra tasks),
        RuleViolation ``R-RPT`` (no active line, or lines not all approved), ``R-RPT-1`` (overdue),
        ``R-RPT-2`` (a report exists), ``R-LIFE`` (project terminated) (409).
    """
    actor = ctx.actor
    assert actor is not None
    plan, project = get_plan(ctx, plan_id, for_update=True)
    require_manager(actor, project, action="生成报告 / generate a report")
    if project.status == ProjectStatus.TERMINATED:
        raise RuleViolation("R-LIFE", "项目已终止，不能出具报告 / the project is terminated")
    if period_process_id(ctx, project.id) != "maintenance_period":
        raise RuleViolation(
            "R-RPT-3",
            "检测/评估项目不生成报告：请以 multipart 上传签字报告 PDF（file、report_code）"
            " / inspection and assessment reports are uploaded as a PDF (multipart)",
        )
    if service_date > report_date:
        raise InvalidInput(
            "service_date", "技术服务日期不能晚于报告日期 / the service date cannot be after the report date"
        )
    reportable = check_reportable(ctx, plan, again="重新生成")
    extras = extra_tasks(ctx, plan, project, extra_task_ids)
    tasks = [*reportable.tasks, *extras]
    code = next_code(ctx.session, f"WB-{plan.period_start.year}")
    report_id = uuid.uuid4()
    data = _gather(ctx, plan, project, tasks, code=code, report_date=report_date, service_date=service_date)
    content_sha = report_content_sha256(data)
    token = make_verify_token(report_id, content_sha, _secret(ctx))
    pdf = render_report_pdf(with_verify_url(data, verify_url(ctx.settings.base_url, token)))
    return store_report(
        ctx,
        plan,
        project,
        tasks,
        process_id="maintenance_period",
        report_id=report_id,
        code=code,
        pdf=pdf,
        content_sha256=content_sha,
        verify_token=token,
        report_date=report_date,
        service_date=service_date,
        completed_on=reportable.completed_on,
    )


def _gather(
    ctx: Ctx,
    plan: Plan,
    project: Project,
    tasks: list[Task],
    *,
    code: str,
    report_date: date,
    service_date: date,
) -> ReportData:
    """The report's content (without the verification URL) from the database."""
    contract = ctx.session.get(Contract, project.contract_id)
    assert contract is not None
    contract_label = CONTRACT_TYPE_LABELS[ContractType(contract.type)]
    return build_report_data(
        ctx,
        plan=plan,
        project=project,
        tasks=tasks,
        report_number=code,
        report_date=report_date,
        service_date=service_date,
        verify_url="",
        title=f"{period_label(plan.nature, plan.period_start)}{contract_label}报告",
    )


def rebuild_report_data(ctx: Ctx, report_id: uuid.UUID) -> ReportData:
    """Gather a generated report's :class:`ReportData` again from the database, verification URL
    included: rendering it gives the stored PDF byte for byte as long as nothing it shows has
    changed since (fault statuses and histories move on after generation).

    Raises:
        NotFound: no such report, or not visible (404).
        InvalidInput: an uploaded report has no data to rebuild (422, ``report_id``).
    """
    report, project = get_report(ctx, report_id)
    if report.origin != "generated":
        raise InvalidInput("report_id", "上传的报告没有可重建的数据 / an uploaded report cannot be rebuilt")
    plan = ctx.session.get(Plan, report.plan_id)
    assert plan is not None
    covered = select(ReportTask.task_id).where(ReportTask.report_id == report.id)
    tasks = list(ctx.session.scalars(select(Task).where(Task.id.in_(covered))))
    plan_tasks = sorted((t for t in tasks if t.kind == TaskKind.PLAN), key=lambda t: (t.created_at, t.code))
    extras = sorted((t for t in tasks if t.kind != TaskKind.PLAN), key=lambda t: (t.created_at, t.code))
    data = _gather(
        ctx,
        plan,
        project,
        [*plan_tasks, *extras],
        code=report.code,
        report_date=report.report_date,
        service_date=report.service_date,
    )
    return with_verify_url(data, verify_url(ctx.settings.base_url, report.verify_token))


def get_report(ctx: Ctx, report_id: uuid.UUID, *, for_update: bool = False) -> tuple[Report, Project]:
    """The report if its project is visible (404 otherwise; deleted reports are not found)."""
    stmt = select(Report).where(Report.id == report_id, Report.status != ReportStatus.DELETED)
    if for_update:
        stmt = stmt.with_for_update()
    report = ctx.session.scalars(stmt).first()
    if report is None:
        raise NotFound("报告不存在 / report not found")
    assert ctx.actor is not None
    return report, get_project(ctx, ctx.actor, report.project_id)


def read_report(ctx: Ctx, report_id: uuid.UUID) -> ReportRead:
    """The report's metadata (incl. ``filing_deadline``, ``verify_url``, ``sha256``); an owner
    contact's read is recorded (R-ROLE-5)."""
    report, _ = get_report(ctx, report_id)
    record_owner_view(ctx, "report", report.id, project_id=report.project_id)
    return describe_report(ctx, report)


def describe_report(ctx: Ctx, report: Report) -> ReportRead:
    """The API view of a report."""
    plan = ctx.session.get(Plan, report.plan_id)
    assert plan is not None
    filing = ctx.session.scalars(select(Filing).where(Filing.report_id == report.id)).first()
    filing_read = None
    if filing is not None:
        who = ctx.session.get(Person, filing.filed_by)
        filing_read = FilingRead(
            filed_by=filing.filed_by,
            filed_by_name=who.name if who else "",
            filed_at=filing.filed_at,
            opinion=filing.opinion,
            deadline=filing.deadline,
            late=filing.late,
        )
    return ReportRead(
        id=report.id,
        code=report.code,
        plan_id=report.plan_id,
        project_id=report.project_id,
        revision=report.revision,
        status=report.status,
        title=plan.name.replace("计划", "报告"),
        report_date=report.report_date,
        service_date=report.service_date,
        completed_on=report.completed_on,
        filing_deadline=report.filing_due_on,
        filing_overdue=report.filing_overdue,
        sha256=report.sha256,
        size_bytes=len(report.pdf),
        verify_url=verify_url(ctx.settings.base_url, report.verify_token),
        pdf_url=f"/api/v1/reports/{report.id}/pdf",
        generated_at=report.generated_at,
        task_ids=list(
            ctx.session.scalars(select(ReportTask.task_id).where(ReportTask.report_id == report.id))
        ),
        filing=filing_read,
        origin=report.origin,
        conclusion=report.conclusion,
        report_code=report.report_code,
    )


def report_pdf(ctx: Ctx, report_id: uuid.UUID) -> tuple[str, bytes]:
    """``(file name, PDF bytes)`` of a visible report; an owner contact's download is recorded (R-ROLE-5)."""
    report, _ = get_report(ctx, report_id)
    record_owner_view(ctx, "report_pdf", report.id, project_id=report.project_id)
    return f"{report.code}.pdf", report.pdf


def delete_report(ctx: Ctx, report_id: uuid.UUID) -> None:
    """Delete a report before it is filed so it can be regenerated (R-RPT-2).

    Raises:
        RuleViolation: ``R-FILE-2`` the report is filed and can never be deleted (409).
    """
    report, project = get_report(ctx, report_id, for_update=True)
    assert ctx.actor is not None
    require_manager(ctx.actor, project, action="删除报告 / delete a report")
    if report.status == ReportStatus.FILED:
        raise RuleViolation("R-FILE-2", "已备案的报告不能删除 / a filed report can never be deleted")
    before = {"status": report.status}
    report.status, report.deleted_at = ReportStatus.DELETED, ctx.clock.now()
    ctx.session.execute(  # its tasks are free for the regenerated report (uq_report_task_live_task_id)
        update(ReportTask).where(ReportTask.report_id == report.id).values(live=False)
    )
    plan = ctx.session.get(Plan, report.plan_id)
    assert plan is not None
    plan.state = PlanState.ISSUED
    record_audit(ctx, "report.deleted", "report", report.id, before=before, after={"status": report.status})
    ctx.session.flush()
    record = ctx.processes.lock(ctx.session, period_process_id(ctx, plan.project_id), "plan", plan.id)
    ctx.processes.complete(ctx.session, record, "file_report", {"decision": "deleted"}, context=ctx)


def verify_report(ctx: Ctx, token: str) -> VerifyView:
    """The public verification view of a token (no login).

    Raises:
        NotFound: the token is forged or damaged, or names no report (404).
    """
    claims = read_verify_token(token, _secret(ctx))
    report = ctx.session.get(Report, claims.report_id)
    if report is None or report.verify_token != token:
        raise NotFound("无效的验证码：报告不存在 / no such report", code="invalid_token")
    project = ctx.session.get(Project, report.project_id)
    plan = ctx.session.get(Plan, report.plan_id)
    assert project is not None and plan is not None
    agency = ctx.session.get(Agency, project.agency_id)
    owner = ctx.session.get(Owner, project.owner_id)
    filing = ctx.session.scalars(select(Filing).where(Filing.report_id == report.id)).first()
    genuine = (
        report.content_sha256 == claims.content_sha256
        and report.sha256 == hashlib.sha256(report.pdf).hexdigest()
    )
    return VerifyView(
        genuine=genuine and report.status != ReportStatus.DELETED,
        status=report.status,
        report_number=report.code,
        title=plan.name.replace("计划", "报告"),
        project=project.name,
        agency=agency.name if agency else "",
        owner=owner.name if owner else "",
        period=period_label(plan.nature, plan.period_start),
        report_date=report.report_date,
        filed=filing is not None and report.status == ReportStatus.FILED,
        filed_at=filing.filed_at if filing else None,
        filing_deadline=report.filing_due_on,
        filed_late=filing.late if filing else None,
        sha256=report.sha256,
    )


def ensure_live(report: Report) -> None:
    """409 unless the report is generated (not filed, not deleted)."""
    if report.status == ReportStatus.FILED:
        raise RuleViolation("R-FILE-2", "报告已备案 / the report is filed already")
    if report.status != ReportStatus.GENERATED:
        raise Conflict("报告已删除 / the report was deleted")
