"""The scheduler's jobs (ids ``<domain>.<verb>``) and their registration on the lease-guarded scheduler.

Each job body is a plain function of a :class:`JobContext`, callable directly (tests, CLI); the
scheduler runs it only in the process holding the lease. Every job reads the injectable clock and
commits in short transactions of its own:

* ``plans.create_month_drafts`` — daily at ``month_drafts_hour`` and whenever this process takes
  the scheduler lease (catch-up): this month's plan draft of every active maintenance project that
  has none yet, from day ``month_drafts_day`` of the month on (one transaction per project;
  refusals of ``create_plan`` are expected and skipped). Idempotent through the
  :class:`~workflows.reminders.models.MonthDraft` ledger, so a holder that dies before the hour
  loses no draft and no draft is made twice.
* ``processes.refresh_timers`` — fires due BPMN timers of instances whose ``next_timer_at`` has
  come (indexed column; never scans every instance), one transaction per instance, row locked.
* ``reminders.scan`` — writes the due R-DUE reminders, each with its notifications in the same
  transaction (``CHUNK`` reminders per transaction). After an outage only the latest due step
  of each schedule is written (:mod:`workflows.reminders.rules`, catch-up policy).
* ``lifecycle.start_missing`` — daily at ``month_drafts_hour`` and whenever this process takes the
  lease (so at every start): the ``project_lifecycle`` instance of every active project that has
  none (projects created before lifecycles started with the project, R-LIFE), one transaction
  per project. Idempotent: a project with an instance, running or finished, is skipped.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.clock import Clock, business_date
from engine.db import unit_of_work
from engine.errors import DomainError
from engine.processes.models import InstanceStatus, ProcessInstanceRecord
from engine.processes.store import ProcessStore
from engine.scheduler import Scheduler
from engine.settings import Settings
from workflows.context import Ctx
from workflows.lifecycle.catch_up import projects_without_lifecycle, start_missing_lifecycle
from workflows.reminders.drafts import create_month_draft, projects_needing_draft
from workflows.reminders.due import DueReminder, ScanResult, due_reminders
from workflows.reminders.service import CHUNK, write_reminders

log = logging.getLogger("fireops.jobs")

TIMER_BATCH = 500


class JobFailed(RuntimeError):
    """Some units of a job failed unexpectedly (the others went through); the scheduler's listener logs it."""


@dataclass
class JobContext:
    """What the jobs need: the database, the clock, settings and the BPMN store."""

    sessions: sessionmaker[Session]
    clock: Clock
    settings: Settings
    processes: ProcessStore

    def ctx(self, session: Session) -> Ctx:
        """A system context (no actor) on ``session``."""
        return Ctx(session, self.clock, self.settings, self.processes)


@dataclass
class DraftsResult:
    """``plans.create_month_drafts``: plan codes created, projects skipped with the refusal's code."""

    month: date
    created: list[str] = field(default_factory=list)
    skipped: dict[uuid.UUID, str] = field(default_factory=dict)


@dataclass
class LifecyclesResult:
    """``lifecycle.start_missing``: ids of the projects whose lifecycle instance was started."""

    started: list[uuid.UUID] = field(default_factory=list)


@dataclass
class TimersResult:
    """``processes.refresh_timers``: instances ticked."""

    ticked: int = 0


def create_month_drafts(jobs: JobContext, month: date | None = None) -> DraftsResult:
    """Create the plan draft of ``month`` for every active maintenance project that has no plan for
    it and no draft of this job before, as the system. Safe to run any number of times.

    Args:
        jobs: The job context.
        month: Any day of the month; default: the current business month, and then nothing happens
            before day ``Settings.scheduler.month_drafts_day`` of it.

    Returns:
        Plan codes created and projects skipped (with the refusal's rule code, e.g. ``R-PLAN-1``).

    Raises:
        JobFailed: some projects failed unexpectedly (the others were created).
    """
    today = business_date(jobs.clock.now())
    if month is None and today.day < jobs.settings.scheduler.month_drafts_day:
        return DraftsResult(month=today.replace(day=1))
    month = (month or today).replace(day=1)
    result = DraftsResult(month=month)
    with unit_of_work(jobs.sessions) as session:
        candidates = projects_needing_draft(session, month)
    failures: list[str] = []
    for project_id in candidates:
        try:
            with unit_of_work(jobs.sessions) as session:
                plan = create_month_draft(jobs.ctx(session), project_id, month)
                result.created.append(plan.code)
        except DomainError as exc:  # expected: suspended month (R-PLAN-1), no facilities selected …
            log.info("plans.draft_skipped project_id=%s month=%s code=%s", project_id, month, exc.code)
            result.skipped[project_id] = exc.code
        except Exception as exc:
            log.exception("plans.draft_failed project_id=%s month=%s", project_id, month)
            failures.append(f"{project_id}: {exc!r}")
    log.info(
        "plans.drafts_created month=%s created=%d skipped=%d", month, len(result.created), len(result.skipped)
    )
    if failures:
        raise JobFailed(f"plans.create_month_drafts: {len(failures)} projects failed: {'; '.join(failures)}")
    return result


def start_missing_lifecycles(jobs: JobContext) -> LifecyclesResult:
    """Start the ``project_lifecycle`` instance of every active project that has none (R-LIFE), as
    the system, one transaction per project. Safe to run any number of times.

    Returns:
        The projects whose instance was started (none on a second run).

    Raises:
        JobFailed: some projects failed (the others were started).
    """
    with unit_of_work(jobs.sessions) as session:
        candidates = projects_without_lifecycle(session)
    result = LifecyclesResult()
    failures: list[str] = []
    for project_id in candidates:
        try:
            with unit_of_work(jobs.sessions) as session:
                if start_missing_lifecycle(jobs.ctx(session), project_id):
                    result.started.append(project_id)
        except Exception as exc:
            log.exception("lifecycle.start_failed project_id=%s", project_id)
            failures.append(f"{project_id}: {exc!r}")
    if candidates:
        log.info("lifecycle.started_missing started=%d", len(result.started))
    if failures:
        raise JobFailed(f"lifecycle.start_missing: {len(failures)} projects failed: {'; '.join(failures)}")
    return result


def refresh_timers(jobs: JobContext, *, limit: int = TIMER_BATCH) -> TimersResult:
    """Fire the due BPMN timers of running instances whose ``next_timer_at`` has come.

    Raises:
        JobFailed: some instances failed (the others were ticked).
    """
    now = jobs.clock.now()
    record = ProcessInstanceRecord
    due = select(record).where(record.status == InstanceStatus.RUNNING, record.next_timer_at <= now)
    with unit_of_work(jobs.sessions) as session:
        ids = list(
            session.scalars(due.with_only_columns(record.id).order_by(record.next_timer_at).limit(limit))
        )
    result = TimersResult()
    failures: list[str] = []
    for instance_id in ids:
        try:
            with unit_of_work(jobs.sessions) as session:
                instance = session.scalars(due.where(record.id == instance_id).with_for_update()).first()
                if instance is None:  # advanced by an action meanwhile
                    continue
                jobs.processes.tick(session, instance, context=jobs.ctx(session))
                result.ticked += 1
        except Exception as exc:
            log.exception("processes.tick_failed instance_id=%s", instance_id)
            failures.append(f"{instance_id}: {exc!r}")
    if failures:
        raise JobFailed(f"processes.refresh_timers: {len(failures)} instances failed: {'; '.join(failures)}")
    return result


def write_due(
    sessions: sessionmaker[Session], due: Sequence[DueReminder], *, now: datetime, chunk: int = CHUNK
) -> ScanResult:
    """Write due reminders in chunks of ``chunk`` (default ``CHUNK``), one short transaction each.

    Each reminder row commits together with its notifications, so a crash between chunks loses
    nothing (the next scan writes the rest; the unique key skips what is there). Short transactions
    keep SQLite's single writer lock free for API requests during a large fan-out.
    """
    result = ScanResult(due=len(due))
    for start in range(0, len(due), chunk):
        with unit_of_work(sessions) as session:
            result.add(write_reminders(session, due[start : start + chunk], now=now))
    return result


def scan(jobs: JobContext) -> ScanResult:
    """Write every due R-DUE reminder not written before, each with its notifications.

    Only the latest due step of each subject's schedule is computed, so after an outage nothing
    stale is sent (:mod:`workflows.reminders.rules`); the unique key makes reruns write nothing.
    """
    now = jobs.clock.now()
    with unit_of_work(jobs.sessions) as session:
        due = due_reminders(session, now=now, settings=jobs.settings)
    result = write_due(jobs.sessions, due, now=now)
    log.info(
        "reminders.scanned due=%d written=%d notifications=%d",
        result.due,
        result.written,
        result.notifications,
    )
    return result


def register_jobs(scheduler: Scheduler, jobs: JobContext) -> None:
    """Register the four jobs with their triggers from ``Settings.scheduler``; the month drafts
    and the missing lifecycle instances also catch up whenever the process takes the lease."""
    cfg = jobs.settings.scheduler
    scheduler.add_job(
        "plans.create_month_drafts",
        lambda: create_month_drafts(jobs),
        trigger="cron",
        catch_up=True,
        hour=cfg.month_drafts_hour,
        minute=0,
    )
    scheduler.add_job(
        "lifecycle.start_missing",
        lambda: start_missing_lifecycles(jobs),
        trigger="cron",
        catch_up=True,
        hour=cfg.month_drafts_hour,
        minute=0,
    )
    scheduler.add_job(
        "processes.refresh_timers",
        lambda: refresh_timers(jobs),
        trigger="interval",
        seconds=cfg.timer_interval_s,
    )
    scheduler.add_job("reminders.scan", lambda: scan(jobs), trigger="interval", seconds=cfg.scan_interval_s)


def build_scheduler(jobs: JobContext, *, holder: str | None = None) -> Scheduler:
    """A lease-guarded scheduler with the jobs registered (not started)."""
    scheduler = Scheduler(
        jobs.sessions,
        jobs.clock,
        lease_s=jobs.settings.scheduler.lease_s,
        timezone=jobs.settings.timezone,
        holder=holder,
    )
    register_jobs(scheduler, jobs)
    return scheduler
