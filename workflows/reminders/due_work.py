"""The R-DUE reminders of the month's work (SPEC §11 rows 1-3): the plan issued by the issue day,
the plan tasks submitted by the month end (R-RPT-1), submitted tasks reviewed in time. Each rule
yields the reminders due at ``now`` (latest step only), computed from domain rows; the moments are
the pure rules of :mod:`workflows.reminders.rules`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.clock import business_date
from engine.settings import Settings
from workflows.contracts.models import Contract
from workflows.lifecycle.queries import suspended_in_month
from workflows.people.rules import Role
from workflows.plans.models import Plan, PlanLine, PlanNature, PlanState
from workflows.projects.models import Project, ProjectStatus
from workflows.projects.queries import maintenance_month_due
from workflows.reminders import rules
from workflows.reminders.due_reminder import DueReminder, RecipientDirectory, people_of, project_fields
from workflows.tasks.models import Task, TaskLine, TaskState


def plan_issue_reminders(
    session: Session, now: datetime, settings: Settings, people: RecipientDirectory
) -> Iterator[DueReminder]:
    """The month's plan issued by ``plan_issue_day`` → project lead; the enterprise managers of the
    agency too from the due day on (SPEC §11: lead and manager; the early heads-up goes to the lead).

    Suspended months (approved suspensions, R-PLAN-1 / R-LIFE) and months before the first plan
    month (R-PRJ-2) or after the contract end are skipped.
    """
    cfg = settings.scheduler
    today = business_date(now)
    month = today.replace(day=1)
    steps = rules.plan_issue_steps(month, issue_day=cfg.plan_issue_day, hour=cfg.reminder_hour)
    step = rules.latest_due(steps, now)
    if step is None:
        return
    kind, due_at = step
    to_managers = rules.plan_issue_goes_to_managers(month, step, issue_day=cfg.plan_issue_day)
    due_day = business_date(due_at) == month.replace(day=cfg.plan_issue_day)
    title = "计划下发已逾期" if kind == rules.PLAN_ISSUE_OVERDUE else "请按时下发本月计划"
    if due_day:
        title = "今天是本月计划下发期限"
    month_plan = (
        select(Plan.project_id, Plan.id, Plan.state)
        .where(Plan.nature == PlanNature.MONTH, Plan.period_start == month)
        .subquery()
    )
    rows = session.execute(
        select(Project, month_plan.c.id, month_plan.c.state)
        .join(Contract, Contract.id == Project.contract_id)
        .outerjoin(month_plan, month_plan.c.project_id == Project.id)
        .where(
            Project.status == ProjectStatus.ACTIVE,
            maintenance_month_due(month),  # R-PRJ-2, within the contract
            Project.id.not_in(suspended_in_month(month)),  # R-PLAN-1: a suspended month is left alone
            or_(month_plan.c.state.is_(None), month_plan.c.state == PlanState.DRAFT),
        )
        .order_by(Project.code)
    )
    for project, plan_id, plan_state in rows:
        late = kind == rules.PLAN_ISSUE_OVERDUE
        managers = people.agency(project.agency_id, Role.ENTERPRISE_MANAGER) if to_managers else []
        recipients = people_of([project.lead_id], managers)
        what = f"{month.year}年{month.month}月维护保养计划"
        state = "尚未制定" if plan_state is None else "尚未全部下发"
        yield DueReminder(
            "project",
            project.id,
            kind,
            due_at,
            recipients,
            {
                "title": title,
                "body": f"{project.name}：{what}{state}，应于{month.month}月{cfg.plan_issue_day}日前下发。",
                **project_fields(project),
                "month": month.isoformat(),
                "plan_id": str(plan_id) if plan_id else None,
                "due_on": month.replace(day=cfg.plan_issue_day).isoformat(),
                "overdue": late,
            },
        )


def tasks_due_reminders(
    session: Session, now: datetime, settings: Settings, people: RecipientDirectory
) -> Iterator[DueReminder]:
    """Plan tasks submitted by the month end (R-RPT-1) → executors with open lines and the project lead."""
    cfg = settings.scheduler
    today = business_date(now)
    horizon = today + timedelta(days=cfg.task_remind_days_before)
    due_plans = (
        select(Plan.id)
        .join(Project, Project.id == Plan.project_id)
        .where(
            Project.status == ProjectStatus.ACTIVE,
            Plan.nature == PlanNature.MONTH,
            Plan.state.in_((PlanState.DRAFT, PlanState.ISSUED)),
            Plan.overdue.is_(False),
            Plan.period_end >= today,
            Plan.period_end <= horizon,
        )
    )
    plans = session.execute(
        select(Plan, Project)
        .join(Project, Project.id == Plan.project_id)
        .where(Plan.id.in_(due_plans))
        .order_by(Plan.code)
    ).all()
    if not plans:
        return
    done = set(
        session.scalars(
            select(TaskLine.plan_line_id)
            .join(Task, Task.id == TaskLine.task_id)
            .where(Task.plan_id.in_(due_plans), Task.state.in_((TaskState.SUBMITTED, TaskState.APPROVED)))
        )
    )
    open_lines: dict[uuid.UUID, list[uuid.UUID | None]] = {}
    for line_id, line_plan_id, executor_id in session.execute(
        select(PlanLine.id, PlanLine.plan_id, PlanLine.executor_id).where(
            PlanLine.plan_id.in_(due_plans), PlanLine.ignored.is_(False)
        )
    ):
        if line_id not in done and line_plan_id is not None:
            open_lines.setdefault(line_plan_id, []).append(executor_id)
    for plan, project in plans:
        executors = open_lines.get(plan.id)
        if not executors:
            continue
        steps = rules.tasks_due_steps(
            plan.period_end, days_before=cfg.task_remind_days_before, hour=cfg.reminder_hour
        )
        step = rules.latest_due(steps, now)
        if step is None:
            continue
        days_left = (plan.period_end - business_date(step[1])).days
        when = "今天" if days_left == 0 else f"{days_left} 天后（{plan.period_end:%m月%d日}）"
        yield DueReminder(
            "plan",
            plan.id,
            step[0],
            step[1],
            people_of(executors, [project.lead_id]),
            {
                "title": "本月任务即将到期" if days_left else "本月任务今天到期",
                "body": f"{project.name}：{plan.name}还有 {len(executors)} 个计划项未提交，{when}截止，"
                f"逾期当月报告不能生成（R-RPT-1）。",
                **project_fields(project),
                "plan_id": str(plan.id),
                "plan_code": plan.code,
                "plan_name": plan.name,
                "open_lines": len(executors),
                "period_end": plan.period_end.isoformat(),
                "days_left": days_left,
            },
        )


def review_due_reminders(
    session: Session, now: datetime, settings: Settings, people: RecipientDirectory
) -> Iterator[DueReminder]:
    """Submitted tasks reviewed within ``review.due_days`` → the reviewers (project lead, technical leads)."""
    days = settings.review.due_days
    rows = session.execute(
        select(Task, Project)
        .join(Project, Project.id == Task.project_id)
        .where(
            Task.state == TaskState.SUBMITTED,
            Task.submitted_at <= now - timedelta(days=days),
            Project.status == ProjectStatus.ACTIVE,
        )
        .order_by(Task.submitted_at)
    )
    for task, project in rows:
        assert task.submitted_at is not None
        due_at = rules.review_due_at(task.submitted_at, due_days=days)
        yield DueReminder(
            "task",
            task.id,
            rules.REVIEW_DUE,
            due_at,
            people_of([project.lead_id], people.agency(project.agency_id, Role.TECHNICAL_LEAD)),
            {
                "title": "任务待审核已超时",
                "body": f"{project.name}：任务 {task.code} 提交已超过 {days} 天，请尽快审核。",
                **project_fields(project),
                "task_id": str(task.id),
                "task_code": task.code,
                "round": task.round,
                "submitted_at": task.submitted_at.isoformat(),
            },
        )
