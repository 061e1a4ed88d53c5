"""The R-DUE reminders due at a moment, computed from domain rows (plans, tasks, reports, suspensions,
faults, contracts — never by scanning BPMN instances). One function per row of SPEC §11; the
moments themselves are the pure rules of :mod:`workflows.reminders.rules`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.clock import business_date
from engine.settings import Settings
from workflows.contracts.models import Contract
from workflows.faults.models import Fault, FaultStatus
from workflows.lifecycle.models import Suspension, SuspensionState
from workflows.lifecycle.queries import suspended_in_month
from workflows.notifications.service import agency_people_with_role, owner_contacts
from workflows.people.models import Person
from workflows.people.rules import Role
from workflows.plans.models import Plan, PlanLine, PlanNature, PlanState
from workflows.projects.models import Project, ProjectStatus
from workflows.projects.queries import maintenance_month_due
from workflows.reminders import rules
from workflows.reminders.models import reminder_key
from workflows.reports.models import Report, ReportStatus
from workflows.tasks.models import Task, TaskLine, TaskState

FAULT_DIGEST_WINDOW = timedelta(days=7)
"""A monthly fault digest not written within a week of its day is skipped (next month's comes)."""


@dataclass(frozen=True)
class DueReminder:
    """A reminder whose moment has come, with its recipients and channel-neutral payload."""

    subject_type: str
    subject_id: uuid.UUID
    kind: str
    due_at: datetime
    recipients: tuple[uuid.UUID, ...]
    payload: dict[str, Any]

    @property
    def key(self) -> str:
        """The reminder's unique key, also the outbox dedup key."""
        return reminder_key(self.subject_type, self.subject_id, self.kind, self.due_at)


@dataclass
class ScanResult:
    """What one scan did: reminders due, reminders newly written, outbox rows written."""

    due: int = 0
    written: int = 0
    notifications: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def add(self, other: ScanResult) -> None:
        """Add the written counts of ``other`` (one chunk) to this result."""
        self.written += other.written
        self.notifications += other.notifications
        for kind, n in other.by_kind.items():
            self.by_kind[kind] = self.by_kind.get(kind, 0) + n


class RecipientDirectory:
    """Recipient lookups cached for one scan."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._agency: dict[tuple[uuid.UUID, Role], list[uuid.UUID]] = {}
        self._owner: dict[uuid.UUID, list[uuid.UUID]] = {}
        self._jurisdiction: dict[str, list[uuid.UUID]] = {}

    def agency(self, agency_id: uuid.UUID, role: Role) -> list[uuid.UUID]:
        key = (agency_id, role)
        if key not in self._agency:
            self._agency[key] = agency_people_with_role(self.session, agency_id, role)
        return self._agency[key]

    def owner(self, owner_id: uuid.UUID) -> list[uuid.UUID]:
        if owner_id not in self._owner:
            self._owner[owner_id] = owner_contacts(self.session, owner_id)
        return self._owner[owner_id]

    def supervisors(self, jurisdiction: str) -> list[uuid.UUID]:
        if jurisdiction not in self._jurisdiction:
            people = self.session.scalars(
                select(Person)
                .where(Person.jurisdiction == jurisdiction, Person.enabled.is_(True))
                .order_by(Person.created_at, Person.id)
            )
            self._jurisdiction[jurisdiction] = [p.id for p in people if Role.FIRE_SUPERVISOR.value in p.roles]
        return self._jurisdiction[jurisdiction]


def _people(*groups: Sequence[uuid.UUID | None]) -> tuple[uuid.UUID, ...]:
    return tuple(dict.fromkeys(p for g in groups for p in g if p is not None))


def _project_fields(project: Project) -> dict[str, Any]:
    return {"project_id": str(project.id), "project_code": project.code, "project_name": project.name}


# ---------------------------------------------------------------------------------------------------
# The R-DUE rows, one function each. Each yields the reminders due at ``now`` (latest step only).


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
        recipients = _people([project.lead_id], managers)
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
                **_project_fields(project),
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
            _people(executors, [project.lead_id]),
            {
                "title": "本月任务即将到期" if days_left else "本月任务今天到期",
                "body": f"{project.name}：{plan.name}还有 {len(executors)} 个计划项未提交，{when}截止，"
                f"逾期当月报告不能生成（R-RPT-1）。",
                **_project_fields(project),
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
            _people([project.lead_id], people.agency(project.agency_id, Role.TECHNICAL_LEAD)),
            {
                "title": "任务待审核已超时",
                "body": f"{project.name}：任务 {task.code} 提交已超过 {days} 天，请尽快审核。",
                **_project_fields(project),
                "task_id": str(task.id),
                "task_code": task.code,
                "round": task.round,
                "submitted_at": task.submitted_at.isoformat(),
            },
        )


def filing_reminders(
    session: Session, now: datetime, settings: Settings, people: RecipientDirectory
) -> Iterator[DueReminder]:
    """Reports filed within 5 working days (R-FILE-1) → technical leads on working day 3 and the deadline;
    every working day after, an overdue escalation to the technical leads and the enterprise managers."""
    cfg = settings.scheduler
    today = business_date(now)
    rows = session.execute(
        select(Report, Project)
        .join(Project, Project.id == Report.project_id)
        .where(Report.status == ReportStatus.GENERATED, Project.status != ProjectStatus.TERMINATED)
        .order_by(Report.code)
    )
    for report, project in rows:
        step = rules.latest_due(
            rules.filing_steps(
                report.completed_on,
                report.filing_due_on,
                today,
                days=settings.filing.days,
                hour=cfg.reminder_hour,
                calendar=settings.calendar,
            ),
            now,
        )
        if step is None:
            continue
        kind, due_at = step
        late = kind == rules.FILING_OVERDUE
        leads = people.agency(project.agency_id, Role.TECHNICAL_LEAD)
        managers = people.agency(project.agency_id, Role.ENTERPRISE_MANAGER) if late else []
        day = business_date(due_at)
        deadline = f"{report.filing_due_on:%Y-%m-%d}"
        if late:
            body = f"{project.name}：报告 {report.code} 备案已逾期（期限 {deadline}），请立即备案。"
        elif day == report.filing_due_on:
            body = f"{project.name}：报告 {report.code} 今天是备案期限（{deadline}），请及时备案。"
        else:
            body = f"{project.name}：报告 {report.code} 请于 {deadline} 前备案。"
        yield DueReminder(
            "report",
            report.id,
            kind,
            due_at,
            _people(leads, managers),
            {
                "title": "报告备案已逾期" if late else "报告待备案提醒",
                "body": body,
                **_project_fields(project),
                "report_id": str(report.id),
                "report_code": report.code,
                "completed_on": report.completed_on.isoformat(),
                "filing_due_on": report.filing_due_on.isoformat(),
                "overdue": late,
                "on": day.isoformat(),
            },
        )


def suspension_reminders(
    session: Session, now: datetime, settings: Settings, people: RecipientDirectory
) -> Iterator[DueReminder]:
    """Suspension requests decided within ``suspension_decide_days`` working days → the fire supervisors of
    the project's jurisdiction (due on the last day, then overdue every working day)."""
    cfg = settings.scheduler
    today = business_date(now)
    rows = session.execute(
        select(Suspension, Project)
        .join(Project, Project.id == Suspension.project_id)
        .where(Suspension.state == SuspensionState.PENDING, Project.status == ProjectStatus.ACTIVE)
        .order_by(Suspension.requested_at)
    )
    for suspension, project in rows:
        steps = rules.suspension_steps(
            business_date(suspension.requested_at),
            today,
            days=cfg.suspension_decide_days,
            hour=cfg.reminder_hour,
            calendar=settings.calendar,
        )
        step = rules.latest_due(steps, now)
        if step is None:
            continue
        late = step[0] == rules.SUSPENSION_OVERDUE
        month = f"{suspension.month.year}年{suspension.month.month}月"
        limit = f"{'已超过' if late else '应在今天前'}{cfg.suspension_decide_days}个工作日审批"
        yield DueReminder(
            "suspension",
            suspension.id,
            step[0],
            step[1],
            _people(people.supervisors(project.jurisdiction)),
            {
                "title": "暂停申请审批已超时" if late else "暂停申请今天到期",
                "body": f"{project.name}：{month}暂停申请 {suspension.code} {limit}，请及时处理。",
                **_project_fields(project),
                "suspension_id": str(suspension.id),
                "suspension_code": suspension.code,
                "month": suspension.month.isoformat(),
                "overdue": late,
            },
        )


def fault_digest_reminders(
    session: Session, now: datetime, settings: Settings, people: RecipientDirectory
) -> Iterator[DueReminder]:
    """Monthly digest of faults negotiating with / refused by the owner → project lead, owner contacts."""
    cfg = settings.scheduler
    day = rules.digest_day(business_date(now), day=cfg.fault_digest_day)
    due_at = rules.at_hour(day, cfg.reminder_hour)
    if due_at > now or now - due_at > FAULT_DIGEST_WINDOW:
        return
    rows = session.execute(
        select(Fault, Project)
        .join(Project, Project.id == Fault.project_id)
        .where(
            Fault.status.in_((FaultStatus.NEGOTIATING, FaultStatus.REFUSED)),
            Project.status == ProjectStatus.ACTIVE,
        )
        .order_by(Project.code, Fault.code)
    )
    by_project: dict[uuid.UUID, tuple[Project, list[Fault]]] = {}
    for fault, project in rows:
        by_project.setdefault(project.id, (project, []))[1].append(fault)
    for project, faults in by_project.values():
        negotiating = [f.code for f in faults if f.status == FaultStatus.NEGOTIATING]
        refused = [f.code for f in faults if f.status == FaultStatus.REFUSED]
        recipients = _people([project.lead_id], people.owner(project.owner_id))
        counts = f"与业主沟通中的故障 {len(negotiating)} 项，业主不同意维修的故障 {len(refused)} 项"
        yield DueReminder(
            "project",
            project.id,
            rules.FAULT_DIGEST,
            due_at,
            recipients,
            {
                "title": "未解决故障月度汇总",
                "body": f"{project.name}：{counts}。",
                **_project_fields(project),
                "negotiating": negotiating,
                "refused": refused,
                "month": day.replace(day=1).isoformat(),
            },
        )


def contract_ending_reminders(
    session: Session, now: datetime, settings: Settings, people: RecipientDirectory
) -> Iterator[DueReminder]:
    """Contracts ending within ``contract_end_notice_days`` → enterprise managers and owner contacts."""
    cfg = settings.scheduler
    today = business_date(now)
    contracts = session.scalars(
        select(Contract)
        .where(
            Contract.ends_on >= today,
            Contract.ends_on <= today + timedelta(days=cfg.contract_end_notice_days),
        )
        .where(Contract.id.in_(select(Project.contract_id).where(Project.status == ProjectStatus.ACTIVE)))
        .order_by(Contract.ends_on, Contract.id)
    )
    for contract in contracts:
        due_at = rules.contract_ending_at(
            contract.ends_on, days_before=cfg.contract_end_notice_days, hour=cfg.reminder_hour
        )
        if due_at > now:
            continue
        managers = people.agency(contract.agency_id, Role.ENTERPRISE_MANAGER)
        recipients = _people(managers, people.owner(contract.owner_id))
        yield DueReminder(
            "contract",
            contract.id,
            rules.CONTRACT_ENDING,
            due_at,
            recipients,
            {
                "title": "合同即将到期",
                "body": f"合同“{contract.name}”将于 {contract.ends_on:%Y-%m-%d} 到期，"
                "请及时续签或办理项目完成。",
                "contract_id": str(contract.id),
                "contract_name": contract.name,
                "ends_on": contract.ends_on.isoformat(),
            },
        )


RULES = (
    plan_issue_reminders,
    tasks_due_reminders,
    review_due_reminders,
    filing_reminders,
    suspension_reminders,
    fault_digest_reminders,
    contract_ending_reminders,
)


def due_reminders(session: Session, *, now: datetime, settings: Settings) -> list[DueReminder]:
    """Every R-DUE reminder due at ``now`` (written or not), computed from the domain rows."""
    people = RecipientDirectory(session)
    return [r for rule in RULES for r in rule(session, now, settings, people) if r.recipients]
