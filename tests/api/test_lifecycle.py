"""The project lifecycle through the REST API (R-LIFE, R-PLAN-1): suspension, termination, completion."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.background import job_context
from api.demo import demo_photo, ok
from api.deps import AppState
from engine.clock import FrozenClock, end_of_business_day
from engine.db import unit_of_work
from engine.processes.models import InstanceStatus, ProcessInstanceRecord, WorkItem, WorkItemState
from engine.settings import Settings
from tests.api.lifecycle_helpers import (
    OTHER_JURISDICTION,
    OTHER_SUPERVISOR,
    SUPERVISOR,
    add_project,
    add_supervisor,
    pdf_bytes,
    request_suspension,
)
from tests.api.month_helpers import approved_plan, execute, generate, issue_all, make_plan, relogin
from tests.conftest import db_snapshot
from tests.workflows.reminders.support import SH, at, run_scan
from workflows.context import Ctx
from workflows.filings.calendar import add_working_days
from workflows.notifications.models import OutboxMessage
from workflows.people.models import Person
from workflows.plans.models import Plan
from workflows.reminders import rules
from workflows.reminders.jobs import create_month_drafts, refresh_timers
from workflows.supervision.service import supervision_stats


@pytest.fixture
def late_signed(client: TestClient, world: Any) -> Any:
    """A maintenance project signed on 2026-09-23, first plan month the next (R-PRJ-2): 2026-10."""
    w = add_project(
        client,
        world,
        "西宁万达广场B区",
        signed_on="2026-09-23",
        ends_on="2027-09-22",
        first_plan_month="next_month",
    )
    project = ok(client.get(f"/api/v1/projects/{w.project_id}", headers=w.headers["lead"]))
    assert project["first_plan_month"] == "2026-10-01"
    return w


@pytest.fixture
def supervisor(client: TestClient, admin_headers: dict[str, str]) -> dict[str, str]:
    return add_supervisor(client, admin_headers, SUPERVISOR)[1]


def reminders_about(state: AppState) -> dict[uuid.UUID, set[tuple[str, str]]]:
    """``(kind, due day)`` of the reminder notifications about each project (``payload.project_id``)."""
    out: dict[uuid.UUID, set[tuple[str, str]]] = {}
    with state.sessions() as db:
        for m in db.scalars(select(OutboxMessage).where(OutboxMessage.kind.like("reminder.%"))):
            if m.payload.get("project_id"):
                due_on = datetime.fromisoformat(m.payload["due_at"]).astimezone(SH).date().isoformat()
                out.setdefault(uuid.UUID(m.payload["project_id"]), set()).add((m.kind, due_on))
    return out


def refused(response: Any, status: int, code: str | None = None) -> None:
    """Assert the status (and code) of a refused request."""
    assert response.status_code == status, response.text
    if code is not None:
        assert response.json()["code"] == code, response.text


class TestSuspension:
    def test_approved_month_gets_no_plan_r_plan_1(
        self, client: TestClient, late_signed: Any, supervisor: dict[str, str], state: AppState
    ) -> None:
        """Month 3 of the project (2026-12) suspended with files; no plan possible for it afterwards."""
        w = late_signed
        files = [
            ("files", ("证明.pdf", pdf_bytes(), "application/pdf")),
            ("files", ("现场.jpg", demo_photo("closed", seed=3, size=(64, 48)), "image/jpeg")),
        ]
        s = ok(
            client.post(
                f"/api/v1/projects/{w.project_id}/suspensions",
                data={"month": "2026-12", "reason": "商场装修停业"},
                files=files,
                headers=w.headers["lead"],
            ),
            201,
        )
        assert (s["state"], s["month"], s["code"][:3]) == ("pending", "2026-12", "SP-")
        assert sorted(f["media_type"] for f in s["files"]) == ["application/pdf", "image/jpeg"]
        inbox = ok(client.get("/api/v1/inbox", headers=supervisor))
        assert [(i["step"], i["subject_id"]) for i in inbox] == [("decide_suspension", s["id"])]
        assert inbox[0]["links"]["action"] == f"/api/v1/suspensions/{s['id']}/decision"
        assert inbox[0]["due_at"] is not None  # R-DUE: 2 working days
        assert "decide_suspension" not in [
            i["step"] for i in ok(client.get("/api/v1/inbox", headers=w.headers["lead"]))
        ]

        decided = ok(
            client.post(
                f"/api/v1/suspensions/{s['id']}/decision",
                json={"approve": True, "opinion": "同意暂停"},
                headers=supervisor,
            )
        )
        assert (decided["state"], decided["opinion"]) == ("approved", "同意暂停")
        assert ok(client.get("/api/v1/inbox", headers=supervisor)) == []
        with state.sessions() as db:
            rows = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "suspension.decided")).all()
            assert {str(r.recipient_id) for r in rows} == {w.lead_id, w.manager_id}
            assert rows[0].payload["approved"] is True and rows[0].payload["month"] == "2026-12"
            assert rows[0].dedup_key == f"suspension.decided:{s['id']}"

        before = db_snapshot(state)
        r = client.post(
            f"/api/v1/projects/{w.project_id}/plans",
            json={"nature": "month", "period": "2026-12"},
            headers=w.headers["lead"],
        )
        refused(r, 409, "R-PLAN-1")
        r = client.post(
            f"/api/v1/projects/{w.project_id}/plans",
            json={"nature": "quarter", "period": "2026-Q4"},
            headers=w.headers["lead"],
        )
        refused(r, 409, "R-PLAN-1")
        assert db_snapshot(state) == before
        assert make_plan(client, w, "2026-11")["period_start"] == "2026-11-01"  # other months still plan
        listed = ok(client.get(f"/api/v1/projects/{w.project_id}/suspensions", headers=w.headers["manager"]))
        assert [x["state"] for x in listed] == ["approved"]

    def test_suspended_month_3_no_plan_no_reminder_left_out_of_stats_r_life(
        self,
        client: TestClient,
        world: Any,
        late_signed: Any,
        supervisor: dict[str, str],
        state: AppState,
        clock: FrozenClock,
    ) -> None:
        """Signed 09-23 with "next month" (first plan month 2026-10); month 3 (2026-12) suspended: no
        December draft, no plan-issue or month-end task reminder about it, and December's statistics
        show it as suspended and outside the on-time counts. The world's project (signed 09-01, no
        suspension) gets all of these in the same December, so the checks can fail."""
        w = late_signed
        s = ok(request_suspension(client, w, "2026-12"), 201)
        ok(
            client.post(
                f"/api/v1/suspensions/{s['id']}/decision",
                json={"approve": True, "opinion": "同意暂停"},
                headers=supervisor,
            )
        )
        late, other = uuid.UUID(w.project_id), uuid.UUID(world.project_id)
        jobs = job_context(state)

        # December from here on: the clock runs ahead of the machine's, so no more API logins (PyJWT
        # refuses tokens issued in the future): the scheduler's jobs and the services directly.
        at(clock, 2026, 12, 1, 1)
        drafts = create_month_drafts(jobs)
        assert drafts.skipped.get(late) == "R-PLAN-1" and len(drafts.created) == 1  # the world's only
        with state.sessions() as db:
            december = db.scalars(select(Plan).where(Plan.period_start == date(2026, 12, 1))).all()
            assert [p.project_id for p in december] == [other]
        for day, hour in ((3, 9), (5, 9), (6, 9), (28, 9), (31, 9)):  # heads-up, due, overdue, month end
            at(clock, 2026, 12, day, hour)
            run_scan(state)
        about = reminders_about(state)
        assert about.get(late, set()) == set()  # R-PLAN-1: nothing to remind about a suspended month
        assert about[other] == {
            (rules.PLAN_ISSUE_DUE, "2026-12-03"),
            (rules.PLAN_ISSUE_DUE, "2026-12-05"),
            (rules.PLAN_ISSUE_OVERDUE, "2026-12-06"),
            (rules.TASKS_DUE, "2026-12-28"),
            (rules.TASKS_DUE, "2026-12-31"),
        }

        at(clock, 2027, 1, 4, 10)
        with unit_of_work(state.sessions) as db:
            sup = db.scalars(select(Person).where(Person.phone == SUPERVISOR["phone"])).one()
            ctx = Ctx(db, clock, state.settings, state.processes, sup)
            (dec,) = supervision_stats(ctx, jurisdiction=None, month="2026-12").agencies
            (nov,) = supervision_stats(ctx, jurisdiction=None, month="2026-11").agencies
        assert (dec.projects, dec.suspended_projects, dec.due, dec.overdue, dec.on_time) == (2, 1, 1, 1, 0)
        assert (nov.projects, nov.suspended_projects, nov.due, nov.overdue) == (2, 0, 2, 2)

    def test_rejected_month_can_be_planned(
        self, client: TestClient, late_signed: Any, supervisor: dict[str, str], state: AppState
    ) -> None:
        w = late_signed
        s = ok(request_suspension(client, w, "2027-01"), 201)
        before = db_snapshot(state)
        refused(
            client.post(
                f"/api/v1/suspensions/{s['id']}/decision",
                json={"approve": False, "opinion": " "},
                headers=supervisor,
            ),
            422,
        )
        assert db_snapshot(state) == before
        r = ok(
            client.post(
                f"/api/v1/suspensions/{s['id']}/decision",
                json={"approve": False, "opinion": "理由不充分"},
                headers=supervisor,
            )
        )
        assert r["state"] == "rejected"
        before = db_snapshot(state)
        refused(
            client.post(
                f"/api/v1/suspensions/{s['id']}/decision", json={"approve": True}, headers=supervisor
            ),
            409,
        )
        refused(client.post(f"/api/v1/suspensions/{s['id']}/withdraw", headers=w.headers["lead"]), 409)
        assert db_snapshot(state) == before
        assert make_plan(client, w, "2027-01")["period_start"] == "2027-01-01"

    def test_withdrawn_while_pending(
        self, client: TestClient, late_signed: Any, supervisor: dict[str, str], state: AppState
    ) -> None:
        w = late_signed
        s = ok(request_suspension(client, w, "2027-02"), 201)
        before = db_snapshot(state)
        refused(
            client.post(
                f"/api/v1/projects/{w.project_id}/plans",
                json={"nature": "month", "period": "2027-02"},
                headers=w.headers["lead"],
            ),
            409,
            "R-PLAN-1",
        )  # pending blocks planning too
        assert db_snapshot(state) == before
        assert (
            ok(client.post(f"/api/v1/suspensions/{s['id']}/withdraw", headers=w.headers["lead"]))["state"]
            == "withdrawn"
        )
        assert ok(client.get("/api/v1/inbox", headers=supervisor)) == []
        before = db_snapshot(state)
        refused(
            client.post(
                f"/api/v1/suspensions/{s['id']}/decision", json={"approve": True}, headers=supervisor
            ),
            409,
        )
        refused(client.post(f"/api/v1/suspensions/{s['id']}/withdraw", headers=w.headers["lead"]), 409)
        assert db_snapshot(state) == before
        with state.sessions() as db:
            record = db.scalars(
                select(ProcessInstanceRecord).where(ProcessInstanceRecord.subject_id == uuid.UUID(s["id"]))
            ).one()
            assert record.status == InstanceStatus.COMPLETED
        again = ok(request_suspension(client, w, "2027-02"), 201)  # a new request for the month is possible
        assert again["id"] != s["id"]

    def test_month_with_a_plan_refused_r_plan_1(
        self, client: TestClient, world: Any, state: AppState
    ) -> None:
        make_plan(client, world, "2026-10")
        before = db_snapshot(state)
        refused(request_suspension(client, world, "2026-10"), 409, "R-PLAN-1")
        assert db_snapshot(state) == before

    def test_bad_requests_change_nothing(self, client: TestClient, late_signed: Any, state: AppState) -> None:
        w = late_signed
        ok(request_suspension(client, w, "2026-11"), 201)
        before = db_snapshot(state)
        refused(request_suspension(client, w, "2026-11"), 409, "conflict")  # one request per month
        refused(request_suspension(client, w, "2027-10"), 422, "R-LIFE")  # after the contract end
        refused(request_suspension(client, w, "2026-09"), 422, "R-LIFE")  # month over
        refused(request_suspension(client, w, "2026-13"), 422, "invalid_input")
        refused(request_suspension(client, w, "2026-12", reason=""), 422, "invalid_input")
        refused(request_suspension(client, w, "2026-12", who="op1"), 404)  # not in the operator's scope
        url = f"/api/v1/projects/{w.project_id}/suspensions"
        text = [("files", ("a.pdf", b"hello, not a pdf", "application/pdf"))]
        refused(
            client.post(url, data={"month": "2026-12", "reason": "x"}, files=text, headers=w.headers["lead"]),
            415,
        )
        broken = [("files", ("b.pdf", b"%PDF-1.7\n garbage", "application/pdf"))]
        refused(
            client.post(
                url, data={"month": "2026-12", "reason": "x"}, files=broken, headers=w.headers["lead"]
            ),
            415,
        )
        big = [("files", ("c.pdf", pdf_bytes() + b"\0" * (10 * 1024 * 1024), "application/pdf"))]
        refused(
            client.post(url, data={"month": "2026-12", "reason": "x"}, files=big, headers=w.headers["lead"]),
            413,
        )
        assert db_snapshot(state) == before

    def test_other_jurisdiction_cannot_see_or_decide(
        self,
        client: TestClient,
        late_signed: Any,
        supervisor: dict[str, str],
        admin_headers: dict[str, str],
        state: AppState,
    ) -> None:
        w = late_signed
        s = ok(request_suspension(client, w, "2026-12"), 201)
        _, other = add_supervisor(client, admin_headers, OTHER_SUPERVISOR)
        before = db_snapshot(state)
        refused(client.get(f"/api/v1/suspensions/{s['id']}", headers=other), 404)
        refused(client.get(f"/api/v1/projects/{w.project_id}/suspensions", headers=other), 404)
        refused(
            client.post(f"/api/v1/suspensions/{s['id']}/decision", json={"approve": True}, headers=other),
            404,
        )
        refused(client.get(f"/api/v1/projects/{w.project_id}", headers=other), 404)
        assert ok(client.get("/api/v1/inbox", headers=other)) == []
        assert ok(client.get("/api/v1/projects", headers=other)) == []
        # the agency sees the request but only the fire department decides
        refused(
            client.post(
                f"/api/v1/suspensions/{s['id']}/decision",
                json={"approve": True},
                headers=w.headers["manager"],
            ),
            403,
        )
        refused(
            client.post(
                f"/api/v1/suspensions/{s['id']}/decision", json={"approve": True}, headers=admin_headers
            ),
            403,
        )
        refused(client.post(f"/api/v1/suspensions/{s['id']}/withdraw", headers=supervisor), 403)
        assert db_snapshot(state) == before
        elsewhere = add_project(
            client,
            w,
            "海湖新区项目",
            signed_on="2026-09-01",
            ends_on="2027-08-31",
            jurisdiction=OTHER_JURISDICTION,
        )
        assert [p["id"] for p in ok(client.get("/api/v1/projects", headers=other))] == [elsewhere.project_id]
        mine = {p["id"] for p in ok(client.get("/api/v1/projects", headers=supervisor))}
        assert w.project_id in mine and elsewhere.project_id not in mine


class TestTermination:
    def test_mid_month_cancels_open_work_and_refuses_new_work(
        self, client: TestClient, world: Any, state: AppState, clock: FrozenClock
    ) -> None:
        plan = issue_all(client, world, make_plan(client, world, "2026-10"))
        lines = [line["id"] for line in plan["lines"]]
        submitted = execute(
            client, world, lines[:2], fails=1
        )  # waits for review; its fault for a disposition
        draft = execute(client, world, lines[2:4], submit=False)
        clock.advance(timedelta(days=7))  # 2026-10-15, mid-month
        relogin(client, world)
        pid = uuid.UUID(world.project_id)
        with state.sessions() as db:
            running = db.scalars(
                select(ProcessInstanceRecord).where(
                    ProcessInstanceRecord.project_id == pid,
                    ProcessInstanceRecord.status == InstanceStatus.RUNNING,
                )
            ).all()
            assert sorted(r.process_id for r in running) == [
                "fault_handling",
                "maintenance_period",
                "project_lifecycle",  # started with the project (R-LIFE)
                "task_review",
                "task_review",
            ]

        before = db_snapshot(state)
        refused(
            client.post(
                f"/api/v1/projects/{world.project_id}/termination",
                json={"reason": "违约"},
                headers=world.headers["lead"],
            ),
            403,
        )
        refused(
            client.post(
                f"/api/v1/projects/{world.project_id}/termination",
                json={"reason": ""},
                headers=world.headers["agency_admin"],
            ),
            422,
        )
        assert db_snapshot(state) == before

        closed = ok(
            client.post(
                f"/api/v1/projects/{world.project_id}/termination",
                json={"reason": "业主解除合同"},
                headers=world.headers["agency_admin"],
            )
        )
        assert (closed["status"], closed["kind"], closed["reason"]) == (
            "terminated",
            "terminated",
            "业主解除合同",
        )
        assert closed["closed_by"] == world.agency_admin_id
        assert (closed["cancelled_processes"], closed["cancelled_tasks"]) == (4, 2)
        with state.sessions() as db:
            records = db.scalars(
                select(ProcessInstanceRecord).where(ProcessInstanceRecord.project_id == pid)
            ).all()
            statuses = sorted((r.process_id, r.subject_type, r.status) for r in records)
            assert statuses == [
                ("fault_handling", "fault", "cancelled"),
                ("maintenance_period", "plan", "cancelled"),
                ("project_lifecycle", "project", "completed"),
                ("task_review", "task", "cancelled"),
                ("task_review", "task", "cancelled"),
            ]
            items = db.scalars(select(WorkItem).where(WorkItem.project_id == pid)).all()
            assert not [w for w in items if w.state == WorkItemState.READY]
            cancelled = {w.bpmn_id for w in items if w.state == WorkItemState.CANCELLED}
            assert {"generate_report", "review_task", "execute_task", "dispose_fault"} <= cancelled
        for task in (submitted, draft):
            assert (
                ok(client.get(f"/api/v1/tasks/{task['id']}", headers=world.headers["lead"]))["state"]
                == "cancelled"
            )
        assert ok(client.get(f"/api/v1/projects/{world.project_id}", headers=world.headers["lead"]))[
            "status"
        ] == ("terminated")

        before = db_snapshot(state)
        refused(
            client.post(
                f"/api/v1/projects/{world.project_id}/termination",
                json={"reason": "再次"},
                headers=world.headers["agency_admin"],
            ),
            409,
        )  # irreversible
        refused(
            client.post(
                f"/api/v1/projects/{world.project_id}/plans",
                json={"nature": "month", "period": "2026-11"},
                headers=world.headers["lead"],
            ),
            409,
            "R-LIFE",
        )
        refused(
            client.post("/api/v1/tasks", json={"line_ids": lines[4:6]}, headers=world.headers["op1"]),
            409,
            "R-LIFE",
        )
        refused(generate(client, world, plan), 409, "R-LIFE")
        refused(request_suspension(client, world, "2026-12"), 409, "R-LIFE")
        refused(
            client.post(f"/api/v1/projects/{world.project_id}/completion", headers=world.headers["lead"]),
            409,
        )
        assert db_snapshot(state) == before


class TestCompletion:
    def test_after_the_contract_end_and_the_last_report(
        self, client: TestClient, world: Any, state: AppState, clock: FrozenClock
    ) -> None:
        w = add_project(client, world, "西宁万达广场C区", signed_on="2026-09-01", ends_on="2026-10-31")
        before = db_snapshot(state)
        refused(
            client.post(f"/api/v1/projects/{w.project_id}/completion", headers=w.headers["lead"]),
            409,
            "R-LIFE",
        )  # the contract has not ended
        assert db_snapshot(state) == before
        plan = approved_plan(client, w, "2026-10")
        report = ok(generate(client, w, plan), 201)
        clock.set(datetime(2026, 11, 2, 2, 0, tzinfo=UTC))
        relogin(client, w)
        before = db_snapshot(state)
        refused(
            client.post(f"/api/v1/projects/{w.project_id}/completion", headers=w.headers["lead"]),
            409,
            "R-LIFE",
        )  # the last report is not filed
        assert db_snapshot(state) == before
        ok(
            client.post(
                f"/api/v1/reports/{report['id']}/filing",
                json={"opinion": "同意备案"},
                headers=w.headers["tech_lead"],
            )
        )
        done = ok(client.post(f"/api/v1/projects/{w.project_id}/completion", headers=w.headers["lead"]))
        assert (done["status"], done["kind"], done["closed_by"]) == ("completed", "completed", w.lead_id)
        with state.sessions() as db:
            record = db.scalars(
                select(ProcessInstanceRecord).where(
                    ProcessInstanceRecord.subject_id == uuid.UUID(w.project_id)
                )
            ).one()
            assert (record.process_id, record.status) == ("project_lifecycle", InstanceStatus.COMPLETED)
        before = db_snapshot(state)
        refused(client.post(f"/api/v1/projects/{w.project_id}/completion", headers=w.headers["lead"]), 409)
        refused(
            client.post(
                f"/api/v1/projects/{w.project_id}/termination",
                json={"reason": "x"},
                headers=w.headers["agency_admin"],
            ),
            409,
        )
        assert db_snapshot(state) == before

    def test_completion_work_item_from_the_scheduler_without_any_suspension(
        self, client: TestClient, world: Any, state: AppState, clock: FrozenClock
    ) -> None:
        """R-LIFE: the lifecycle instance starts with the project (no suspension ever asked for); the
        scheduler's ``processes.refresh_timers`` fires its contract-end timer, and the project lead
        finds ``complete_project`` in the inbox once the contract has ended; the last report is filed."""
        w = add_project(client, world, "西宁万达广场D区", signed_on="2026-10-01", ends_on="2026-10-31")
        pid = uuid.UUID(w.project_id)
        with state.sessions() as db:
            record = db.scalars(
                select(ProcessInstanceRecord).where(
                    ProcessInstanceRecord.process_id == "project_lifecycle",
                    ProcessInstanceRecord.subject_id == pid,
                )
            ).one()
            assert record.status == InstanceStatus.RUNNING
            assert record.next_timer_at is not None
            assert record.next_timer_at.astimezone(SH) == datetime(2026, 10, 31, 23, 59, 59, tzinfo=SH)
        plan = approved_plan(client, w, "2026-10")
        report = ok(generate(client, w, plan, day="2026-10-08"), 201)
        ok(
            client.post(
                f"/api/v1/reports/{report['id']}/filing",
                json={"opinion": "同意备案"},
                headers=w.headers["tech_lead"],
            )
        )
        jobs = job_context(state)

        def completion_items() -> list[dict[str, Any]]:
            inbox = ok(client.get("/api/v1/inbox", headers=w.headers["lead"]))
            return [i for i in inbox if i["step"] == "complete_project" and i["subject_id"] == w.project_id]

        at(clock, 2026, 10, 31, 23, 59)
        relogin(client, w)
        refresh_timers(jobs)
        assert completion_items() == []  # the contract's last day is not over
        at(clock, 2026, 11, 1, 0, 30)
        assert refresh_timers(jobs).ticked >= 1
        (item,) = completion_items()
        assert item["links"]["action"] == f"/api/v1/projects/{w.project_id}/completion"
        tech = ok(client.get("/api/v1/inbox", headers=w.headers["tech_lead"]))
        assert "complete_project" in [i["step"] for i in tech]  # technical leads see lead-lane work too
        done = ok(client.post(item["links"]["action"], headers=w.headers["lead"]))
        assert (done["status"], done["kind"]) == ("completed", "completed")
        assert completion_items() == []
        with state.sessions() as db:
            assert db.get(ProcessInstanceRecord, record.id).status == InstanceStatus.COMPLETED  # type: ignore[union-attr]


class TestSuspensionDeadlineSetting:
    """One suspension deadline: the work item's due time and the reminders both follow
    ``Settings.scheduler.suspension_decide_days`` (here 4 working days, not the default 2)."""

    @pytest.fixture
    def settings(self, database_url: str) -> Settings:
        base = Settings(
            environment="test", database_url=database_url, base_url="http://testserver", password_rounds=4
        )
        return base.model_copy(
            update={"scheduler": base.scheduler.model_copy(update={"suspension_decide_days": 4})}
        )

    def test_r_due_work_item_and_reminders_use_the_setting(
        self,
        client: TestClient,
        world: Any,
        supervisor: dict[str, str],
        state: AppState,
        clock: FrozenClock,
    ) -> None:
        """R-DUE / R-LIFE: a request on Thursday 2026-10-08 with 4 decision days is due at the end
        of Tuesday 2026-10-13 (10-09, the make-up Saturday 10-10, 10-12, 10-13); the
        ``decide_suspension`` work item says so, and the reminder comes on that day, not on the
        second working day."""
        due_on = add_working_days(date(2026, 10, 8), 4, state.settings.calendar)
        assert due_on == date(2026, 10, 13) != add_working_days(date(2026, 10, 8), 2, state.settings.calendar)
        s = ok(request_suspension(client, world, "2026-11"), 201)
        (item,) = ok(client.get("/api/v1/inbox", headers=supervisor))
        assert (item["step"], item["subject_id"]) == ("decide_suspension", s["id"])
        assert datetime.fromisoformat(item["due_at"]) == end_of_business_day(due_on)

        at(clock, 2026, 10, 10, hour=18)  # the second working day: not due yet with 4 days
        run_scan(state)
        assert not [
            k for k, _ in reminders_about(state).get(uuid.UUID(world.project_id), set()) if "suspension" in k
        ]
        at(clock, 2026, 10, 13, hour=10)
        run_scan(state)
        assert (rules.SUSPENSION_DUE, "2026-10-13") in reminders_about(state)[uuid.UUID(world.project_id)]
