"""The lease-guarded scheduler: one process runs the jobs; a restart neither loses nor doubles a reminder."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
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
from tests.api.month_helpers import execute, issue_all, make_plan, relogin
from tests.engine.outbox_support import RecordingSender
from tests.workflows.reminders.support import SH, add_project, at, sent_to
from workflows.plans.models import Plan
from workflows.reminders import rules
from workflows.reminders.jobs import build_scheduler
from workflows.reminders.models import MonthDraft

JOBS = ["lifecycle.start_missing", "plans.create_month_drafts", "processes.refresh_timers", "reminders.scan"]
CATCH_UP = ["lifecycle.start_missing", "plans.create_month_drafts"]


def second_process(state: AppState, holder: str, *, lease_s: int | None = None) -> tuple[Scheduler, Any]:
    """A scheduler of another process: its own engine and sessions on the same database."""
    engine = make_engine(state.settings.database_url)
    jobs = job_context(state)
    jobs.sessions = make_session_factory(engine)
    if lease_s is not None:
        cfg = jobs.settings.scheduler.model_copy(update={"lease_s": lease_s})
        jobs.settings = jobs.settings.model_copy(update={"scheduler": cfg})
    return build_scheduler(jobs, holder=holder), engine


def wait_for(predicate: Callable[[], bool], *, timeout_s: float = 30.0, what: str = "") -> None:
    """Poll ``predicate`` every 50 ms until it holds (fails the test after ``timeout_s``)."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


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


class TestCatchUp:
    def test_month_drafts_appear_once_after_the_holder_dies_before_one_oclock(
        self,
        client: TestClient,
        world: Any,
        state: AppState,
        clock: FrozenClock,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """The holder renews at 00:59:58 on Nov 1 and dies. At 01:00 the daily drafts job fires in the
        survivor, which is idle (the lease runs to 01:00:03). The survivor takes the lease later and
        its catch-up run creates November's drafts (R-PRJ-2: the project signed on 10-23 with "next
        month" included), exactly once; another takeover creates nothing more."""
        caplog.set_level(logging.INFO, logger="fireops.jobs")
        at(clock, 2026, 10, 23, 10)
        relogin(client, world)
        add_project(client, world, signed_on="2026-10-23", first_plan_month="next_month", name="万达广场B区")
        jobs = job_context(state)
        first = build_scheduler(jobs, holder="serve-1")
        second, engine = second_process(state, holder="serve-2", lease_s=5)  # renews every ~1.7 s
        first.lease = second.lease

        def november() -> list[Plan]:
            with state.sessions() as session:
                return list(session.scalars(select(Plan).where(Plan.period_start == date(2026, 11, 1))))

        def catch_up_runs() -> int:
            return sum(1 for r in caplog.records if "plans.drafts_created month=2026-11-01" in r.getMessage())

        try:
            clock.set(datetime(2026, 11, 1, 0, 59, 58, tzinfo=SH))
            assert first.hold_lease() is True
            second.start()  # the survivor runs its APScheduler thread from now on
            clock.set(datetime(2026, 11, 1, 1, 0, tzinfo=SH))
            assert second.run_job("plans.create_month_drafts") is None  # the 01:00 run: idle
            assert november() == []
            # the first process is gone: it never renews again
            clock.set(datetime(2026, 11, 1, 1, 20, tzinfo=SH))
            wait_for(lambda: catch_up_runs() == 1, what="the survivor's catch-up run")
            assert second.leading is True
            with state.sessions() as session:
                assert lease_holder(session)[0] == "serve-2"  # type: ignore[index]
            drafts = november()
            assert len(drafts) == 2 and len({p.project_id for p in drafts}) == 2
            assert {p.state for p in drafts} == {"draft"}

            second.release()  # hand the lease back: the next renewal takes it again and catches up again
            wait_for(lambda: catch_up_runs() == 2, what="a second catch-up run")
            assert len(november()) == 2  # exactly once
            assert second.run_job("plans.create_month_drafts").created == []
        finally:
            second.shutdown()
            engine.dispose()
        with state.sessions() as session:
            assert session.scalar(select(func.count()).select_from(MonthDraft)) == 2


class TestJobsAndLifespan:
    def test_jobs_are_registered_with_explicit_ids(self, state: AppState) -> None:
        scheduler = build_scheduler(job_context(state), holder="t")
        assert sorted(scheduler.jobs) == JOBS
        assert sorted(j for j, spec in scheduler.jobs.items() if spec.catch_up) == CATCH_UP
        scheduler.start()  # this test asks for the background thread
        try:
            scheduled = set(scheduler.scheduled_job_ids()) - {f"{j}.catch_up" for j in CATCH_UP}
            assert sorted(scheduled) == sorted([*JOBS, "scheduler.renew_lease"])
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
