"""The R-DUE reminders due at a moment, computed from domain rows (plans, tasks, reports, suspensions,
faults, contracts — never by scanning BPMN instances). One function per row of SPEC §11: the month's
work in :mod:`workflows.reminders.due_work`, the later deadlines in
:mod:`workflows.reminders.due_deadlines`; the moments themselves are the pure rules of
:mod:`workflows.reminders.rules`; what a reminder is, in :mod:`workflows.reminders.due_reminder`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine.settings import Settings
from workflows.reminders.due_deadlines import (
    contract_ending_reminders,
    fault_digest_reminders,
    filing_reminders,
    suspension_reminders,
)
from workflows.reminders.due_reminder import DueReminder, RecipientDirectory, ScanResult
from workflows.reminders.due_work import plan_issue_reminders, review_due_reminders, tasks_due_reminders

__all__ = ["RULES", "DueReminder", "ScanResult", "due_reminders"]

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
