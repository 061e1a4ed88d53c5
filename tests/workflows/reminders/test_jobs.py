"""``plans.create_month_drafts`` and ``processes.refresh_timers`` with a movable clock."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.background import job_context
from api.demo import ok
from api.deps import AppState
from engine.clock import FrozenClock
from engine.db import unit_of_work
from engine.processes.models import InstanceStatus, ProcessInstanceRecord
from tests.api.month_helpers import issue_all, relogin
from tests.workflows.reminders.support import SH, add_project, at
from workflows.lifecycle.models import Suspension, SuspensionState
from workflows.plans.models import Plan
from workflows.projects.models import Project
from workflows.reminders.jobs import create_month_drafts, refresh_timers
from workflows.reminders.models import MonthDraft


def plans_of(state: AppState, project_id: str) -> list[tuple[date, str, str]]:
    with state.sessions() as session:
        return [
            (p.period_start, p.state, str(p.id))
            for p in session.scalars(
                select(Plan).where(Plan.project_id == uuid.UUID(project_id)).order_by(Plan.period_start)
            )
        ]


class TestMonthDrafts:
    def test_first_plan_month_next_month_and_suspended_months(
        self, client: TestClient, world: Any, state: AppState, clock: FrozenClock
    ) -> None:
        """A project signed on the 23rd with "next month" gets its first draft on the 1st of the next
        month; a suspended month gets none (R-PLAN-1 inside ``create_plan``); reruns add nothing."""
        at(clock, 2026, 10, 23, 10)
        relogin(client, world)
        late = add_project(
            client, world, signed_on="2026-10-23", first_plan_month="next_month", name="万达广场B区"
        )
        with state.sessions() as session:
            assert session.get(Project, uuid.UUID(late)).first_plan_month == date(2026, 11, 1)  # type: ignore[union-attr]
        jobs = job_context(state)

        october = create_month_drafts(jobs)
        assert october.month == date(2026, 10, 1) and len(october.created) == 1  # the world's project only
        assert plans_of(state, late) == []  # R-PRJ-2: before its first plan month
        assert create_month_drafts(jobs).created == []  # skips months that have a plan

        at(clock, 2026, 11, 1, 1)
        november = create_month_drafts(jobs)
        assert len(november.created) == 2
        assert [p[:2] for p in plans_of(state, late)] == [(date(2026, 11, 1), "draft")]
        with state.sessions() as session:
            plan = session.scalars(select(Plan).where(Plan.project_id == uuid.UUID(late))).one()
            assert plan.created_by == uuid.UUID(world.people["lead"])  # the system acts for the lead
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(ProcessInstanceRecord)
                    .where(ProcessInstanceRecord.subject_id == plan.id)
                )
                == 1
            )
        relogin(client, world)
        inbox = ok(client.get("/api/v1/inbox", headers=world.headers["lead"]))
        assert sum(1 for item in inbox if item["step"] == "issue_plan") >= 2

        with unit_of_work(state.sessions) as session:  # December of the world's project is suspended
            session.add(
                Suspension(
                    code="SP-TEST-2",
                    project_id=uuid.UUID(world.project_id),
                    month=date(2026, 12, 1),
                    reason="停业装修",
                    state=SuspensionState.APPROVED,
                    requested_by=uuid.UUID(world.people["lead"]),
                    requested_at=datetime(2026, 11, 2, 10, tzinfo=SH),
                )
            )
        at(clock, 2026, 12, 1, 1)
        december = create_month_drafts(jobs)
        assert len(december.created) == 1
        assert december.skipped == {uuid.UUID(world.project_id): "R-PLAN-1"}
        assert date(2026, 12, 1) not in [p[0] for p in plans_of(state, world.project_id)]
        assert (date(2026, 12, 1), "draft") in [p[:2] for p in plans_of(state, late)]


class TestRefreshTimers:
    def test_ticks_only_instances_whose_timer_is_due(
        self, client: TestClient, world: Any, state: AppState, clock: FrozenClock
    ) -> None:
        jobs = job_context(state)
        create_month_drafts(jobs)
        issue_all(
            client,
            world,
            ok(
                client.get(
                    f"/api/v1/plans/{plans_of(state, world.project_id)[0][2]}", headers=world.headers["lead"]
                )
            ),
        )
        # October's plan waits for its report now, with the month-end timer (10-31 23:59:59) armed
        assert refresh_timers(jobs).ticked == 0
        at(clock, 2026, 11, 1, 0, 30)
        create_month_drafts(jobs)  # November's plan: timer 11-30, not due
        with state.sessions() as session:
            due = session.scalar(
                select(func.count())
                .select_from(ProcessInstanceRecord)
                .where(
                    ProcessInstanceRecord.status == InstanceStatus.RUNNING,
                    ProcessInstanceRecord.next_timer_at <= clock.now(),
                )
            )
            running = session.scalar(
                select(func.count())
                .select_from(ProcessInstanceRecord)
                .where(ProcessInstanceRecord.status == InstanceStatus.RUNNING)
            )
        assert due == 1 and running >= 2  # type: ignore[operator]
        assert refresh_timers(jobs).ticked == 1
        with state.sessions() as session:
            october = session.scalars(select(Plan).where(Plan.period_start == date(2026, 10, 1))).one()
            assert october.overdue is True  # R-RPT-1: the month ended without a report
        assert refresh_timers(jobs).ticked == 0  # its next timer moved on


class TestMonthDraftsCatchUp:
    def test_daily_runs_create_each_draft_once_and_never_recreate_a_deleted_one(
        self, client: TestClient, world: Any, state: AppState, clock: FrozenClock
    ) -> None:
        """The job runs daily (and on lease takeover): November's draft is made once; after the lead
        deletes it (R-PLAN-2) later runs leave it deleted; a project created mid-month gets its
        draft on the next run (R-PRJ-2: its first plan month is the signing month)."""
        jobs = job_context(state)
        at(clock, 2026, 11, 1, 1)
        assert len(create_month_drafts(jobs).created) == 1
        assert create_month_drafts(jobs).created == []  # a rerun the same hour
        relogin(client, world)
        (draft,) = [p for p in plans_of(state, world.project_id) if p[0] == date(2026, 11, 1)]
        r = client.delete(f"/api/v1/plans/{draft[2]}", headers=world.headers["lead"])
        assert r.status_code == 204, r.text
        at(clock, 2026, 11, 2, 1)
        assert create_month_drafts(jobs).created == []  # the agency deleted it: not made again
        at(clock, 2026, 11, 2, 10)
        relogin(client, world)
        late = add_project(
            client, world, signed_on="2026-11-02", first_plan_month="signing_month", name="万达广场C区"
        )
        at(clock, 2026, 11, 3, 1)
        third = create_month_drafts(jobs)
        assert len(third.created) == 1
        assert [p[:2] for p in plans_of(state, late)] == [(date(2026, 11, 1), "draft")]
        with state.sessions() as session:
            ledger = {(d.project_id, d.month): d.plan_id for d in session.scalars(select(MonthDraft))}
        assert ledger[(uuid.UUID(world.project_id), date(2026, 11, 1))] is None  # its plan was deleted
        assert ledger[(uuid.UUID(late), date(2026, 11, 1))] is not None
        assert len(ledger) == 2

    def test_nothing_before_month_drafts_day(self, world: Any, state: AppState, clock: FrozenClock) -> None:
        jobs = job_context(state)
        cfg = state.settings.scheduler.model_copy(update={"month_drafts_day": 3})
        jobs.settings = state.settings.model_copy(update={"scheduler": cfg})
        at(clock, 2026, 11, 2, 1)
        assert create_month_drafts(jobs).created == []
        at(clock, 2026, 11, 3, 1)
        assert len(create_month_drafts(jobs).created) == 1
