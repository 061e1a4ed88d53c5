"""Plan services: create, ignore/restore, schedule, issue, revoke, delete (R-PLAN); reading a plan is
:mod:`workflows.plans.read` (re-exported here)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import delete, func, select

from engine.clock import business_date, end_of_business_day
from engine.codes import next_code
from engine.errors import Conflict, InvalidInput, NotFound, RuleViolation
from workflows.audit.service import record_audit
from workflows.catalog.loader import is_due, is_plan_item
from workflows.catalog.models import CatalogCategory, CatalogFacility, CatalogSystem, TestItem
from workflows.context import Ctx
from workflows.contracts.models import CONTRACT_TYPE_LABELS, Contract, ContractType
from workflows.notifications.events import notify_task_issued
from workflows.people.models import Person
from workflows.people.rules import EXECUTOR_ROLES
from workflows.people.scope import get_project, require_manager, roles_of
from workflows.plans.models import Plan, PlanLine, PlanNature, PlanState
from workflows.plans.read import actor_of as _actor
from workflows.plans.read import get_plan as get_plan  # re-exported: the services' callers read plans too
from workflows.plans.read import line_tasks
from workflows.plans.read import read_plan as read_plan
from workflows.plans.rules import parse_period, plan_name
from workflows.plans.schemas import PlanRead
from workflows.projects.models import Project, ProjectFacility, ProjectStatus
from workflows.tasks.models import TaskLine

PERIOD_PROCESS = {
    ContractType.MAINTENANCE: "maintenance_period",
    ContractType.ANNUAL_INSPECTION: "inspection_period",
    ContractType.COMPLETION_INSPECTION: "inspection_period",
    ContractType.SPECIAL_INSPECTION: "inspection_period",
    ContractType.SAFETY_ASSESSMENT: "assessment_period",
}
"""The BPMN process each plan of a contract type runs (R-INSP: inspection/assessment upload their report)."""


def period_process_id(ctx: Ctx, project_id: uuid.UUID) -> str:
    """The period process id (``maintenance_period`` / ``inspection_period`` / ``assessment_period``)
    that the plans of a project run, from its contract type."""
    ctype = ctx.session.scalar(
        select(Contract.type)
        .join(Project, Project.contract_id == Contract.id)
        .where(Project.id == project_id)
    )
    return PERIOD_PROCESS.get(ContractType(ctype), "maintenance_period") if ctype else "maintenance_period"


def create_plan(ctx: Ctx, project_id: uuid.UUID, *, nature: str, period: str) -> Plan:
    """Create a plan of a project's period with its lines and start its ``maintenance_period`` process.

    Lines are the catalog items of the project's selected facilities that are due in the period
    (``workflows.catalog.loader.is_due``); duty-room routine items are never planned.

    Args:
        ctx: Acting person: a manager of the project (project lead, technical lead, enterprise manager);
            ``ctx.actor is None`` for the scheduler's monthly drafts (created by the project's lead).
        project_id: The project.
        nature: ``month``, ``quarter`` or ``year``.
        period: ``2026-10`` / ``2026-Q4`` / ``2026``.

    Raises:
        NotFound: project not visible (404).
        Forbidden: not a manager of the project (403).
        InvalidInput: bad period (422).
        RuleViolation: ``R-PRJ-2`` before the first plan month; ``R-LIFE`` project not active;
            ``R-INSP`` inspection/assessment projects take one yearly plan only; ``R-PLAN`` period
            outside the contract or no due items (409/422).
        Conflict: a plan for this period exists already (409).
    """
    actor = ctx.actor
    if actor is None:  # the scheduler (plans.create_month_drafts): every rule below still applies
        stmt = select(Project).where(Project.id == project_id).with_for_update()
        project = ctx.session.scalars(stmt).first()
        if project is None:
            raise NotFound("项目不存在 / project not found")
    else:
        project = get_project(ctx, actor, project_id, for_update=True)
        require_manager(actor, project, action="制定计划 / create a plan")
    if project.status != ProjectStatus.ACTIVE:
        raise RuleViolation("R-LIFE", f"项目状态为 {project.status}，不能制定计划 / project is not active")
    contract = ctx.session.get(Contract, project.contract_id)
    assert contract is not None
    start, end = parse_period(nature, period)
    from workflows.lifecycle.queries import check_plan_period

    check_plan_period(ctx.session, project.id, start, end)  # R-PLAN-1: no plan for a suspended month
    ctype = ContractType(contract.type)
    if ctype != ContractType.MAINTENANCE:
        if nature != PlanNature.YEAR:
            raise RuleViolation(
                "R-INSP", "检测/评估项目只能制定一个年计划 / inspection and assessment take one yearly plan"
            )
        existing = ctx.session.scalar(
            select(func.count()).select_from(Plan).where(Plan.project_id == project.id)
        )
        if existing:
            raise RuleViolation("R-INSP", "检测/评估项目只能有一个年计划 / only one yearly plan is allowed")
    if end < project.first_plan_month:
        raise RuleViolation(
            "R-PRJ-2",
            f"首次计划月份为 {project.first_plan_month:%Y-%m}，不能早于此 / before the first plan month",
        )
    if start > contract.ends_on:
        raise RuleViolation(
            "R-PLAN", "计划期间超出合同期限 / the period is after the contract end", status_code=422
        )
    duplicate = ctx.session.scalar(
        select(Plan.code).where(
            Plan.project_id == project.id, Plan.nature == nature, Plan.period_start == start
        )
    )
    if duplicate is not None:  # e.g. the month's draft the scheduler made (plans.create_month_drafts)
        raise Conflict(
            f"该期间已有计划 {duplicate}，请打开该计划 / a plan for this period exists already: {duplicate}"
        )
    items = _due_items(ctx, project, nature=nature, start=start)
    if not items:
        raise RuleViolation(
            "R-PLAN",
            "所选消防设施在该期间没有到期的测试项，请先选择消防设施 / no items due: select facilities first",
            status_code=422,
        )
    plan = Plan(
        code=next_code(ctx.session, f"PL-{start.year}"),
        project_id=project.id,
        nature=nature,
        period_start=start,
        period_end=end,
        name=plan_name(nature, start, CONTRACT_TYPE_LABELS[ctype]),
        state=PlanState.DRAFT,
        created_by=actor.id if actor is not None else project.lead_id,
        created_at=ctx.clock.now(),
    )
    ctx.session.add(plan)
    ctx.session.flush()
    ctx.session.add_all(
        PlanLine(plan_id=plan.id, test_item_id=item_id, position=i) for i, item_id in enumerate(items)
    )
    ctx.session.flush()
    record_audit(ctx, "plan.created", "plan", plan.id, after={"name": plan.name, "lines": len(items)})
    process_id = PERIOD_PROCESS.get(ctype, "maintenance_period")
    ctx.processes.start(
        ctx.session,
        process_id,
        subject_type="plan",
        subject_id=plan.id,
        data={
            "plan_id": str(plan.id),
            "project_id": str(project.id),
            "month_end_at": end_of_business_day(end).isoformat(),
        },
        agency_id=project.agency_id,
        project_id=project.id,
        context=ctx,
    )
    return plan


def _due_items(ctx: Ctx, project: Project, *, nature: str, start: date) -> list[uuid.UUID]:
    stmt = (
        select(TestItem.id, TestItem.period)
        .join(ProjectFacility, ProjectFacility.facility_id == TestItem.facility_id)
        .join(CatalogFacility, CatalogFacility.id == TestItem.facility_id)
        .join(CatalogCategory, CatalogCategory.id == CatalogFacility.category_id)
        .join(CatalogSystem, CatalogSystem.id == CatalogCategory.system_id)
        .where(ProjectFacility.project_id == project.id)
        .order_by(CatalogSystem.position, CatalogFacility.position, TestItem.position)
    )
    anchor = project.first_plan_month.month
    return [
        item_id
        for item_id, period in ctx.session.execute(stmt)
        if is_plan_item(period)
        and is_due(
            period,
            nature=nature,
            period_start=start,
            anchor_month=anchor,
            anchor_year=project.first_plan_month.year,
        )
    ]


def _lines(ctx: Ctx, plan: Plan, line_ids: list[uuid.UUID]) -> list[PlanLine]:
    wanted = set(line_ids)
    lines = list(
        ctx.session.scalars(select(PlanLine).where(PlanLine.plan_id == plan.id, PlanLine.id.in_(wanted)))
    )
    if len(lines) != len(wanted):
        raise InvalidInput("line_ids", "包含不属于该计划的计划项 / some lines are not lines of this plan")
    return lines


def set_lines_ignored(ctx: Ctx, plan_id: uuid.UUID, line_ids: list[uuid.UUID], *, ignored: bool) -> PlanRead:
    """Ignore (忽略) or restore (恢复) unissued lines.

    Raises:
        RuleViolation: ``R-PLAN`` a line is already issued (409).
    """
    plan, project = get_plan(ctx, plan_id, for_update=True)
    require_manager(_actor(ctx), project, action="修改计划 / change a plan")
    lines = _lines(ctx, plan, line_ids)
    if any(line.executor_id is not None for line in lines):
        raise RuleViolation("R-PLAN", "已下发的计划项不能忽略或恢复，请先撤回 / revoke issued lines first")
    for line in lines:
        line.ignored = ignored
    record_audit(
        ctx,
        "plan.lines_ignored" if ignored else "plan.lines_restored",
        "plan",
        plan.id,
        after={"line_ids": [str(x.id) for x in lines]},
    )
    ctx.session.flush()
    _sync_issue_step(ctx, plan)
    return read_plan(ctx, plan.id)


def schedule_line(
    ctx: Ctx, plan_id: uuid.UUID, line_id: uuid.UUID, *, planned_on: date | None, location: str | None
) -> PlanRead:
    """Give a line a date and a location (设置日期和位置); the date must fall in the plan's period."""
    plan, project = get_plan(ctx, plan_id, for_update=True)
    require_manager(_actor(ctx), project, action="修改计划 / change a plan")
    (line,) = _lines(ctx, plan, [line_id])
    if planned_on is not None and not plan.period_start <= planned_on <= plan.period_end:
        raise InvalidInput("planned_on", "日期须在计划期间内 / the date must fall inside the plan's period")
    before = {"planned_on": line.planned_on, "location": line.location}
    line.planned_on, line.location = planned_on, location
    record_audit(
        ctx,
        "plan.line_scheduled",
        "plan_line",
        line.id,
        before=before,
        after={"planned_on": planned_on, "location": location},
    )
    return read_plan(ctx, plan.id)


def issue_plan(ctx: Ctx, plan_id: uuid.UUID, line_ids: list[uuid.UUID], executor_id: uuid.UUID) -> PlanRead:
    """Issue (下发) a batch of lines to one executor; when every active line is issued, the
    ``issue_plan`` step of the period process completes.

    Raises:
        InvalidInput: lines not of this plan, or the executor is not an enabled field operator or
            project lead of the project's agency (422, field ``executor_id``).
        RuleViolation: ``R-PLAN`` ignored or already issued lines; ``R-PLAN-3`` the period has ended (409).
    """
    plan, project = get_plan(ctx, plan_id, for_update=True)
    require_manager(_actor(ctx), project, action="下发计划 / issue a plan")
    if business_date(ctx.clock.now()) > plan.period_end:
        raise RuleViolation("R-PLAN-3", "计划已过期，执行人员不能接收 / the plan has expired")
    executor = ctx.session.get(Person, executor_id)
    if (
        executor is None
        or executor.agency_id != project.agency_id
        or not executor.enabled
        or not roles_of(executor) & EXECUTOR_ROLES
    ):
        raise InvalidInput(
            "executor_id",
            "执行人员须为本机构已启用的现场作业人员或项目负责人 / not an executor of this agency",
        )
    lines = _lines(ctx, plan, line_ids)
    if any(line.ignored for line in lines):
        raise RuleViolation("R-PLAN", "不能下发已忽略的计划项 / ignored lines cannot be issued")
    if any(line.executor_id is not None for line in lines):
        raise RuleViolation(
            "R-PLAN", "部分计划项已下发，请先撤回 / some lines are issued already: revoke first"
        )
    now = ctx.clock.now()
    for line in lines:
        line.executor_id, line.issued_at = executor.id, now
    record_audit(
        ctx,
        "plan.issued",
        "plan",
        plan.id,
        after={"executor_id": executor.id, "line_ids": [str(x.id) for x in lines]},
    )
    ctx.session.flush()
    _sync_issue_step(ctx, plan)
    notify_task_issued(ctx, plan, project, executor.id, len(lines))
    return read_plan(ctx, plan.id)


def revoke_lines(ctx: Ctx, plan_id: uuid.UUID, line_ids: list[uuid.UUID]) -> PlanRead:
    """Revoke issued lines that no task carries (R-PLAN-2 step 2).

    Raises:
        RuleViolation: ``R-PLAN-2`` a line is in a task: its executor must drop the task first (409).
    """
    plan, project = get_plan(ctx, plan_id, for_update=True)
    require_manager(_actor(ctx), project, action="撤回计划项 / revoke lines")
    lines = _lines(ctx, plan, line_ids)
    in_tasks = line_tasks(ctx, plan.id)
    if any(line.id in in_tasks for line in lines):
        raise RuleViolation(
            "R-PLAN-2", "计划项已被执行，请执行人员先删除未提交任务 / the executor must drop the task first"
        )
    for line in lines:
        line.executor_id, line.issued_at = None, None
    if plan.state == PlanState.ISSUED:
        plan.state = PlanState.DRAFT
    record_audit(ctx, "plan.lines_revoked", "plan", plan.id, after={"line_ids": [str(x.id) for x in lines]})
    return read_plan(ctx, plan.id)


def delete_plan(ctx: Ctx, plan_id: uuid.UUID) -> None:
    """Delete a plan (R-PLAN-2): only when no line is issued and no task carries a line.

    Raises:
        RuleViolation: ``R-PLAN-2`` issued lines (revoke first) or executed lines (the executor drops
            the task first), or a report exists (409).
    """
    plan, project = get_plan(ctx, plan_id, for_update=True)
    require_manager(_actor(ctx), project, action="删除计划 / delete a plan")
    from workflows.reports.models import Report

    if ctx.session.scalar(select(func.count()).select_from(Report).where(Report.plan_id == plan.id)):
        raise RuleViolation("R-PLAN-2", "计划已生成报告，不能删除 / the plan has a report")
    if line_tasks(ctx, plan.id) or ctx.session.scalar(
        select(func.count())
        .select_from(TaskLine)
        .join(PlanLine, PlanLine.id == TaskLine.plan_line_id)
        .where(PlanLine.plan_id == plan.id)
    ):
        raise RuleViolation(
            "R-PLAN-2",
            "计划项已被执行：请执行人员先删除未提交任务，再撤回计划项 / drop the executor's task first",
        )
    if ctx.session.scalar(
        select(func.count())
        .select_from(PlanLine)
        .where(PlanLine.plan_id == plan.id, PlanLine.executor_id.is_not(None))
    ):
        raise RuleViolation("R-PLAN-2", "计划已下发：请先撤回已下发的计划项 / revoke the issued lines first")
    record = ctx.processes.find(ctx.session, period_process_id(ctx, plan.project_id), "plan", plan.id)
    if record is not None:
        ctx.processes.cancel(ctx.session, record)
    record_audit(ctx, "plan.deleted", "plan", plan.id, before={"name": plan.name, "state": plan.state})
    ctx.session.execute(delete(PlanLine).where(PlanLine.plan_id == plan.id))
    ctx.session.delete(plan)
    ctx.session.flush()


def _sync_issue_step(ctx: Ctx, plan: Plan) -> None:
    """Complete ``issue_plan`` once every active line is issued (and the step is still open)."""
    unissued = ctx.session.scalar(
        select(func.count())
        .select_from(PlanLine)
        .where(PlanLine.plan_id == plan.id, PlanLine.ignored.is_(False), PlanLine.executor_id.is_(None))
    )
    if unissued:
        return
    record = ctx.processes.lock(ctx.session, period_process_id(ctx, plan.project_id), "plan", plan.id)
    if "issue_plan" in ctx.processes.ready_bpmn_ids(ctx.session, record):
        ctx.processes.complete(ctx.session, record, "issue_plan", {}, context=ctx)
    if plan.state == PlanState.DRAFT:
        plan.state = PlanState.ISSUED
