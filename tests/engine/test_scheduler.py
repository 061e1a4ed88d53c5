"""The lease-guarded scheduler: one process runs the jobs; a restart neither loses nor doubles a reminder."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from api.background import job_context
from api.deps import AppState
from engine.clock import FrozenClock
from engine.db import make_engine, make_session_factory, unit_of_work
from engine.outbox.models import OutboxMessage
from engine.outbox.senders import SenderRouter
from engine.outbox.worker import OutboxWorker
from engine.scheduler import LEASE_NAME, Scheduler, acquire_lease, lease_holder
from tests.api.month_helpers import execute, issue_all, make_plan
from tests.engine.outbox_support import RecordingSender
from tests.workflows.reminders.support import at, sent_to
from workflows.reminders import rules
from workflows.reminders.jobs import build_scheduler

JOBS = ["plans.create_month_drafts", "processes.refresh_timers", "reminders.scan"]


def second_process(state: AppState, holder: str) -> tuple[Scheduler, Any]:
    """A scheduler of another process: its own engine and sessions on the same database."""
    engine = make_engine(state.settings.database_url)
    jobs = job_context(state)
    jobs.sessions = make_session_factory(engine)
    return build_scheduler(jobs, holder=holder), engine


class TestLease:
    def test_second_scheduler_stays_idle_while_the_first_holds_the_lease(
        self, client: TestClient, world: Any, state: AppState, clock: FrozenClock
    ) -> None:
        plan = issue_all(client, world, make_plan(client, world, "2026-10"))
        execute(client, world, [line["id"] for line in plan["lines"]][:2])  # submitted 10-08, never reviewed
        first = build_scheduler(job_context(state), holder="serve-1")
        second, engine = second_process(state, holder="serve-2")
        try:
            at(clock, 2026, 10, 10, 11)
            assert first.hold_lease() is True
            assert second.hold_lease() is False
            assert second.run_job("reminders.scan") is None  # idle: nothing ran
            assert sent_to(state, rules.REVIEW_DUE) == {}
            assert first.run_job("reminders.scan").written == 1
            clock.advance(timedelta(seconds=59))
            assert first.hold_lease() is True  # renewal
            clock.advance(timedelta(seconds=59))
            assert second.hold_lease() is False  # renewed 59 s ago: still the first's
            clock.advance(timedelta(seconds=61))  # the first stopped renewing (crashed)
            assert second.hold_lease() is True
            assert first.hold_lease() is False
            assert first.run_job("reminders.scan") is None
            with state.sessions() as session:
                assert lease_holder(session)[0] == "serve-2"  # type: ignore[index]
        finally:
            engine.dispose()

    def test_clean_shutdown_hands_over_at_once(self, state: AppState, clock: FrozenClock) -> None:
        first = Scheduler(state.sessions, clock, lease_s=60, holder="a")
        second = Scheduler(state.sessions, clock, lease_s=60, holder="b")
        assert first.hold_lease() and not second.hold_lease()
        first.shutdown()
        assert second.hold_lease()

    def test_acquire_is_one_atomic_statement(self, state: AppState, clock: FrozenClock) -> None:
        ttl = timedelta(seconds=30)
        with unit_of_work(state.sessions) as session:
            assert acquire_lease(session, name=LEASE_NAME, holder="x", now=clock.now(), ttl=ttl)
            assert not acquire_lease(session, name=LEASE_NAME, holder="y", now=clock.now(), ttl=ttl)
            assert acquire_lease(session, name="other", holder="y", now=clock.now(), ttl=ttl)
            assert acquire_lease(
                session, name=LEASE_NAME, holder="y", now=clock.now() + ttl + timedelta(seconds=1), ttl=ttl
            )


class TestRestart:
    def test_nothing_sent_twice_after_a_restart(
        self, client: TestClient, world: Any, state: AppState, clock: FrozenClock
    ) -> None:
        """Scan twice, restart the scheduler (a new object, another process), scan again; deliver: one
        notification per reminder and recipient, each delivered once."""
        plan = make_plan(client, world, "2026-10")
        lines = [line["id"] for line in plan["lines"]]
        ok_issue = client.post(
            f"/api/v1/plans/{plan['id']}/issue",
            json={"line_ids": lines, "executor_id": world.people["op2"]},
            headers=world.headers["lead"],
        )
        assert ok_issue.status_code == 200
        at(clock, 2026, 10, 28, 9, 30)
        before = build_scheduler(job_context(state), holder="old")
        assert before.run_job("reminders.scan").written == 1
        assert before.run_job("reminders.scan").written == 0
        before.shutdown()  # restart
        after, engine = second_process(state, holder="new")
        try:
            assert after.run_job("reminders.scan").written == 0
            at(clock, 2026, 10, 31, 9, 30)
            assert after.run_job("reminders.scan").written == 1
            assert after.run_job("reminders.scan").written == 0
        finally:
            engine.dispose()
        with state.sessions() as session:
            rows = session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == rules.TASKS_DUE)
            )
        assert rows == 4  # two reminders × (op2, lead)
        sender = RecordingSender(script=None)
        worker = OutboxWorker(
            state.sessions,
            SenderRouter(sender),
            state.settings.outbox.model_copy(update={"rate_per_s": 10_000}),
            clock,
            rng=random.Random(1),
        )
        asyncio.run(worker.drain())
        reminders_sent = [d for d in sender.calls if d.kind == rules.TASKS_DUE]
        assert len(reminders_sent) == 4
        assert len({(d.recipient_id, d.dedup_key) for d in reminders_sent}) == 4


class TestJobsAndLifespan:
    def test_jobs_are_registered_with_explicit_ids(self, state: AppState) -> None:
        scheduler = build_scheduler(job_context(state), holder="t")
        assert sorted(scheduler.jobs) == JOBS
        scheduler.start()  # this test asks for the background thread
        try:
            assert scheduler.scheduled_job_ids() == sorted([*JOBS, "scheduler.renew_lease"])
        finally:
            scheduler.shutdown()
        assert scheduler.scheduled_job_ids() == []

    def test_tests_start_no_background_work_unless_asked(self, state: AppState) -> None:
        with TestClient(create_app(state.settings, state=state)) as c:
            assert c.app.state.run_background is None  # type: ignore[attr-defined]
        started: list[Any] = []
        app = create_app(state.settings, state=state, background=True)
        with TestClient(app) as c:
            assert c.get("/api/v1/catalog").status_code in (200, 401)
            with state.sessions() as session:
                started.append(lease_holder(session))
        assert started[0] is not None  # the scheduler took the lease while the app ran
        with state.sessions() as session:
            assert lease_holder(session) is None  # and released it on shutdown
