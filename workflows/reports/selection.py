"""Which tasks a report covers and when the service was complete (R-RPT, R-TASK-2, R-FILE-1)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from engine.clock import business_date
from engine.errors import InvalidInput, RuleViolation
from workflows.context import Ctx
from workflows.plans.models import Plan, PlanLine
from workflows.projects.models import Project
from workflows.reports.models import Report, ReportStatus, ReportTask
from workflows.tasks.models import Task, TaskKind, TaskLine, TaskState

EXTRA_KINDS = frozenset({TaskKind.SUPPLEMENTARY, TaskKind.MISMATCH, TaskKind.INVESTIGATION, TaskKind.REPAIR})
"""Task kinds a report takes only when ticked (R-TASK-2); plan tasks are always covered."""


def plan_tasks(ctx: Ctx, plan: Plan) -> list[Task]:
    """The plan's live plan tasks (not cancelled), oldest first: what every report covers."""
    return list(
        ctx.session.scalars(
            select(Task)
            .where(Task.plan_id == plan.id, Task.kind == TaskKind.PLAN, Task.state != TaskState.CANCELLED)
            .order_by(Task.created_at, Task.code)
        )
    )


def check_coverage(ctx: Ctx, plan: Plan, tasks: list[Task]) -> None:
    """Every active line of ``plan`` is in an approved task of ``tasks``, and there is one at least.

    A plan whose every line is ignored passes no service at all: it has nothing to report and no
    completion date (:func:`service_completed_on`), so it is refused like an unfinished one.

    Args:
        ctx: Open unit of work.
        plan: The plan being reported.
        tasks: Its live plan tasks (:func:`plan_tasks`).

    Raises:
        RuleViolation: ``R-RPT`` the plan has no active line (every line ignored), or some lines are
            not in an approved task yet, naming the open tasks (409).
    """
    active = set(
        ctx.session.scalars(
            select(PlanLine.id).where(PlanLine.plan_id == plan.id, PlanLine.ignored.is_(False))
        )
    )
    if not active:
        raise RuleViolation(
            "R-RPT",
            f"计划 {plan.code} 没有需要执行的计划项（全部已忽略），不能出具报告：请先恢复被忽略的计划项，"
            "下发并完成任务审核后再出具报告"
            " / the plan has no line to execute (every line is ignored): restore the ignored lines,"
            " issue them and have their tasks approved first",
        )
    approved = [t.id for t in tasks if t.state == TaskState.APPROVED]
    covered = set(ctx.session.scalars(select(TaskLine.plan_line_id).where(TaskLine.task_id.in_(approved))))
    missing = active - covered
    if missing:
        open_codes = [t.code for t in tasks if t.state != TaskState.APPROVED]
        hint = f"；未审核通过的任务：{'、'.join(open_codes)}" if open_codes else ""
        raise RuleViolation(
            "R-RPT", f"还有 {len(missing)} 个计划项未完成审核{hint} / every line must be in an approved task"
        )


def extra_tasks(ctx: Ctx, plan: Plan, project: Project, ids: list[uuid.UUID]) -> list[Task]:
    """The ticked extra tasks, checked (R-TASK-2): each exists, is of this project, is of an extra
    kind (supplementary, mismatch, investigation, repair; never a plan task), is finished
    (approved/completed) and is not covered by another live report.

    The ticked tasks are locked (``SELECT … FOR UPDATE``, in id order) before the "covered" check:
    two reports of two plans ticking the same task at once serialize on the task row, and the
    second sees the first's coverage (PostgreSQL reads each statement's snapshot after the lock is
    granted; SQLite serializes every writer). The partial unique index on live ``report_task``
    rows backs this up at the database door.

    Raises:
        InvalidInput: the first failed check, naming the task (422, ``extra_task_ids``).
    """
    if not ids:
        return []
    wanted = set(ids)
    tasks = {
        t.id: t
        for t in ctx.session.scalars(
            select(Task).where(Task.id.in_(wanted)).order_by(Task.id).with_for_update()
        )
    }
    covered = dict(
        ctx.session.execute(
            select(ReportTask.task_id, Report.code)
            .join(Report, Report.id == ReportTask.report_id)
            .where(
                ReportTask.task_id.in_(wanted),
                Report.status != ReportStatus.DELETED,
                Report.plan_id != plan.id,
            )
        ).all()
    )
    for task_id in ids:
        task = tasks.get(task_id)
        if task is None or task.project_id != project.id:
            raise InvalidInput(
                "extra_task_ids", f"任务 {task_id} 不是本项目的任务 / not a task of this project"
            )
        if task.kind not in EXTRA_KINDS:
            raise InvalidInput(
                "extra_task_ids",
                f"{task.code} 是计划任务，不能勾选：只能勾选补充测试项、规范不匹配、排查、维修任务"
                " / only supplementary, mismatch, investigation and repair tasks can be ticked",
            )
        if task.state not in (TaskState.APPROVED, TaskState.COMPLETED):
            raise InvalidInput(
                "extra_task_ids",
                f"{task.code} 尚未审核通过或完成 / {task.code} is not approved or completed yet",
            )
        if task.id in covered:
            raise InvalidInput(
                "extra_task_ids",
                f"{task.code} 已包含在报告 {covered[task.id]} 中 / already in report {covered[task.id]}",
            )
    return sorted(tasks.values(), key=lambda t: (t.created_at, t.code))


def service_completed_on(plan_tasks: list[Task]) -> date:
    """The completion date of a month's service (R-FILE-1): the business date (Asia/Shanghai) on
    which the last plan task of the period was submitted.

    Seed 001 §3.5 (公安部令第129号 第三十三条): the technical lead files the report "within five days
    from the day every task of the month's plan was submitted" (当月维保计划对应的所有任务提交之日起五日内);
    第三十二条 counts from the day the service project was completed. Neither the report date the
    lead types in nor the day the report happens to be generated moves that date.

    Args:
        plan_tasks: The plan's live plan tasks, checked by :func:`check_coverage` first: then at
            least one of them is approved, hence submitted.

    Returns:
        The business date of the latest ``submitted_at`` among them.

    Raises:
        ValueError: none of ``plan_tasks`` was submitted — a programming error, since
            :func:`check_coverage` refuses such a plan (R-RPT, 409) before anyone asks for its date.
    """
    submitted = [business_date(t.submitted_at) for t in plan_tasks if t.submitted_at is not None]
    if not submitted:
        raise ValueError("no submitted plan task")
    return max(submitted)
