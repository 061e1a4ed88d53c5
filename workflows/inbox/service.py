""" "My work" (待办): the caller's ready work items, from the projection table in one indexed query."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, or_, select

from engine.processes.models import WorkItem, WorkItemState
from workflows.context import Ctx
from workflows.people.models import Person
from workflows.people.rules import Role
from workflows.people.scope import roles_of
from workflows.projects.models import Project
from workflows.schema import Schema

TITLES = {
    "execute_task": "执行任务",
    "review_task": "审核任务",
    "issue_plan": "下发计划",
    "generate_report": "生成报告",
    "file_report": "备案报告",
    "dispose_fault": "处理故障",
    "track_fault": "跟踪故障",
    "investigate_fault": "排查故障",
    "repair_fault": "维修故障",
}
ACTIONS = {
    "execute_task": "/api/v1/tasks/{id}/submit",
    "review_task": "/api/v1/tasks/{id}/review",
    "issue_plan": "/api/v1/plans/{id}/issue",
    "generate_report": "/api/v1/plans/{id}/report",
    "dispose_fault": "/api/v1/faults/{id}/disposition",
    "track_fault": "/api/v1/faults/{id}/disposition",
    "decide_suspension": "/api/v1/suspensions/{id}/decision",
    "complete_project": "/api/v1/projects/{id}/completion",
}
SUBJECT_URL = {
    "task": "/api/v1/tasks/{id}",
    "plan": "/api/v1/plans/{id}",
    "fault": "/api/v1/faults/{id}",
    "suspension": "/api/v1/suspensions/{id}",
    "project": "/api/v1/projects/{id}",
}


class WorkItemRead(Schema):
    """One thing to do next, with where to read it and where to act."""

    id: uuid.UUID
    step: str
    title: str
    role: str | None
    subject_type: str
    subject_id: uuid.UUID
    project_id: uuid.UUID | None
    created_at: datetime
    due_at: datetime | None
    links: dict[str, str]


def inbox(ctx: Ctx, person: Person, *, limit: int = 200) -> list[WorkItemRead]:
    """The person's ready work items, oldest first.

    Visible: items assigned to the person; ``project_lead`` lane items of projects they lead;
    ``project_lead`` and ``technical_lead`` lane items of their agency for technical leads.
    """
    roles = roles_of(person)
    conds = [WorkItem.assignee_id == person.id]
    if Role.PROJECT_LEAD in roles:
        led = select(Project.id).where(Project.lead_id == person.id)
        conds.append(and_(WorkItem.role == "project_lead", WorkItem.project_id.in_(led)))
    if Role.TECHNICAL_LEAD in roles and person.agency_id is not None:
        conds.append(
            and_(
                WorkItem.agency_id == person.agency_id, WorkItem.role.in_(["technical_lead", "project_lead"])
            )
        )
    if Role.FIRE_SUPERVISOR in roles and person.jurisdiction:  # R-LIFE: decisions of their jurisdiction
        ruled = select(Project.id).where(Project.jurisdiction == person.jurisdiction)
        conds.append(and_(WorkItem.role == "fire_department", WorkItem.project_id.in_(ruled)))
    stmt = (
        select(WorkItem)
        .where(WorkItem.state == WorkItemState.READY, or_(*conds))
        .order_by(WorkItem.created_at, WorkItem.bpmn_id)
        .limit(limit)
    )
    items = []
    for w in ctx.session.scalars(stmt):
        subject_id = w.subject_id
        action_id = subject_id
        if w.bpmn_id == "file_report":
            from workflows.reports.models import Report, ReportStatus

            rid = ctx.session.scalar(
                select(Report.id).where(Report.plan_id == subject_id, Report.status == ReportStatus.GENERATED)
            )
            action_id = rid or subject_id
        if w.bpmn_id in ("investigate_fault", "repair_fault"):
            from workflows.tasks.models import Task, TaskState

            tid = ctx.session.scalar(
                select(Task.id).where(Task.fault_id == subject_id, Task.state == TaskState.DRAFT)
            )
            action_id = tid or subject_id
        links = {"self": SUBJECT_URL.get(w.subject_type, "").format(id=subject_id)}
        action = ACTIONS.get(w.bpmn_id)
        if w.bpmn_id == "file_report":
            action = "/api/v1/reports/{id}/filing"
        if w.bpmn_id in ("investigate_fault", "repair_fault"):
            action = "/api/v1/tasks/{id}/complete"
        if action:
            links["action"] = action.format(id=action_id)
        items.append(
            WorkItemRead(
                id=w.id,
                step=w.bpmn_id,
                title=TITLES.get(w.bpmn_id, w.name),
                role=w.role,
                subject_type=w.subject_type,
                subject_id=subject_id,
                project_id=w.project_id,
                created_at=w.created_at,
                due_at=w.due_at,
                links=links,
            )
        )
    return items
