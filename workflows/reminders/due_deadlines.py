"""The R-DUE reminders of deadlines after the work (SPEC §11 rows 4-7): reports filed within 5
working days (R-FILE-1), suspension requests decided in time (R-LIFE), the monthly digest of faults
negotiating with or refused by the owner (R-FAULT), contracts ending. Each rule yields the
reminders due at ``now`` (latest step only), computed from domain rows; the moments are the pure
rules of :mod:`workflows.reminders.rules`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import business_date
from engine.settings import Settings
from workflows.contracts.models import Contract
from workflows.faults.models import Fault, FaultStatus
from workflows.lifecycle.models import Suspension, SuspensionState
from workflows.people.rules import Role
from workflows.projects.models import Project, ProjectStatus
from workflows.reminders import rules
from workflows.reminders.due_reminder import DueReminder, RecipientDirectory, people_of, project_fields
from workflows.reports.models import Report, ReportStatus

FAULT_DIGEST_WINDOW = timedelta(days=7)
"""A monthly fault digest not written within a week of its day is skipped (next month's comes)."""


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
            people_of(leads, managers),
            {
                "title": "报告备案已逾期" if late else "报告待备案提醒",
                "body": body,
                **project_fields(project),
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
            people_of(people.supervisors(project.jurisdiction)),
            {
                "title": "暂停申请审批已超时" if late else "暂停申请今天到期",
                "body": f"{project.name}：{month}暂停申请 {suspension.code} {limit}，请及时处理。",
                **project_fields(project),
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
        recipients = people_of([project.lead_id], people.owner(project.owner_id))
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
                **project_fields(project),
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
        recipients = people_of(managers, people.owner(contract.owner_id))
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
