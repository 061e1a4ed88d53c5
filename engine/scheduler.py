"""The scheduler: APScheduler 3.11 jobs that run in exactly one process, guarded by a lease row.

Every ``fireops serve`` process may start a :class:`Scheduler`, but only the holder of the
``scheduler_lease`` row runs jobs: each job run first acquires or renews the lease (one atomic
``INSERT … ON CONFLICT DO UPDATE … WHERE holder = me OR expired``), and a ``scheduler.renew_lease``
job keeps it between runs. A second process stays idle while the first holds the lease and takes
over once it lapses (the first crashed or stopped; a clean stop releases it at once).

A job registered with ``catch_up=True`` also runs once whenever this process *acquires* the lease
(at start, or when it takes over from a process that crashed or stopped): a cron job whose moment
passed while another process held the lease — or while none ran — is not lost. Such jobs must be
idempotent. Two runs of one job never overlap in a process (the later one is skipped).

This module knows nothing of plans or reminders: the domain registers its jobs
(:func:`workflows.reminders.jobs.register_jobs`). Only this module imports APScheduler.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import String, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from engine.clock import Clock
from engine.db import Base, unit_of_work

log = logging.getLogger("fireops.scheduler")

LEASE_NAME = "scheduler"


class SchedulerLease(Base):
    """Who runs the scheduler jobs: one row per lease ``name``, held by ``holder`` until ``expires_at``."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]


def default_holder() -> str:
    """``host:pid:random`` — unique per process start."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire_lease(session: Session, *, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease ``name`` for ``holder`` until ``now + ttl`` in one atomic statement.

    Succeeds when the lease is free, expired, or already held by ``holder`` (renewal); fails while
    another holder's lease runs. The caller commits.

    Returns:
        Whether ``holder`` holds the lease now.
    """
    table = SchedulerLease.__table__
    values = {"name": name, "holder": holder, "acquired_at": now, "expires_at": now + ttl}
    dialect = session.get_bind().dialect.name
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert_fn(SchedulerLease).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["name"],
        set_={
            "holder": stmt.excluded.holder,
            "expires_at": stmt.excluded.expires_at,
            "acquired_at": case(
                (table.c.holder == stmt.excluded.holder, table.c.acquired_at), else_=stmt.excluded.acquired_at
            ),
        },
        where=(table.c.holder == stmt.excluded.holder) | (table.c.expires_at < stmt.excluded.acquired_at),
    )
    got = session.execute(stmt.returning(SchedulerLease.holder)).scalar_one_or_none()
    return got == holder


def release_lease(session: Session, *, name: str, holder: str) -> bool:
    """Give the lease up if ``holder`` holds it (a clean shutdown); returns whether it was held."""
    result = session.execute(
        delete(SchedulerLease).where(SchedulerLease.name == name, SchedulerLease.holder == holder)
    )
    return bool(getattr(result, "rowcount", 0))


def lease_holder(session: Session, *, name: str = LEASE_NAME) -> tuple[str, datetime] | None:
    """``(holder, expires_at)`` of the lease, or ``None`` when nobody ever took it."""
    row = session.execute(
        select(SchedulerLease.holder, SchedulerLease.expires_at).where(SchedulerLease.name == name)
    ).first()
    return (row[0], row[1]) if row else None


@dataclass(frozen=True)
class JobSpec:
    """One registered job: ``trigger`` is ``"interval"`` (``seconds=``) or ``"cron"`` (cron fields);
    ``catch_up`` jobs also run when this process acquires the lease."""

    job_id: str
    func: Callable[[], Any]
    trigger: str
    trigger_args: dict[str, Any]
    catch_up: bool = False


class Scheduler:
    """APScheduler's ``BackgroundScheduler`` with lease-gated jobs.

    Args:
        sessions: Session factory of the application's database (the lease row lives there).
        clock: Source of "now" for the lease (jobs read their own clock).
        lease_s: Lease length in seconds; renewed every ``lease_s / 3``.
        timezone: IANA zone of cron triggers (the business zone, ``Asia/Shanghai``).
        holder: This process's holder name (unique per start by default).
        name: Lease name (one per scheduler kind).
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        *,
        lease_s: float = 60.0,
        timezone: str = "Asia/Shanghai",
        holder: str | None = None,
        name: str = LEASE_NAME,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.lease = timedelta(seconds=lease_s)
        self.timezone = timezone
        self.holder = holder or default_holder()
        self.name = name
        self.jobs: dict[str, JobSpec] = {}
        self.leading = False
        self._aps: Any = None
        self._running: dict[str, threading.Lock] = {}
        self._catch_up_pending = False

    # -- lease -----------------------------------------------------------------------------------
    def hold_lease(self) -> bool:
        """Acquire or renew the lease (one short transaction); logs when leadership changes."""
        with unit_of_work(self.sessions) as session:
            held = acquire_lease(
                session, name=self.name, holder=self.holder, now=self.clock.now(), ttl=self.lease
            )
        if held != self.leading:
            log.info("scheduler.%s holder=%s", "lease_acquired" if held else "lease_lost", self.holder)
        acquired = held and not self.leading
        self.leading = held
        if acquired:
            self._catch_up()
        return held

    def release(self) -> bool:
        """Give the lease up (clean shutdown) so another process can take over at its next renewal.

        Returns:
            Whether this process still held the lease (``False``: it had run out and another
            process took it). Logged as ``scheduler.lease_released``.
        """
        with unit_of_work(self.sessions) as session:
            released = release_lease(session, name=self.name, holder=self.holder)
        log.info("scheduler.lease_released holder=%s released=%s", self.holder, released)
        self.leading = False
        return released

    # -- jobs ------------------------------------------------------------------------------------
    def add_job(
        self,
        job_id: str,
        func: Callable[[], Any],
        *,
        trigger: str,
        catch_up: bool = False,
        **trigger_args: Any,
    ) -> None:
        """Register a job (id ``<domain>.<verb>``); re-adding an id replaces it.

        Args:
            job_id: Explicit id, e.g. ``reminders.scan``.
            func: The job body; it runs only while this process holds the lease.
            trigger: ``"interval"`` or ``"cron"``.
            catch_up: Also run it once each time this process acquires the lease (the job must be
                idempotent), so a cron moment missed by a crashed holder is made up for.
            **trigger_args: APScheduler trigger fields (``seconds=60`` / ``day=1, hour=1``).
        """
        spec = JobSpec(job_id, func, trigger, dict(trigger_args), catch_up)
        self.jobs[job_id] = spec
        self._running.setdefault(job_id, threading.Lock())
        if self._aps is not None:
            self._schedule(spec)

    def run_job(self, job_id: str) -> Any:
        """Run a registered job now if this process holds the lease (and the job is not running).

        Returns:
            The job's result, or ``None`` when another process holds the lease or the same job is
            still running in this process (nothing ran).

        Raises:
            KeyError: unknown job id. Whatever the job raises (APScheduler's listener logs it).
        """
        spec = self.jobs[job_id]
        if not self.hold_lease():
            log.debug("scheduler.job_skipped job_id=%s (not the lease holder)", job_id)
            return None
        running = self._running[job_id]
        if not running.acquire(blocking=False):
            log.info("scheduler.job_skipped job_id=%s (already running)", job_id)
            return None
        try:
            log.info("scheduler.job_started job_id=%s", job_id)
            return spec.func()
        finally:
            running.release()

    def _catch_up(self) -> None:
        """This process just acquired the lease: run the ``catch_up`` jobs once, in APScheduler's
        executor (never inside the lease renewal). Before :meth:`start` they wait for it."""
        ids = sorted(job_id for job_id, spec in self.jobs.items() if spec.catch_up)
        if not ids:
            return
        if self._aps is None:
            self._catch_up_pending = True
            return
        self._catch_up_pending = False
        for job_id in ids:
            log.info("scheduler.catch_up job_id=%s holder=%s", job_id, self.holder)
            self._aps.add_job(
                self.run_job,
                "date",
                args=[job_id],
                id=f"{job_id}.catch_up",
                name=f"{job_id}.catch_up",
                replace_existing=True,
                misfire_grace_time=3600,
            )

    def _schedule(self, spec: JobSpec) -> None:
        # interval jobs also run right after start: a restarted process catches up at once
        first = {"next_run_time": datetime.now(UTC)} if spec.trigger == "interval" else {}
        self._aps.add_job(
            self.run_job,
            spec.trigger,
            args=[spec.job_id],
            id=spec.job_id,
            name=spec.job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=3600,
            **first,
            **spec.trigger_args,
        )

    def scheduled_job_ids(self) -> list[str]:
        """Ids of the jobs APScheduler holds (after :meth:`start`)."""
        return sorted(job.id for job in self._aps.get_jobs()) if self._aps is not None else []

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        """Start APScheduler's thread with every registered job plus ``scheduler.renew_lease``."""
        from apscheduler.events import EVENT_JOB_ERROR
        from apscheduler.schedulers.background import BackgroundScheduler

        if self._aps is not None:
            raise RuntimeError("scheduler already started")
        self.hold_lease()
        executor_log = logging.getLogger("apscheduler.executors.default")
        if executor_log.level == logging.NOTSET:  # "Running job …" every few seconds is noise
            executor_log.setLevel(logging.WARNING)
        self._aps = BackgroundScheduler(timezone=self.timezone)
        self._aps.add_listener(self._on_job_error, EVENT_JOB_ERROR)
        self._aps.add_job(
            self.hold_lease,
            "interval",
            seconds=max(1.0, self.lease.total_seconds() / 3),
            id="scheduler.renew_lease",
            name="scheduler.renew_lease",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )
        for spec in self.jobs.values():
            self._schedule(spec)
        self._aps.start()
        if self._catch_up_pending and self.leading:
            self._catch_up()
        log.info("scheduler.started holder=%s jobs=%s", self.holder, ",".join(sorted(self.jobs)))

    def shutdown(self) -> None:
        """Stop the thread (waiting for running jobs) and release the lease."""
        if self._aps is not None:
            self._aps.shutdown(wait=True)
            self._aps = None
        if self.leading:
            self.release()
        log.info("scheduler.stopped holder=%s", self.holder)

    @staticmethod
    def _on_job_error(event: Any) -> None:
        """APScheduler's error listener: where a failing job's exception is recorded (STYLE habit 8)."""
        log.error(
            "scheduler.job_failed job_id=%s error=%r\n%s", event.job_id, event.exception, event.traceback
        )
