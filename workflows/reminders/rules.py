"""When the reminders of the R-DUE table become due (pure date rules; no database).

Every reminder fires at a deterministic moment computed from domain dates, so the same inputs give
the same ``due_at`` on every scan and the ``(subject, kind, due_at)`` key makes writing it idempotent.
Day-based reminders fire at ``reminder_hour`` (Asia/Shanghai) of their day.

Catch-up policy (deliberate): when several steps of one subject's schedule are due at once (the
scheduler was down for a while), only the **latest** due step is sent and the earlier ones are
never written: after a week's outage the technical lead gets one "overdue" reminder, not a stale
"due on day 3" plus the deadline reminder plus four escalations. Nothing is lost that still
matters and nothing is sent twice (tests/workflows/reminders/test_catch_up.py).

SPEC §11 (R-DUE):

| what | reminder steps (kinds) | to |
|---|---|---|
| month's plan issued by day ``plan_issue_day`` | ``reminder.plan_issue_due`` two days before and on the day; ``reminder.plan_issue_overdue`` the day after | project lead; + enterprise managers from the due day on |
| plan tasks submitted by the month end (R-RPT-1) | ``reminder.tasks_due`` ``task_remind_days_before`` days before and on the last day | executors with open lines, project lead |
| submitted task reviewed in ``review.due_days`` | ``reminder.review_due`` at submission + due days | reviewers (project lead, technical leads) |
| report filed in 5 working days (R-FILE-1) | ``reminder.filing_due`` on working day 3 and on the deadline; ``reminder.filing_overdue`` every working day after | technical leads; + enterprise managers when overdue |
| suspension decided in 2 working days | ``reminder.suspension_decision_due`` on the last day; ``reminder.suspension_decision_overdue`` every working day after | fire supervisors of the jurisdiction |
| faults negotiating / refused | ``reminder.fault_digest`` monthly on ``fault_digest_day`` | project lead, owner contacts |
| contract ends | ``reminder.contract_ending`` ``contract_end_notice_days`` before the end | enterprise managers, owner contacts |
"""  # noqa: E501

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from engine.clock import BUSINESS_TZ
from engine.settings import CalendarSettings
from workflows.filings.calendar import add_working_days, is_working_day

PLAN_ISSUE_DUE = "reminder.plan_issue_due"
PLAN_ISSUE_OVERDUE = "reminder.plan_issue_overdue"
TASKS_DUE = "reminder.tasks_due"
REVIEW_DUE = "reminder.review_due"
FILING_DUE = "reminder.filing_due"
FILING_OVERDUE = "reminder.filing_overdue"
SUSPENSION_DUE = "reminder.suspension_decision_due"
SUSPENSION_OVERDUE = "reminder.suspension_decision_overdue"
FAULT_DIGEST = "reminder.fault_digest"
CONTRACT_ENDING = "reminder.contract_ending"

ALL_KINDS = (
    PLAN_ISSUE_DUE,
    PLAN_ISSUE_OVERDUE,
    TASKS_DUE,
    REVIEW_DUE,
    FILING_DUE,
    FILING_OVERDUE,
    SUSPENSION_DUE,
    SUSPENSION_OVERDUE,
    FAULT_DIGEST,
    CONTRACT_ENDING,
)

Step = tuple[str, datetime]
"""``(kind, due_at)`` of one step of a reminder schedule."""


def at_hour(d: date, hour: int) -> datetime:
    """``hour``:00 of business day ``d`` (Asia/Shanghai) as a tz-aware datetime."""
    return datetime(d.year, d.month, d.day, hour, tzinfo=BUSINESS_TZ)


def latest_due(steps: Iterable[Step], now: datetime) -> Step | None:
    """The latest step whose ``due_at`` is not after ``now`` (``None`` when none is due yet)."""
    due = [s for s in steps if s[1] <= now]
    return max(due, key=lambda s: s[1]) if due else None


def latest_working_day_after(
    after: date, today: date, calendar: CalendarSettings | None = None
) -> date | None:
    """The latest working day ``d`` with ``after < d <= today`` (``None`` if there is none); ``calendar``
    is ``Settings.calendar`` (extra holidays and workdays)."""
    d = today
    while d > after:
        if is_working_day(d, calendar):
            return d
        d -= timedelta(days=1)
    return None


def plan_issue_steps(month: date, *, issue_day: int, hour: int) -> list[Step]:
    """A month's plan is due by day ``issue_day``: a heads-up two days before, a reminder on the day,
    overdue the day after.

    Args:
        month: First day of the plan's month.
        issue_day: Day of the month the plan is due (``Settings.scheduler.plan_issue_day``, e.g. 5).
        hour: Reminder hour (business time).

    Returns:
        ``reminder.plan_issue_due`` on day ``issue_day - 2`` (left out when that is not before the
        due day, e.g. ``issue_day`` 1 or 2) and on day ``issue_day``, then
        ``reminder.plan_issue_overdue`` on the day after. Who gets which step:
        :func:`plan_issue_goes_to_managers`.
    """
    due = month.replace(day=issue_day)
    heads_up = month.replace(day=max(1, issue_day - 2))
    steps: list[Step] = []
    if heads_up < due:
        steps.append((PLAN_ISSUE_DUE, at_hour(heads_up, hour)))
    steps.append((PLAN_ISSUE_DUE, at_hour(due, hour)))
    steps.append((PLAN_ISSUE_OVERDUE, at_hour(due + timedelta(days=1), hour)))
    return steps


def plan_issue_goes_to_managers(month: date, step: Step, *, issue_day: int) -> bool:
    """SPEC §11: the plan reminder goes to the project lead and the enterprise managers. The early
    heads-up goes to the lead alone; from the due day on (due day, overdue) the managers get it too."""
    return step[1].astimezone(BUSINESS_TZ).date() >= month.replace(day=issue_day)


def tasks_due_steps(period_end: date, *, days_before: int, hour: int) -> list[Step]:
    """Plan tasks are due on the period's last day (R-RPT-1): ``days_before`` days before, and on the day."""
    return [
        (TASKS_DUE, at_hour(period_end - timedelta(days=days_before), hour)),
        (TASKS_DUE, at_hour(period_end, hour)),
    ]


def review_due_at(submitted_at: datetime, *, due_days: int) -> datetime:
    """When a submitted task should have been reviewed (``Settings.review.due_days`` after submission)."""
    return submitted_at + timedelta(days=due_days)


def filing_steps(
    completed_on: date,
    filing_due_on: date,
    today: date,
    *,
    days: int,
    hour: int,
    calendar: CalendarSettings | None = None,
) -> list[Step]:
    """R-FILE-1 reminders of a generated report.

    Args:
        completed_on: The report's completion date (counting starts the day after).
        filing_due_on: The filing deadline (the report's stored ``filing_due_on``).
        today: Today's business date (bounds the overdue escalation).
        days: The deadline's length in working days (``Settings.filing.days``, 5): the early
            reminder falls on working day ``days - 2`` (day 3 of 5).
        hour: Reminder hour.
        calendar: ``Settings.calendar`` (China's working days beyond chinesecalendar).

    Returns:
        Day 3 and deadline-day ``reminder.filing_due`` steps, plus the latest
        ``reminder.filing_overdue`` working day after the deadline up to ``today`` (if any).
    """
    early = add_working_days(completed_on, max(1, days - 2), calendar)
    steps: list[Step] = []
    if early < filing_due_on:
        steps.append((FILING_DUE, at_hour(early, hour)))
    steps.append((FILING_DUE, at_hour(filing_due_on, hour)))
    overdue = latest_working_day_after(filing_due_on, today, calendar)
    if overdue is not None:
        steps.append((FILING_OVERDUE, at_hour(overdue, hour)))
    return steps


def suspension_steps(
    requested_on: date, today: date, *, days: int, hour: int, calendar: CalendarSettings | None = None
) -> list[Step]:
    """A pending suspension should be decided within ``days`` working days of the request
    (``calendar``: ``Settings.calendar``).

    Returns:
        ``reminder.suspension_decision_due`` on the last working day, plus the latest
        ``reminder.suspension_decision_overdue`` working day after it up to ``today`` (if any).
    """
    last = add_working_days(requested_on, days, calendar)
    steps: list[Step] = [(SUSPENSION_DUE, at_hour(last, hour))]
    overdue = latest_working_day_after(last, today, calendar)
    if overdue is not None:
        steps.append((SUSPENSION_OVERDUE, at_hour(overdue, hour)))
    return steps


def digest_day(today: date, *, day: int) -> date:
    """The latest monthly digest day (``day`` of a month) not after ``today``."""
    this_month = today.replace(day=day)
    if this_month <= today:
        return this_month
    prev = (today.replace(day=1) - timedelta(days=1)).replace(day=day)
    return prev


def contract_ending_at(ends_on: date, *, days_before: int, hour: int) -> datetime:
    """When to announce a contract's end: ``days_before`` days before ``ends_on``."""
    return at_hour(ends_on - timedelta(days=days_before), hour)
