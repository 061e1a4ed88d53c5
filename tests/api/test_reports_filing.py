"""Reports, filing and verification (R-RPT, R-FILE, R-FAULT-1) through the API."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from api.app import create_app
from api.demo import ok
from api.deps import AppState
from engine.clock import FrozenClock
from engine.errors import RuleViolation
from tests.api.month_helpers import approved_plan, execute, faults_of, generate, issue_all, make_plan, relogin
from tests.api.test_maintenance_month import pdf_text
from tests.conftest import db_snapshot
from workflows.context import Ctx
from workflows.filings.calendar import filing_deadline
from workflows.reports.models import Report


class TestGenerate:
    def test_r_rpt_all_lines_approved_first(self, client: TestClient, world: Any, state: AppState) -> None:
        plan = issue_all(client, world, make_plan(client, world))
        execute(client, world, [plan["lines"][0]["id"]])
        before = db_snapshot(state)
        r = generate(client, world, plan)
        assert r.status_code == 409 and r.json()["code"] == "R-RPT"
        assert db_snapshot(state) == before

    def test_r_rpt_1_tasks_submitted_after_month_end(
        self, client: TestClient, world: Any, clock: FrozenClock
    ) -> None:
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
        r = generate(client, world, plan, "2026-11-01")
        assert r.status_code == 409 and r.json()["code"] == "R-RPT-1"

    def test_r_rpt_2_delete_and_regenerate_until_filed(self, client: TestClient, world: Any) -> None:
        plan = approved_plan(client, world)
        first = ok(generate(client, world, plan), 201)
        again = generate(client, world, plan)
        assert again.status_code == 409 and again.json()["code"] == "R-RPT-2"
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

    def test_report_pdf_is_deterministic_and_chinese(self, client: TestClient, world: Any) -> None:
        plan = approved_plan(client, world, fails=1)
        report = ok(generate(client, world, plan), 201)
        pdf = client.get(report["pdf_url"], headers=world.headers["lead"])
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        body = pdf_text(pdf.content)
        assert "西宁万达广场" in body and "不符合" in body and report["code"] in body


class TestFiling:
    def test_r_file_1_deadline_skips_national_day(
        self, client: TestClient, world: Any, clock: FrozenClock, state: AppState
    ) -> None:
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

    def test_only_a_technical_lead_files(self, client: TestClient, world: Any, state: AppState) -> None:
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
        report = ok(generate(client, world, approved_plan(client, world)), 201)
        ok(
            client.post(
                f"/api/v1/reports/{report['id']}/filing",
                json={"opinion": "同意"},
                headers=world.headers["tech_lead"],
            )
        )
        for r in (
            client.delete(f"/api/v1/reports/{report['id']}", headers=world.headers["lead"]),
            client.post(
                f"/api/v1/reports/{report['id']}/filing",
                json={"opinion": "again"},
                headers=world.headers["tech_lead"],
            ),
        ):
            assert r.status_code == 409 and r.json()["code"] == "R-FILE-2"
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
        assert (
            ok(client.get(f"/api/v1/reports/{report['id']}", headers=world.headers["lead"]))["sha256"]
            == report["sha256"]
        )

    def test_verify_page_html_and_json(self, client: TestClient, world: Any) -> None:
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


class TestCarryOver:
    def test_r_fault_1_unresolved_faults_carry_over(
        self, client: TestClient, world: Any, clock: FrozenClock
    ) -> None:
        october = approved_plan(client, world, fails=1, disposition="negotiating")
        oct_report = ok(generate(client, world, october), 201)
        ok(
            client.post(
                f"/api/v1/reports/{oct_report['id']}/filing",
                json={"opinion": "同意"},
                headers=world.headers["tech_lead"],
            )
        )
        (fault,) = faults_of(client, world)
        clock.set(datetime(2026, 11, 5, 2, 0, tzinfo=UTC))
        relogin(client, world)
        november = approved_plan(client, world, "2026-11")
        nov_report = ok(generate(client, world, november, "2026-11-20"), 201)
        body = pdf_text(client.get(nov_report["pdf_url"], headers=world.headers["lead"]).content)
        assert "以往故障" in body and fault["code"] in body
        ok(
            client.post(
                f"/api/v1/faults/{fault['id']}/disposition",
                json={"kind": "out_of_scope", "explanation": "业主自建部分"},
                headers=world.headers["lead"],
            )
        )
        ok(client.delete(f"/api/v1/reports/{nov_report['id']}", headers=world.headers["lead"]), 204)
        regenerated = ok(generate(client, world, november, "2026-11-20"), 201)
        body = pdf_text(client.get(regenerated["pdf_url"], headers=world.headers["lead"]).content)
        assert fault["code"] not in body  # closed (out of scope): no longer tracked


class TestConcurrentReview:
    def test_two_concurrent_approvals_one_wins_other_409(
        self, world: Any, state: AppState, client: TestClient
    ) -> None:
        """Exactly one decision wins over real concurrent connections; the other gets 409."""
        plan = issue_all(client, world, make_plan(client, world))
        task = execute(client, world, [plan["lines"][0]["id"]])
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(state.settings, state=state), host="127.0.0.1", port=0, log_level="warning"
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            threading.Event().wait(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        barrier = threading.Barrier(2)
        statuses: list[int] = []

        def approve(who: str) -> None:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as c:
                barrier.wait()
                r = c.post(
                    f"/api/v1/tasks/{task['id']}/review",
                    json={"verdict": "approve", "opinion": who},
                    headers=world.headers[who],
                )
                statuses.append(r.status_code)

        threads = [threading.Thread(target=approve, args=(w,)) for w in ("lead", "tech_lead")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        server.should_exit = True
        thread.join(timeout=10)
        assert sorted(statuses) == [200, 409]
        reviews = ok(client.get(f"/api/v1/tasks/{task['id']}", headers=world.headers["lead"]))["reviews"]
        assert len(reviews) == 1


def test_r_con_1_raw_sql_cannot_change_contract_dates(world: Any, state: AppState) -> None:
    """R-CON-1 at the database door: a trigger refuses raw SQL that changes a contract's dates."""
    with state.engine.connect() as conn, pytest.raises(DBAPIError, match="R-CON-1"):
        conn.execute(text("UPDATE contract SET ends_on = '2030-01-01'"))
    with state.engine.begin() as conn:
        conn.execute(text("UPDATE contract SET name = name || '（补充）'"))  # other columns may change
