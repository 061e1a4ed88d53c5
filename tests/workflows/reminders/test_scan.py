"""``reminders.scan`` on real data with a movable clock: each R-DUE reminder once, to the right people."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.background import job_context
from api.demo import ok
from api.deps import AppState
from api.world import build_world
from engine.clock import FrozenClock
from engine.db import unit_of_work
from tests.api.month_helpers import approved_plan, execute, generate, make_plan, relogin
from tests.conftest import login
from tests.workflows.reminders.support import SH, at, ids, outbox, reminders, run_scan, sent_to
from workflows.faults.models import Fault, FaultStatus
from workflows.lifecycle.models import Suspension, SuspensionState
from workflows.people.models import Person
from workflows.reminders import rules
from workflows.reminders.jobs import refresh_timers
from workflows.reports.models import Report


def issue(client: TestClient, world: Any, plan: dict[str, Any], lines: list[str], who: str) -> None:
    ok(
        client.post(
            f"/api/v1/plans/{plan['id']}/issue",
            json={"line_ids": lines, "executor_id": world.people[who]},
            headers=world.headers["lead"],
        )
    )


class TestMonthEndTasks:
    def test_three_days_before_and_on_the_last_day(
        self, client: TestClient, world: Any, state: AppState, clock: FrozenClock
    ) -> None:
        """R-RPT-1: executors with unsubmitted lines and the lead are told on 10-28 and on 10-31."""
        plan = make_plan(client, world, "2026-10")
        lines = [line["id"] for line in plan["lines"]]
        half = len(lines) // 2
        issue(client, world, plan, lines[:half], "op1")
        issue(client, world, plan, lines[half:], "op2")
        execute(client, world, lines[:half], who="op1")  # op1 is done; op2 has not started

        at(clock, 2026, 10, 28, 8, 59)
        run_scan(state)
        assert sent_to(state, rules.TASKS_DUE) == {}
        at(clock, 2026, 10, 28, 9)
        run_scan(state)
        assert sent_to(state, rules.TASKS_DUE) == dict.fromkeys(ids(world, "op2", "lead"), 1)
        first = outbox(state, rules.TASKS_DUE)[0].payload
        assert first["days_left"] == 3 and first["open_lines"] == len(lines) - half
        assert "还有" in first["body"] and world.project_name in first["body"]
        assert run_scan(state).written == 0  # scanning again sends nothing
        at(clock, 2026, 10, 30, 15)
        assert run_scan(state).written == 0
        at(clock, 2026, 10, 31, 9)
        run_scan(state)
        assert sent_to(state, rules.TASKS_DUE) == dict.fromkeys(ids(world, "op2", "lead"), 2)
        assert outbox(state, rules.TASKS_DUE)[-1].payload["days_left"] == 0
        assert [r[2].date() for r in reminders(state) if r[1] == rules.TASKS_DUE] == [
            date(2026, 10, 28),
            date(2026, 10, 31),
        ]
        relogin(client, world)
        mine = ok(client.get("/api/v1/me/notifications", headers=world.headers["op2"]))
        assert [n["kind"] for n in mine][:2] == [rules.TASKS_DUE, rules.TASKS_DUE]

    def test_nothing_when_every_line_is_submitted(
        self, client: TestClient, world: Any, state: AppState, clock: FrozenClock
    ) -> None:
        plan = make_plan(client, world, "2026-10")
        lines = [line["id"] for line in plan["lines"]]
        issue(client, world, plan, lines, "op1")
        execute(client, world, lines, who="op1")
        at(clock, 2026, 10, 31, 9)
        run_scan(state)
        assert sent_to(state, rules.TASKS_DUE) == {}


class TestFilingAroundNationalDay:
    def test_day_three_day_five_then_daily_escalation(
        self, client: TestClient, admin_headers: dict[str, str], state: AppState, clock: FrozenClock
    ) -> None:
        """A report completed on Tue 2026-09-29: the holiday (10-01…10-07) does not count, the make-up
        Saturday 10-10 does; deadline Mon 10-12; escalation every working day after."""
        at(clock, 2026, 9, 21, 10)
        world = build_world(client, login(client, "13900000000", "admin-pass-1"))
        at(clock, 2026, 9, 29, 10)  # the service is completed (last task submitted) on 09-29
        relogin(client, world)
        plan = approved_plan(client, world, "2026-09")
        report = ok(generate(client, world, plan, day="2026-09-29"), 201)
        assert report["filing_deadline"] == "2026-10-12"
        lead, manager = ids(world, "tech_lead"), ids(world, "manager")

        def scan_at(m: int, d: int, hour: int = 9) -> dict[uuid.UUID, int]:
            at(clock, 2026, m, d, hour)
            run_scan(state)
            return dict(sent_to(state, "reminder.filing"))

        assert scan_at(9, 30) == {}
        for day in range(1, 9):  # the holiday and the first working days after it
            assert scan_at(10, day) == {}
        assert scan_at(10, 9, 8) == {}
        assert scan_at(10, 9) == dict.fromkeys(lead, 1)  # working day 3
        assert scan_at(10, 10) == dict.fromkeys(lead, 1)  # make-up Saturday: nothing new
        assert scan_at(10, 12) == dict.fromkeys(lead, 2)  # working day 5 = the deadline
        assert scan_at(10, 13) == dict.fromkeys(lead, 3) | dict.fromkeys(manager, 1)  # overdue: escalate
        assert refresh_timers(job_context(state)).ticked >= 1  # the BPMN deadline timer flags it
        with state.sessions() as session:
            assert session.get(Report, uuid.UUID(report["id"])).filing_overdue is True  # type: ignore[union-attr]
        assert scan_at(10, 14) == dict.fromkeys(lead, 4) | dict.fromkeys(manager, 2)
        assert scan_at(10, 16) == dict.fromkeys(lead, 5) | dict.fromkeys(manager, 3)
        assert scan_at(10, 17) == dict.fromkeys(lead, 5) | dict.fromkeys(manager, 3)  # weekend
        assert scan_at(10, 18) == dict.fromkeys(lead, 5) | dict.fromkeys(manager, 3)
        assert scan_at(10, 19) == dict.fromkeys(lead, 6) | dict.fromkeys(manager, 4)
        filing = [(k, due.date()) for s, k, due in reminders(state) if s == "report"]
        assert filing == [
            (rules.FILING_DUE, date(2026, 10, 9)),
            (rules.FILING_DUE, date(2026, 10, 12)),
            (rules.FILING_OVERDUE, date(2026, 10, 13)),
            (rules.FILING_OVERDUE, date(2026, 10, 14)),
            (rules.FILING_OVERDUE, date(2026, 10, 16)),
            (rules.FILING_OVERDUE, date(2026, 10, 19)),
        ]
        overdue = outbox(state, rules.FILING_OVERDUE)[-1].payload
        assert overdue["overdue"] is True and "逾期" in overdue["title"]
        relogin(client, world)
        ok(
            client.post(
                f"/api/v1/reports/{report['id']}/filing",
                json={"opinion": "同意备案"},
                headers=world.headers["tech_lead"],
            )
        )
        assert scan_at(10, 20) == dict.fromkeys(lead, 6) | dict.fromkeys(manager, 4)  # filed: quiet


class TestReviewAndPlanIssue:
    def test_review_due_two_days_after_submission(
        self, client: TestClient, world: Any, state: AppState, clock: FrozenClock
    ) -> None:
        plan = make_plan(client, world, "2026-10")
        lines = [line["id"] for line in plan["lines"]]
        issue(client, world, plan, lines, "op1")
        task = execute(client, world, lines[:2], who="op1")  # submitted 10-08 10:00
        at(clock, 2026, 10, 10, 9, 59)
        run_scan(state)
        assert sent_to(state, rules.REVIEW_DUE) == {}
        at(clock, 2026, 10, 10, 10)
        run_scan(state)
        assert sent_to(state, rules.REVIEW_DUE) == dict.fromkeys(ids(world, "lead", "tech_lead"), 1)
        assert outbox(state, rules.REVIEW_DUE)[0].payload["task_code"] == task["code"]

    def test_plan_issue_heads_up_due_day_and_overdue_r_due(
        self, client: TestClient, world: Any, state: AppState, clock: FrozenClock
    ) -> None:
        """SPEC §11: the plan reminder goes to the project lead and the enterprise manager: the lead
        gets the heads-up on the 3rd, both get it on the due day (the 5th) and when overdue (the 6th)."""
        make_plan(client, world, "2026-11")  # a draft, never issued
        at(clock, 2026, 11, 3, 9)
        run_scan(state)
        assert sent_to(state, rules.PLAN_ISSUE_DUE) == dict.fromkeys(ids(world, "lead"), 1)
        at(clock, 2026, 11, 5, 8, 59)
        assert run_scan(state).written == 0
        at(clock, 2026, 11, 5, 9)
        run_scan(state)
        assert sent_to(state, rules.PLAN_ISSUE_DUE) == dict.fromkeys(ids(world, "lead"), 2) | dict.fromkeys(
            ids(world, "manager"), 1
        )
        due_day = [m.payload for m in outbox(state, rules.PLAN_ISSUE_DUE)][-1]
        assert (due_day["due_on"], due_day["overdue"], due_day["title"]) == (
            "2026-11-05",
            False,
            "今天是本月计划下发期限",
        )
        at(clock, 2026, 11, 6, 9)
        run_scan(state)
        assert sent_to(state, rules.PLAN_ISSUE_OVERDUE) == dict.fromkeys(ids(world, "lead", "manager"), 1)
        assert run_scan(state).written == 0

    def test_an_issued_plan_silences_the_plan_reminder(
        self, client: TestClient, world: Any, state: AppState, clock: FrozenClock
    ) -> None:
        plan = make_plan(client, world, "2026-10")
        issue(client, world, plan, [line["id"] for line in plan["lines"]], "op1")
        at(clock, 2026, 10, 9, 9)  # October's overdue step is due, but the plan went out
        run_scan(state)
        assert sent_to(state, "reminder.plan_issue") == {}


class TestDigestsSuspensionsContracts:
    def test_fault_digest_monthly_to_lead_and_owner(
        self, client: TestClient, world: Any, state: AppState, clock: FrozenClock
    ) -> None:
        approved_plan(client, world, "2026-10", fails=2, disposition="negotiating")
        with state.sessions() as session:
            assert {f.status for f in session.scalars(select(Fault))} == {FaultStatus.NEGOTIATING}
        at(clock, 2026, 11, 1, 9)
        run_scan(state)
        assert sent_to(state, rules.FAULT_DIGEST) == dict.fromkeys(ids(world, "lead", "owner"), 1)
        assert len(outbox(state, rules.FAULT_DIGEST)[0].payload["negotiating"]) == 2
        at(clock, 2026, 11, 20, 9)
        assert run_scan(state).by_kind.get(rules.FAULT_DIGEST) is None  # once a month
        at(clock, 2026, 12, 1, 9)
        run_scan(state)
        assert sent_to(state, rules.FAULT_DIGEST) == dict.fromkeys(ids(world, "lead", "owner"), 2)

    def test_pending_suspension_chases_the_fire_department(
        self, world: Any, state: AppState, clock: FrozenClock
    ) -> None:
        with unit_of_work(state.sessions) as session:
            supervisor = Person(
                name="消防监督员",
                phone="13900000099",
                roles=["fire_supervisor"],
                enabled=True,
                jurisdiction="西宁市消防救援支队城中区大队",
                created_at=clock.now(),
            )
            session.add(supervisor)
            session.flush()
            session.add(
                Suspension(
                    code="SP-TEST-1",
                    project_id=uuid.UUID(world.project_id),
                    month=date(2026, 12, 1),
                    reason="停业装修",
                    state=SuspensionState.PENDING,
                    requested_by=uuid.UUID(world.people["lead"]),
                    requested_at=datetime(2026, 10, 9, 15, tzinfo=SH),
                )
            )
            supervisor_id = supervisor.id
        at(clock, 2026, 10, 12, 9)  # Fri 10-09 + 2 working days (make-up Saturday 10-10 counts)
        run_scan(state)
        assert sent_to(state, rules.SUSPENSION_DUE) == {supervisor_id: 1}
        at(clock, 2026, 10, 13, 9)
        run_scan(state)
        assert sent_to(state, rules.SUSPENSION_OVERDUE) == {supervisor_id: 1}

    def test_contract_end_thirty_days_before(self, world: Any, state: AppState, clock: FrozenClock) -> None:
        at(clock, 2027, 7, 31, 23)
        run_scan(state)
        assert sent_to(state, rules.CONTRACT_ENDING) == {}
        at(clock, 2027, 8, 1, 9)
        run_scan(state)
        assert sent_to(state, rules.CONTRACT_ENDING) == dict.fromkeys(ids(world, "manager", "owner"), 1)
