"""Reports, filing and verification (R-RPT, R-FILE, R-FAULT-1) through the API."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from api.demo import ok
from api.deps import AppState
from engine.clock import FrozenClock
from engine.errors import RuleViolation
from tests.api.live_server import live_server
from tests.api.month_helpers import approved_plan, execute, faults_of, generate, issue_all, make_plan, relogin
from tests.api.test_extra_tasks import review, run, supplementary
from tests.api.test_maintenance_month import pdf_text
from tests.conftest import db_snapshot, require_postgresql
from workflows.context import Ctx
from workflows.filings.calendar import filing_deadline
from workflows.filings.models import Filing
from workflows.people.models import Person
from workflows.reports.models import Report, ReportTask
from workflows.reports.pdf import render_report_pdf
from workflows.reports.service import rebuild_report_data
from workflows.tasks.models import Task


class TestGenerate:
    def test_r_rpt_all_lines_approved_first(self, client: TestClient, world: Any, state: AppState) -> None:
        """R-RPT: the report is generated only when every plan line is in an approved task."""
        plan = issue_all(client, world, make_plan(client, world))
        execute(client, world, [plan["lines"][0]["id"]])
        before = db_snapshot(state)
        r = generate(client, world, plan)
        assert r.status_code == 409 and r.json()["code"] == "R-RPT"
        assert db_snapshot(state) == before

    def test_r_rpt_plan_with_every_line_ignored_is_refused_not_500(
        self, client: TestClient, world: Any, state: AppState
    ) -> None:
        """R-RPT / R-FILE-1: a plan whose every line is ignored has no service to report and no
        completion date; generating its report is a 409 that says to restore the lines (it used to
        pass the coverage check and fail with a 500), and it writes nothing."""
        plan = make_plan(client, world)
        ignored = ok(
            client.post(
                f"/api/v1/plans/{plan['id']}/ignore",
                json={"line_ids": [line["id"] for line in plan["lines"]]},
                headers=world.headers["lead"],
            )
        )
        assert ignored["lines"] and all(line["ignored"] for line in ignored["lines"])
        before = db_snapshot(state)
        r = generate(client, world, plan)
        assert r.status_code == 409, r.text
        body = r.json()
        assert body["code"] == "R-RPT" and plan["code"] in body["message"]
        assert "全部已忽略" in body["message"] and "请先恢复被忽略的计划项" in body["message"]
        assert db_snapshot(state) == before

    def test_r_rpt_1_tasks_submitted_after_month_end(
        self, client: TestClient, world: Any, clock: FrozenClock, state: AppState
    ) -> None:
        """R-RPT-1: a task submitted after the month's last day makes the month's report overdue:
        it cannot be generated (409, no row written)."""
        plan = issue_all(client, world, make_plan(client, world))
        task = execute(client, world, [line["id"] for line in plan["lines"]], submit=False)
        clock.set(datetime(2026, 10, 31, 16, 30, tzinfo=UTC))  # 2026-11-01 00:30 in Shanghai
        relogin(client, world)
        ok(
            client.post(
                f"/api/v1/tasks/{task['id']}/submit",
                json={"latitude": 36.6172, "longitude": 101.7783},
                headers=world.headers["op1"],
            )
        )
        ok(
            client.post(
                f"/api/v1/tasks/{task['id']}/review",
                json={"verdict": "approve"},
                headers=world.headers["lead"],
            )
        )
        before = db_snapshot(state)
        r = generate(client, world, plan, "2026-11-01")
        assert r.status_code == 409 and r.json()["code"] == "R-RPT-1"
        assert task["code"] in r.json()["message"]  # names the late task
        assert db_snapshot(state) == before

    def test_r_rpt_2_delete_and_regenerate_until_filed(
        self, client: TestClient, world: Any, state: AppState
    ) -> None:
        """R-RPT-2: one live report per plan; deleting it (before filing) voids its QR code and lets
        the lead generate the next revision."""
        plan = approved_plan(client, world)
        first = ok(generate(client, world, plan), 201)
        before = db_snapshot(state)
        again = generate(client, world, plan)
        assert again.status_code == 409 and again.json()["code"] == "R-RPT-2"
        assert first["code"] in again.json()["message"]
        assert db_snapshot(state) == before
        assert (
            client.delete(f"/api/v1/reports/{first['id']}", headers=world.headers["lead"]).status_code == 204
        )
        old_token = first["verify_url"].rsplit("/", 1)[-1]
        assert (
            ok(client.get(f"/verify/{old_token}", headers={"Accept": "application/json"}))["genuine"] is False
        )
        second = ok(generate(client, world, plan), 201)
        assert second["revision"] == 2 and second["code"] != first["code"]
        inbox = ok(client.get("/api/v1/inbox", headers=world.headers["tech_lead"]))
        assert [i["links"]["action"] for i in inbox if i["step"] == "file_report"] == [
            f"/api/v1/reports/{second['id']}/filing"
        ]

    def test_report_pdf_is_deterministic_and_chinese(
        self, client: TestClient, world: Any, state: AppState
    ) -> None:
        """R-RPT: the served PDF is exactly what the report's data renders to, every time (the same
        data gives the same bytes), and its Chinese is real text."""
        plan = approved_plan(client, world, fails=1)
        report = ok(generate(client, world, plan), 201)
        pdf = client.get(report["pdf_url"], headers=world.headers["lead"])
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        with state.sessions() as session:
            lead = session.get(Person, uuid.UUID(world.people["lead"]))
            ctx = Ctx(session, state.clock, state.settings, state.processes, lead)
            data = rebuild_report_data(ctx, uuid.UUID(report["id"]))
            again = rebuild_report_data(ctx, uuid.UUID(report["id"]))
        first, second = render_report_pdf(data), render_report_pdf(again)
        assert first == second == pdf.content
        assert hashlib.sha256(first).hexdigest() == report["sha256"]
        body = pdf_text(pdf.content)
        assert "西宁万达广场" in body and "不符合" in body and report["code"] in body


class TestFiling:
    def test_r_file_1_deadline_skips_national_day(
        self, client: TestClient, world: Any, clock: FrozenClock, state: AppState
    ) -> None:
        """R-FILE-1: 5 China working days (the National Day week does not count); the deadline timer
        flags the report overdue, and late filing is allowed but marked late."""
        clock.set(datetime(2026, 9, 29, 2, 0, tzinfo=UTC))
        relogin(client, world)
        plan = approved_plan(client, world, "2026-09")
        report = ok(generate(client, world, plan, "2026-09-29"), 201)
        assert report["completed_on"] == "2026-09-29"
        deadline = date.fromisoformat(report["filing_deadline"])
        assert deadline == filing_deadline(date(2026, 9, 29)) and deadline > date(2026, 10, 7)
        assert deadline - date(2026, 9, 29) > timedelta(days=7)  # calendar days would say 2026-10-06
        clock.set(datetime(2026, 10, 30, 2, 0, tzinfo=UTC))
        relogin(client, world)
        with state.sessions() as session, session.begin():
            from engine.processes.models import ProcessInstanceRecord

            rec = session.scalars(
                select(ProcessInstanceRecord).where(ProcessInstanceRecord.subject_id == uuid.UUID(plan["id"]))
            ).one()
            assert rec.next_timer_at is not None and rec.next_timer_at <= clock.now()
            state.processes.tick(session, rec, context=Ctx(session, clock, state.settings, state.processes))
        assert ok(client.get(f"/api/v1/reports/{report['id']}", headers=world.headers["lead"]))[
            "filing_overdue"
        ]
        filed = ok(
            client.post(
                f"/api/v1/reports/{report['id']}/filing",
                json={"opinion": "同意备案"},
                headers=world.headers["tech_lead"],
            )
        )
        assert filed["filing"]["late"] is True and filed["status"] == "filed"

    def test_r_file_1_deadline_counts_from_the_last_task_submission(
        self, client: TestClient, world: Any, clock: FrozenClock, state: AppState
    ) -> None:
        """R-FILE-1: the deadline counts from the service's completion date, the day the last plan task
        was submitted (seed 001 §3.5: "当月维保计划对应的所有任务提交之日起五日内"), not from the report
        date the lead types in nor from the day the report is generated."""
        plan = issue_all(client, world, make_plan(client, world))
        lines = [line["id"] for line in plan["lines"]]
        first = execute(client, world, lines[:5])  # Thursday 2026-10-08
        clock.set(datetime(2026, 10, 9, 3, 0, tzinfo=UTC))  # Friday 2026-10-09
        relogin(client, world)
        last = execute(client, world, lines[5:])
        clock.set(datetime(2026, 10, 12, 2, 0, tzinfo=UTC))  # Monday 2026-10-12
        relogin(client, world)
        for task in (first, last):
            ok(
                client.post(
                    f"/api/v1/tasks/{task['id']}/review",
                    json={"verdict": "approve"},
                    headers=world.headers["lead"],
                )
            )
        report = ok(
            client.post(
                f"/api/v1/plans/{plan['id']}/report",
                json={"report_date": "2026-10-14", "service_date": "2026-10-08"},
                headers=world.headers["lead"],
            ),
            201,
        )
        assert report["completed_on"] == "2026-10-09"
        assert report["report_date"] == "2026-10-14"
        deadline = date.fromisoformat(report["filing_deadline"])
        assert deadline == filing_deadline(date(2026, 10, 9))
        assert deadline not in (filing_deadline(date(2026, 10, 12)), filing_deadline(date(2026, 10, 14)))

    def test_only_a_technical_lead_files(self, client: TestClient, world: Any, state: AppState) -> None:
        """R-FILE / R-ROLE-2: filing is the technical lead's; a project lead gets 403 and nothing changes."""
        report = ok(generate(client, world, approved_plan(client, world)), 201)
        before = db_snapshot(state)
        r = client.post(
            f"/api/v1/reports/{report['id']}/filing", json={"opinion": "x"}, headers=world.headers["lead"]
        )
        assert r.status_code == 403
        assert db_snapshot(state) == before

    def test_r_file_2_filed_report_never_changes(
        self, client: TestClient, world: Any, state: AppState
    ) -> None:
        """R-FILE-2: a filed report can never change, by any door: the API (409, no row changes), the
        ORM (the listener refuses) and raw SQL (the trigger refuses)."""
        report = ok(generate(client, world, approved_plan(client, world)), 201)
        ok(
            client.post(
                f"/api/v1/reports/{report['id']}/filing",
                json={"opinion": "同意"},
                headers=world.headers["tech_lead"],
            )
        )
        before = db_snapshot(state)
        for r in (
            client.delete(f"/api/v1/reports/{report['id']}", headers=world.headers["lead"]),
            client.post(
                f"/api/v1/reports/{report['id']}/filing",
                json={"opinion": "again"},
                headers=world.headers["tech_lead"],
            ),
        ):
            assert r.status_code == 409 and r.json()["code"] == "R-FILE-2"
        assert db_snapshot(state) == before
        with state.sessions() as session:  # the ORM door
            row = session.get(Report, uuid.UUID(report["id"]))
            assert row is not None
            row.report_date = date(2020, 1, 1)
            with pytest.raises(RuleViolation):
                session.flush()
            session.rollback()
        for sql in ("UPDATE report SET report_date = '2020-01-01'", "DELETE FROM report"):  # raw SQL door
            with state.engine.connect() as conn, pytest.raises(DBAPIError, match="R-FILE-2"):
                conn.execute(text(sql))
        assert db_snapshot(state) == before

    def test_r_file_2_the_filing_row_never_changes(
        self, client: TestClient, world: Any, state: AppState
    ) -> None:
        """R-FILE-2: the filing record that makes the verify page say "filed" is protected like the
        report: the ORM and raw SQL can neither change nor delete it, and the page still says filed."""
        report = ok(generate(client, world, approved_plan(client, world)), 201)
        ok(
            client.post(
                f"/api/v1/reports/{report['id']}/filing",
                json={"opinion": "同意备案"},
                headers=world.headers["tech_lead"],
            )
        )
        before = db_snapshot(state)
        with state.sessions() as session:  # the ORM door: change, then delete
            filing = session.scalars(select(Filing)).one()
            filing.opinion = "改过的意见"
            with pytest.raises(RuleViolation, match="R-FILE-2"):
                session.flush()
            session.rollback()
            session.delete(session.scalars(select(Filing)).one())
            with pytest.raises(RuleViolation, match="R-FILE-2"):
                session.flush()
            session.rollback()
        for sql in (  # the raw SQL door
            "UPDATE filing SET opinion = 'forged'",
            "UPDATE filing SET report_id = report_id",
            "DELETE FROM filing",
        ):
            with state.engine.connect() as conn, pytest.raises(DBAPIError, match="R-FILE-2"):
                conn.execute(text(sql))
        assert db_snapshot(state) == before
        token = report["verify_url"].rsplit("/", 1)[-1]
        js = ok(client.get(f"/verify/{token}", headers={"Accept": "application/json"}))
        assert js["filed"] is True and js["genuine"] is True

    def test_verify_page_html_and_json(self, client: TestClient, world: Any) -> None:
        """R-FILE / R-RPT: the public page tells genuine from forged, and filed from not filed."""
        report = ok(generate(client, world, approved_plan(client, world)), 201)
        token = report["verify_url"].rsplit("/", 1)[-1]
        assert report["verify_url"].startswith("http://testserver/verify/")
        page = client.get(f"/verify/{token}")
        assert page.status_code == 200 and "未备案" in page.text and report["code"] in page.text
        ok(
            client.post(
                f"/api/v1/reports/{report['id']}/filing",
                json={"opinion": "同意"},
                headers=world.headers["tech_lead"],
            )
        )
        page = client.get(f"/verify/{token}")
        assert "已备案" in page.text and report["sha256"] in page.text
        js = ok(client.get(f"/verify/{token}", headers={"Accept": "application/json"}))
        assert js["genuine"] and js["filed"] and js["project"] == world.project_name
        forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        assert client.get(f"/verify/{forged}").status_code == 404
        assert "无效" in client.get(f"/verify/{forged}").text


def tracked_section(pdf: bytes) -> str:
    """The text of the report's previous-fault tracking section (以往故障处理跟踪, R-FAULT-1)."""
    flat = pdf_text(pdf).replace("\n", "")
    start = flat.index("以往故障处理跟踪")
    return flat[start : flat.index("现场证据", start)]


def dispose(client: TestClient, world: Any, fault_id: str, **body: Any) -> dict[str, Any]:
    """POST a disposition as the lead (asserts 200)."""
    return dict(
        ok(client.post(f"/api/v1/faults/{fault_id}/disposition", json=body, headers=world.headers["lead"]))
    )


def complete(client: TestClient, world: Any, task_id: str, who: str, *, resolved: bool) -> None:
    """Complete an investigation/repair task (asserts 200)."""
    ok(
        client.post(
            f"/api/v1/tasks/{task_id}/complete",
            json={"resolved": resolved, "note": "已处理" if resolved else "原因未明"},
            headers=world.headers[who],
        )
    )


class TestCarryOver:
    def test_r_fault_1_unresolved_faults_carry_over_until_resolved(
        self, client: TestClient, world: Any, clock: FrozenClock
    ) -> None:
        """R-FAULT-1: each later report tracks the earlier faults that are still open (refused,
        negotiating, investigated without result) and drops those resolved or out of scope."""
        plan = issue_all(client, world, make_plan(client, world))
        task = execute(client, world, [line["id"] for line in plan["lines"]], fails=5)
        faults = {f["measured_record"]: f for f in faults_of(client, world)}
        resolved, refused, negotiating, unresolved, closed = (faults[f"记录{i}：fail"] for i in range(5))
        inv = dispose(client, world, resolved["id"], kind="investigate", leader_id=world.people["op2"])
        complete(client, world, inv["open_task_id"], "op2", resolved=True)
        dispose(client, world, refused["id"], kind="owner_refused_repair", explanation="业主暂不同意")
        dispose(client, world, negotiating["id"], kind="negotiating")
        inv2 = dispose(client, world, unresolved["id"], kind="investigate", leader_id=world.people["op2"])
        complete(client, world, inv2["open_task_id"], "op2", resolved=False)
        dispose(client, world, closed["id"], kind="out_of_scope", explanation="业主自建部分")
        ok(
            client.post(
                f"/api/v1/tasks/{task['id']}/review",
                json={"verdict": "approve", "opinion": "同意"},
                headers=world.headers["lead"],
            )
        )
        october = ok(generate(client, world, plan), 201)
        ok(
            client.post(
                f"/api/v1/reports/{october['id']}/filing",
                json={"opinion": "同意"},
                headers=world.headers["tech_lead"],
            )
        )
        clock.set(datetime(2026, 11, 5, 2, 0, tzinfo=UTC))
        relogin(client, world)
        november = approved_plan(client, world, "2026-11")
        nov_report = ok(generate(client, world, november, "2026-11-20"), 201)
        tracked = tracked_section(client.get(nov_report["pdf_url"], headers=world.headers["lead"]).content)
        for fault in (refused, negotiating, unresolved):
            assert fault["code"] in tracked, fault["measured_record"]
        for fault in (resolved, closed):
            assert fault["code"] not in tracked, fault["measured_record"]
        assert f"2026年10月报告 {october['code']}" in tracked  # where each tracked fault was first listed

        # the unresolved one is repaired in November: the regenerated report no longer tracks it
        repair = dispose(
            client,
            world,
            unresolved["id"],
            kind="owner_approved_repair",
            leader_id=world.people["op1"],
            repair_plan="更换主电源模块",
        )
        complete(client, world, repair["open_task_id"], "op1", resolved=True)
        ok(client.delete(f"/api/v1/reports/{nov_report['id']}", headers=world.headers["lead"]), 204)
        regenerated = ok(generate(client, world, november, "2026-11-20"), 201)
        tracked = tracked_section(client.get(regenerated["pdf_url"], headers=world.headers["lead"]).content)
        assert unresolved["code"] not in tracked
        assert refused["code"] in tracked and negotiating["code"] in tracked


def race(base_url: str, requests: list[tuple[str, dict[str, Any], dict[str, str]]]) -> list[httpx.Response]:
    """POST each ``(path, json, headers)`` from its own thread and connection, released together."""
    barrier = threading.Barrier(len(requests))
    answers: list[httpx.Response | None] = [None] * len(requests)

    def post(i: int) -> None:
        path, body, headers = requests[i]
        with httpx.Client(base_url=base_url, timeout=30) as c:
            barrier.wait()
            answers[i] = c.post(path, json=body, headers=headers)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(a is not None for a in answers)
    return [a for a in answers if a is not None]


class TestConcurrentDecisions:
    def test_two_concurrent_approvals_one_wins_other_409(
        self, world: Any, state: AppState, client: TestClient
    ) -> None:
        """R-REV: exactly one of two decisions racing over real connections wins (on SQLite and
        PostgreSQL); the other gets 409 naming who decided first, and changes nothing."""
        plan = issue_all(client, world, make_plan(client, world))
        task = execute(client, world, [plan["lines"][0]["id"]])
        path = f"/api/v1/tasks/{task['id']}/review"
        with live_server(state) as (base_url, _):
            answers = race(
                base_url,
                [
                    (path, {"verdict": "approve", "opinion": who}, world.headers[who])
                    for who in ("lead", "tech_lead")
                ],
            )
            after_race = db_snapshot(state)
            assert sorted(a.status_code for a in answers) == [200, 409]
            (winner,) = [a for a in answers if a.status_code == 200]
            (loser,) = [a for a in answers if a.status_code == 409]
            winner_name = winner.json()["reviews"][0]["reviewer_name"]
            assert loser.json()["code"] == "task_already_reviewed"
            assert winner_name in loser.json()["message"] and "approved" in loser.json()["message"]
            # the loser's retry is refused the same way and writes nothing
            again = client.post(path, json={"verdict": "approve"}, headers=world.headers["lead"])
            assert again.status_code == 409 and db_snapshot(state) == after_race
        reviews = ok(client.get(f"/api/v1/tasks/{task['id']}", headers=world.headers["lead"]))["reviews"]
        assert len(reviews) == 1

    def test_postgresql_racing_dispositions_and_filings_one_wins(
        self, world: Any, state: AppState, client: TestClient
    ) -> None:
        """On PostgreSQL (row locks ``SELECT … FOR UPDATE`` over real connections): of two
        investigations ordered at once for one fault (R-FAULT), and of two filings of one report
        (R-FILE-2), exactly one wins; the other gets 409 and leaves no trace."""
        require_postgresql(state)
        plan = issue_all(client, world, make_plan(client, world))
        task = execute(client, world, [line["id"] for line in plan["lines"]], fails=1)
        (fault,) = faults_of(client, world)
        with live_server(state) as (base_url, _):
            path = f"/api/v1/faults/{fault['id']}/disposition"
            answers = race(
                base_url,
                [
                    (path, {"kind": "investigate", "leader_id": world.people[leader]}, world.headers[who])
                    for who, leader in (("lead", "op1"), ("tech_lead", "op2"))
                ],
            )
            assert sorted(a.status_code for a in answers) == [200, 409]
            (loser,) = [a for a in answers if a.status_code == 409]
            assert loser.json()["code"] == "conflict" and "investigating" in loser.json()["message"]
            disposed = ok(client.get(f"/api/v1/faults/{fault['id']}", headers=world.headers["lead"]))
            assert [h["step"] for h in disposed["history"]].count("生成待下达排查任务") == 1
            with state.sessions() as s:
                open_tasks = s.scalars(select(Task).where(Task.fault_id == uuid.UUID(fault["id"]))).all()
                assert len(open_tasks) == 1 and str(open_tasks[0].executor_id) == disposed["leader_id"]
            ok(
                client.post(
                    f"/api/v1/tasks/{task['id']}/review",
                    json={"verdict": "approve"},
                    headers=world.headers["lead"],
                )
            )
            report = ok(generate(client, world, plan), 201)
            path = f"/api/v1/reports/{report['id']}/filing"
            answers = race(
                base_url, [(path, {"opinion": f"同意{i}"}, world.headers["tech_lead"]) for i in range(2)]
            )
            assert sorted(a.status_code for a in answers) == [200, 409]
            (loser,) = [a for a in answers if a.status_code == 409]
            assert loser.json()["code"] == "R-FILE-2"
        with state.sessions() as s:
            assert s.scalar(select(func.count()).select_from(Filing)) == 1

    def test_postgresql_one_extra_task_ticked_into_two_reports_at_once(
        self, world: Any, state: AppState, client: TestClient
    ) -> None:
        """R-TASK-2 on PostgreSQL: the October and the November report generated at the same moment,
        both ticking the same supplementary task (each locks only its own plan row). The ticked task
        row is locked before the "already covered" check, so exactly one report takes it (201) and
        the other is refused 422 on ``extra_task_ids`` naming the winner's report, writing nothing."""
        require_postgresql(state)
        october, november = approved_plan(client, world), approved_plan(client, world, "2026-11")
        extra = run(client, world, supplementary(client, world), "op1")
        ok(review(client, world, extra["id"]))
        with live_server(state) as (base_url, _):
            answers = race(
                base_url,
                [
                    (
                        f"/api/v1/plans/{plan['id']}/report",
                        {
                            "report_date": "2026-10-20",
                            "service_date": "2026-10-20",
                            "extra_task_ids": [extra["id"]],
                        },
                        world.headers["lead"],
                    )
                    for plan in (october, november)
                ],
            )
        assert sorted(a.status_code for a in answers) == [201, 422], [a.text for a in answers]
        (winner,) = [a.json() for a in answers if a.status_code == 201]
        (loser,) = [a.json() for a in answers if a.status_code == 422]
        assert loser["field"] == "extra_task_ids" and winner["code"] in loser["message"]
        assert extra["id"] in winner["task_ids"]
        with state.sessions() as s:
            assert s.scalar(select(func.count()).select_from(Report)) == 1
            assert s.scalar(select(func.count()).where(ReportTask.task_id == uuid.UUID(extra["id"]))) == 1
        lost_plan = november if winner["plan_id"] == october["id"] else october
        before = db_snapshot(state)
        again = client.post(
            f"/api/v1/plans/{lost_plan['id']}/report",
            json={"report_date": "2026-10-20", "service_date": "2026-10-20", "extra_task_ids": [extra["id"]]},
            headers=world.headers["lead"],
        )
        assert again.status_code == 422 and winner["code"] in again.json()["message"]
        assert db_snapshot(state) == before


class TestCoverageAtTheDatabaseDoor:
    def test_r_task_2_a_task_is_in_one_live_report_only(
        self, client: TestClient, world: Any, state: AppState
    ) -> None:
        """R-TASK-2 / R-RPT-2 at the database door: raw SQL cannot put a task covered by a live
        report into a second live report (partial unique index on live ``report_task`` rows), while
        the rows of a deleted report stay (not live) and its tasks join the regenerated report."""
        plan = approved_plan(client, world)
        first = ok(generate(client, world, plan), 201)
        ok(client.delete(f"/api/v1/reports/{first['id']}", headers=world.headers["lead"]), 204)
        second = ok(generate(client, world, plan), 201)
        assert second["task_ids"] == first["task_ids"]
        task_id = uuid.UUID(second["task_ids"][0])
        with state.sessions() as s:
            rows = s.execute(
                select(ReportTask.report_id, ReportTask.live).where(ReportTask.task_id == task_id)
            )
            assert dict(rows.all()) == {
                uuid.UUID(first["id"]): False,
                uuid.UUID(second["id"]): True,
            }
        revive = update(ReportTask).where(ReportTask.report_id == uuid.UUID(first["id"])).values(live=True)
        with state.engine.connect() as conn, pytest.raises(IntegrityError, match="report_task"):
            conn.execute(revive)  # a second live row for each of its tasks: refused


PDFTOPPM, ZBARIMG = shutil.which("pdftoppm"), shutil.which("zbarimg")


@pytest.mark.skipif(
    PDFTOPPM is None or ZBARIMG is None,
    reason="needs pdftoppm and zbarimg: apt-get install -y poppler-utils zbar-tools",
)
def test_qr_code_of_a_filed_report_answers_filed_over_http(
    world: Any, state: AppState, tmp_path: Path
) -> None:
    """R-RPT / R-FILE: the QR code printed on page 1 of a report generated and filed through a real
    server decodes to the report's verify URL, and that URL, fetched from the server, says 已备案."""
    assert PDFTOPPM is not None and ZBARIMG is not None
    with live_server(state) as (base_url, _), httpx.Client(base_url=base_url, timeout=30) as http:
        plan = approved_plan(http, world)  # an httpx.Client drives the same API
        report = ok(generate(http, world, plan), 201)
        report = ok(
            http.post(
                f"/api/v1/reports/{report['id']}/filing",
                json={"opinion": "同意备案"},
                headers=world.headers["tech_lead"],
            )
        )
        pdf = http.get(report["pdf_url"], headers=world.headers["lead"])
        assert pdf.status_code == 200
        source = tmp_path / "report.pdf"
        source.write_bytes(pdf.content)
        render = [PDFTOPPM, "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", str(source)]
        subprocess.run([*render, str(tmp_path / "page1")], check=True, timeout=60)  # noqa: S603
        scan = [ZBARIMG, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(tmp_path / "page1.png")]
        decoded = subprocess.run(scan, capture_output=True, text=True, check=True, timeout=60)  # noqa: S603
        url = decoded.stdout.strip()
        assert url == report["verify_url"] and url.startswith(f"{base_url}/verify/")
        with httpx.Client(timeout=30) as browser:  # a phone scanning the code: no login, the full URL
            page = browser.get(url)
            assert page.status_code == 200 and "已备案" in page.text and report["code"] in page.text
            js = browser.get(url, headers={"Accept": "application/json"}).json()
        assert js["filed"] is True and js["genuine"] is True and js["report_number"] == report["code"]


def test_r_con_1_raw_sql_cannot_change_contract_dates(world: Any, state: AppState) -> None:
    """R-CON-1 at the database door: a trigger refuses raw SQL that changes a contract's dates."""
    with state.engine.connect() as conn, pytest.raises(DBAPIError, match="R-CON-1"):
        conn.execute(text("UPDATE contract SET ends_on = '2030-01-01'"))
    with state.engine.begin() as conn:
        conn.execute(text("UPDATE contract SET name = name || '（补充）'"))  # other columns may change
