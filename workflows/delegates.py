"""The Python delegates that BPMN service tasks call (operator id == registry key, ``domain.verb``).

Each receives the action context (:class:`workflows.context.Ctx`) of the call that is running the
engine, so it works inside the same transaction as the rest of the action.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import bindparam, select

from engine.spiff.delegates import DelegateRegistry
from workflows.audit.service import record_audit
from workflows.context import Ctx
from workflows.faults.history import add_event
from workflows.faults.models import Fault, FaultStatus
from workflows.faults.service import open_fault_task
from workflows.plans.models import Plan
from workflows.reports.models import Report, ReportStatus
from workflows.tasks.models import Task, TaskKind, TaskState


def approve_task(ctx: Ctx, task_id: str) -> dict[str, Any]:
    """``tasks.approve_task``: the task is approved (审核通过)."""
    task = ctx.session.get(Task, uuid.UUID(task_id))
    assert task is not None
    task.state, task.decided_at = TaskState.APPROVED, ctx.clock.now()
    return {"state": task.state}  # flushed with the process state (ProcessStore._save)


# Built once (a rejection's hot path, bench/bench_telegram.py).
_LIVE_FAULTS = select(Fault).where(Fault.task_id == bindparam("task_id"), Fault.status != FaultStatus.VOID)
_DRAFT_FAULT_TASKS = select(Task).where(
    Task.fault_id.in_(bindparam("fault_ids", expanding=True)), Task.state == TaskState.DRAFT
)


def reject_task(ctx: Ctx, task_id: str) -> dict[str, Any]:
    """``tasks.reject_task``: back to the executor for rework; the dispositions of the task's faults are
    cleared (R-REV-2): its faults become ``void`` (their processes and open investigation/repair tasks
    are cancelled) and resubmission raises fresh faults from the corrected results."""
    task = ctx.session.get(Task, uuid.UUID(task_id))
    assert task is not None
    task.state, task.decided_at = TaskState.REJECTED, ctx.clock.now()
    task.round += 1
    faults = list(ctx.session.scalars(_LIVE_FAULTS, {"task_id": task.id}))
    fault_ids = [f.id for f in faults]
    if fault_ids:  # the faults' open investigation/repair tasks and processes, one query each
        for child in ctx.session.scalars(_DRAFT_FAULT_TASKS, {"fault_ids": fault_ids}):
            child.state = TaskState.CANCELLED
        for record in ctx.processes.running(ctx.session, "fault_handling", "fault", fault_ids):
            ctx.processes.cancel(ctx.session, record)
    for fault in faults:
        before = {"status": fault.status, "disposition": fault.disposition}
        fault.status, fault.disposition, fault.closed_at = FaultStatus.VOID, None, ctx.clock.now()
        add_event(ctx, fault.id, "审核不通过，处理记录已清空", person_id=ctx.actor.id if ctx.actor else None)
        record_audit(ctx, "fault.voided", "fault", fault.id, before=before, after={"status": fault.status})
    return {"state": task.state, "voided_faults": len(faults)}  # flushed with the process state


def remind_review(ctx: Ctx, task_id: str) -> dict[str, Any]:
    """``reminders.remind_review``: the review SLA (R-DUE) passed; recorded for the reminder system."""
    record_audit(ctx, "task.review_overdue", "task", uuid.UUID(task_id))
    return {"reminded": True}


def flag_plan_overdue(ctx: Ctx, plan_id: str) -> dict[str, Any]:
    """``plans.flag_overdue``: month end passed before the report (R-RPT-1)."""
    plan = ctx.session.get(Plan, uuid.UUID(plan_id))
    if plan is not None and not plan.overdue:
        plan.overdue = True
        record_audit(ctx, "plan.overdue", "plan", plan.id, before={"overdue": False}, after={"overdue": True})
    return {"overdue": True}


def flag_filing_overdue(ctx: Ctx, report_id: str) -> dict[str, Any]:
    """``filings.flag_overdue``: the filing deadline passed (R-FILE-1: late filing is flagged)."""
    report = ctx.session.get(Report, uuid.UUID(report_id))
    if report is not None and report.status == ReportStatus.GENERATED and not report.filing_overdue:
        report.filing_overdue = True
        record_audit(
            ctx,
            "report.filing_overdue",
            "report",
            report.id,
            before={"filing_overdue": False},
            after={"filing_overdue": True},
        )
    return {"overdue": True}


def open_investigation_task(ctx: Ctx, fault_id: str) -> dict[str, Any]:
    """``faults.open_investigation_task``: the investigation task goes to the leader (下达排查任务)."""
    return {"task_id": str(open_fault_task(ctx, uuid.UUID(fault_id), TaskKind.INVESTIGATION))}


def open_repair_task(ctx: Ctx, fault_id: str) -> dict[str, Any]:
    """``faults.open_repair_task``: the repair task goes to the leader (下达维修任务)."""
    return {"task_id": str(open_fault_task(ctx, uuid.UUID(fault_id), TaskKind.REPAIR))}


def build_registry() -> DelegateRegistry:
    """Every delegate the shipped diagrams call."""
    registry = DelegateRegistry()
    registry.register("tasks.approve_task", approve_task)
    registry.register("tasks.reject_task", reject_task)
    registry.register("reminders.remind_review", remind_review)
    registry.register("plans.flag_overdue", flag_plan_overdue)
    registry.register("filings.flag_overdue", flag_filing_overdue)
    registry.register("faults.open_investigation_task", open_investigation_task)
    registry.register("faults.open_repair_task", open_repair_task)
    from workflows.lifecycle.delegates import cancel_processes

    registry.register("lifecycle.cancel_project_processes", cancel_processes)
    return registry
