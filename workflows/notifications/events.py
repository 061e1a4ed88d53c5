"""Notifications of domain changes: who is told what, written by :func:`notify` in the change's transaction.

Each function is called at the end of the service that made the change (before it returns), so the
outbox rows commit or roll back with it. Payloads carry Chinese ``title``/``body`` for plain senders
(log, web list) and the raw ids/fields a chat renderer needs. Dedup keys are deterministic per event.
The acting person is never told about their own action.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from workflows.context import Ctx
from workflows.faults.models import DispositionKind, Fault
from workflows.notifications.service import agency_people_with_role, notify, owner_contacts
from workflows.people.models import Person
from workflows.people.rules import Role
from workflows.plans.models import Plan
from workflows.projects.models import Project
from workflows.reports.models import Report
from workflows.tasks.models import Task

DISPOSITION_WORDS = {
    DispositionKind.INVESTIGATE: "排查",
    DispositionKind.OWNER_APPROVED_REPAIR: "业主同意维修",
    DispositionKind.OWNER_REFUSED_REPAIR: "业主不同意维修",
    DispositionKind.OUT_OF_SCOPE: "不在合同范围内",
    DispositionKind.NEGOTIATING: "与业主沟通中",
}


def _others(ctx: Ctx, people: Iterable[uuid.UUID | None]) -> list[uuid.UUID | None]:
    me = ctx.actor.id if ctx.actor is not None else None
    return [p for p in people if p != me]


def _name(ctx: Ctx, person_id: uuid.UUID | None) -> str:
    person = ctx.session.get(Person, person_id) if person_id else None
    return person.name if person is not None else "系统"


def _url(ctx: Ctx, path: str) -> str:
    return f"{ctx.settings.base_url.rstrip('/')}{path}"


def _project_fields(project: Project) -> dict[str, Any]:
    return {"project_id": str(project.id), "project_code": project.code, "project_name": project.name}


def notify_task_issued(
    ctx: Ctx, plan: Plan, project: Project, executor_id: uuid.UUID, line_count: int
) -> int:
    """``task.issued`` → the executor who received ``line_count`` lines of ``plan``."""
    issued_at = ctx.clock.now()
    payload = {
        "title": "新的计划任务",
        "body": f"{project.name}：{plan.name}下发给您 {line_count} 个计划项，请按计划执行。",
        **_project_fields(project),
        "plan_id": str(plan.id),
        "plan_code": plan.code,
        "plan_name": plan.name,
        "line_count": line_count,
        "period_end": plan.period_end.isoformat(),
        "url": _url(ctx, f"/api/v1/plans/{plan.id}"),
    }
    return notify(
        ctx,
        kind="task.issued",
        recipients=_others(ctx, [executor_id]),
        payload=payload,
        dedup_key=f"task.issued:{plan.id}:{executor_id}:{issued_at:%Y%m%dT%H%M%S%f}",
    )


def notify_task_submitted(ctx: Ctx, task: Task, project: Project, *, fault_count: int = 0) -> int:
    """``task.submitted`` → the project lead and the agency's technical leads (the reviewers)."""
    leads = agency_people_with_role(ctx.session, project.agency_id, Role.TECHNICAL_LEAD)
    reviewers = [project.lead_id, *leads]
    executor = _name(ctx, task.executor_id)
    faults = f"，发现 {fault_count} 项故障" if fault_count else ""
    payload = {
        "title": "任务待审核",
        "body": f"{project.name}：{executor}提交了任务 {task.code}（第 {task.round} 次）{faults}，请审核。",
        **_project_fields(project),
        "task_id": str(task.id),
        "task_code": task.code,
        "round": task.round,
        "executor_id": str(task.executor_id),
        "executor_name": executor,
        "fault_count": fault_count,
        "url": _url(ctx, f"/api/v1/tasks/{task.id}"),
    }
    return notify(
        ctx,
        kind="task.submitted",
        recipients=_others(ctx, reviewers),
        payload=payload,
        dedup_key=f"task.submitted:{task.id}:{task.round}",
    )


def notify_task_reviewed(ctx: Ctx, task: Task, project: Project, *, verdict: str, opinion: str) -> int:
    """``task.reviewed`` → the executor, with the verdict, the opinion and the reviewer."""
    reviewer_id = ctx.actor.id if ctx.actor is not None else None
    reviewer = _name(ctx, reviewer_id)
    word = "审核通过" if verdict == "approve" else "审核不通过，请修改后重新提交"
    payload = {
        "title": "任务审核通过" if verdict == "approve" else "任务被退回",
        "body": f"{project.name}：任务 {task.code} {word}。审核人：{reviewer}。意见：{opinion or '同意'}",
        **_project_fields(project),
        "task_id": str(task.id),
        "task_code": task.code,
        "round": task.round,
        "verdict": verdict,
        "opinion": opinion,
        "reviewer_id": str(reviewer_id) if reviewer_id else None,
        "reviewer_name": reviewer,
        "url": _url(ctx, f"/api/v1/tasks/{task.id}"),
    }
    return notify(
        ctx,
        kind="task.reviewed",
        recipients=_others(ctx, [task.executor_id]),
        payload=payload,
        # with the verdict: a rejection has moved ``round`` on already, so the next round's approval
        # would otherwise share its key and never be sent
        dedup_key=f"task.reviewed:{task.id}:{task.round}:{verdict}",
    )


def notify_fault_disposed(ctx: Ctx, fault: Fault, project: Project) -> int:
    """``fault.disposed`` → the leader (investigate/repair), else the project lead; owner contacts too."""
    kind = DispositionKind(fault.disposition) if fault.disposition else DispositionKind.NEGOTIATING
    led = kind in (DispositionKind.INVESTIGATE, DispositionKind.OWNER_APPROVED_REPAIR)
    handler = fault.leader_id if led else project.lead_id
    detail = fault.explanation or fault.repair_plan or ""
    leader = f"，组长：{_name(ctx, fault.leader_id)}" if fault.leader_id else ""
    disposed_at = fault.disposed_at or ctx.clock.now()
    payload = {
        "title": "故障已处理",
        "body": f"{project.name}：故障 {fault.code} 处理方式为“{DISPOSITION_WORDS[kind]}”{leader}。"
        f"{detail}".rstrip(),
        **_project_fields(project),
        "fault_id": str(fault.id),
        "fault_code": fault.code,
        "disposition": kind.value,
        "disposition_label": DISPOSITION_WORDS[kind],
        "status": fault.status,
        "leader_id": str(fault.leader_id) if fault.leader_id else None,
        "explanation": fault.explanation,
        "repair_plan": fault.repair_plan,
        "url": _url(ctx, f"/api/v1/faults/{fault.id}"),
    }
    recipients = [handler, *owner_contacts(ctx.session, project.owner_id)]
    return notify(
        ctx,
        kind="fault.disposed",
        recipients=_others(ctx, recipients),
        payload=payload,
        dedup_key=f"fault.disposed:{fault.id}:{disposed_at:%Y%m%dT%H%M%S%f}",
    )


def notify_report_generated(ctx: Ctx, report: Report, plan: Plan, project: Project) -> int:
    """``report.generated`` → the agency's technical leads, who file it by ``filing_due_on`` (R-FILE-1)."""
    payload = {
        "title": "报告待备案",
        "body": f"{project.name}：{plan.name}的报告 {report.code} 已生成，"
        f"请于 {report.filing_due_on:%Y-%m-%d} 前备案。",
        **_project_fields(project),
        "report_id": str(report.id),
        "report_code": report.code,
        "plan_id": str(plan.id),
        "plan_name": plan.name,
        "revision": report.revision,
        "filing_due_on": report.filing_due_on.isoformat(),
        "url": _url(ctx, f"/api/v1/reports/{report.id}/pdf"),
    }
    leads = agency_people_with_role(ctx.session, project.agency_id, Role.TECHNICAL_LEAD)
    return notify(
        ctx,
        kind="report.generated",
        recipients=_others(ctx, leads),
        payload=payload,
        dedup_key=f"report.generated:{report.id}",
    )


def notify_report_filed(ctx: Ctx, report: Report, project: Project, *, late: bool) -> int:
    """``report.filed`` → the project lead and the owner's contacts."""
    flag = "（逾期备案）" if late else ""
    payload = {
        "title": "报告已备案",
        "body": f"{project.name}：报告 {report.code} 已备案{flag}。",
        **_project_fields(project),
        "report_id": str(report.id),
        "report_code": report.code,
        "late": late,
        "filed_by_name": _name(ctx, ctx.actor.id if ctx.actor else None),
        "url": _url(ctx, f"/api/v1/reports/{report.id}/pdf"),
    }
    recipients = [project.lead_id, *owner_contacts(ctx.session, project.owner_id)]
    return notify(
        ctx,
        kind="report.filed",
        recipients=_others(ctx, recipients),
        payload=payload,
        dedup_key=f"report.filed:{report.id}",
    )


def _notification_kinds() -> tuple[str, ...]:
    from workflows.reminders.rules import ALL_KINDS

    return (
        "task.issued",
        "task.submitted",
        "task.reviewed",
        "fault.disposed",
        "report.generated",
        "report.filed",
        "suspension.decided",  # workflows.lifecycle.service
        "repair_request.received",  # workflows.repairs.service
        *ALL_KINDS,  # reminder.* (workflows.reminders.rules, R-DUE)
    )


NOTIFICATION_KINDS: tuple[str, ...] = _notification_kinds()
"""Every ``OutboxMessage.kind`` the domain writes: the events above, the suspension decision, the
owner's repair request and the R-DUE reminders. Chat renderers cover each (checked by the tests)."""
