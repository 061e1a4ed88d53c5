"""The maintenance month end to end through the REST API (SPEC §5), and the rules it must keep."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select

from api.demo import ok, run_month
from api.deps import AppState
from engine.clock import FrozenClock, business_date
from engine.processes.models import WorkItem, WorkItemState
from tests.api.month_helpers import execute, faults_of, issue_all, make_plan, relogin
from tests.conftest import db_snapshot
from workflows.audit.models import AuditEntry
from workflows.plans.models import PlanLine


def pdf_text(content: bytes) -> str:
    """All text of a PDF (proves the Chinese is real text, not tofu)."""
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


class TestWholeMonth:
    def test_demo_month_ends_filed_and_verifiable(
        self, client: TestClient, world: Any, state: AppState
    ) -> None:
        """Two executors, a rejection, five dispositions, report, filing (R-REV, R-FAULT, R-RPT, R-FILE)."""
        month = run_month(client, world, today=business_date(state.clock.now()))
        assert month.report["status"] == "filed"
        assert month.report["filing"]["late"] is False
        assert hashlib.sha256(month.pdf).hexdigest() == month.report["sha256"]
        assert month.verify == month.verify | {
            "genuine": True,
            "filed": True,
            "report_number": month.report["code"],
        }
        text_ = pdf_text(month.pdf)
        assert "维护保养" in text_ and world.project_name in text_
        flat = text_.replace(" ", "").replace("\n", "")
        # this period's five faults: refused, negotiating, out of scope, and two resolved (R-FAULT)
        assert (
            "排查中的故障有0项，维修中的故障有0项，业主不同意维修的故障有1项，与业主协商中的故障有1项，"
            "不在合同范围内的故障有1项，已解决的故障有2项。"
        ) in flat
        statuses = sorted(f["status"] for f in month.faults.values())
        assert statuses == sorted(["resolved", "resolved", "refused", "out_of_scope", "negotiating"])
        investigated = next(f for f in month.faults.values() if f["disposition"] == "investigate")
        steps = [h["step"] for h in investigated["history"]]
        assert steps == [
            "发现故障",
            "生成待下达排查任务",
            "下达排查任务",
            "接收排查任务",
            "执行排查任务",
            "完成排查任务：已解决",
        ]
        rejected = next(t for t in month.tasks.values() if len(t["reviews"]) == 2)
        assert [r["verdict"] for r in rejected["reviews"]] == ["reject", "approve"]
        with state.sessions() as s:
            open_items = s.scalars(
                select(WorkItem).where(
                    WorkItem.state == WorkItemState.READY, WorkItem.project_id == uuid.UUID(world.project_id)
                )
            ).all()
            # only the tracked faults (refused, negotiating) wait for a later disposition, beside the
            # project's lifecycle step that is open as long as the project is active (R-LIFE)
            assert sorted(w.bpmn_id for w in open_items) == [
                "terminate_project",
                "track_fault",
                "track_fault",
            ]
            assert s.scalar(select(AuditEntry.id).where(AuditEntry.action == "report.filed")) is not None

    def test_inbox_shows_next_steps(self, client: TestClient, world: Any) -> None:
        """Work items (R-PLAN issue, R-TASK execute, R-REV review): a ready user task is in the right
        person's inbox with links to act."""
        plan = make_plan(client, world)
        lead_inbox = ok(client.get("/api/v1/inbox", headers=world.headers["lead"]))
        assert [i["step"] for i in lead_inbox] == ["issue_plan"]
        plan = issue_all(client, world, plan)
        lines = [line["id"] for line in plan["lines"]]
        task = execute(client, world, lines[:3], submit=False)
        op_inbox = ok(client.get("/api/v1/inbox", headers=world.headers["op1"]))
        assert [(i["step"], i["subject_id"]) for i in op_inbox] == [("execute_task", task["id"])]
        ok(
            client.post(
                f"/api/v1/tasks/{task['id']}/submit",
                json={"latitude": 36.6172, "longitude": 101.7783},
                headers=world.headers["op1"],
            )
        )
        review = [
            i
            for i in ok(client.get("/api/v1/inbox", headers=world.headers["lead"]))
            if i["step"] == "review_task"
        ]
        assert review[0]["links"]["action"] == f"/api/v1/tasks/{task['id']}/review"
        tech = [i["step"] for i in ok(client.get("/api/v1/inbox", headers=world.headers["tech_lead"]))]
        assert "review_task" in tech
        assert ok(client.get("/api/v1/inbox", headers=world.headers["op2"])) == []


class TestReviewRules:
    def test_r_rev_1_approve_refused_while_a_fault_is_undisposed(
        self, client: TestClient, world: Any, state: AppState
    ) -> None:
        """R-REV-1: a maintenance task is approved only once every fault it raised has a disposition."""
        plan = issue_all(client, world, make_plan(client, world))
        task = execute(client, world, [plan["lines"][0]["id"], plan["lines"][1]["id"]], fails=1)
        before = db_snapshot(state)
        r = client.post(
            f"/api/v1/tasks/{task['id']}/review",
            json={"verdict": "approve", "opinion": "ok"},
            headers=world.headers["lead"],
        )
        assert r.status_code == 409 and r.json()["code"] == "R-REV-1"
        assert db_snapshot(state) == before  # a refused request changes no row
        (fault,) = faults_of(client, world)
        ok(
            client.post(
                f"/api/v1/faults/{fault['id']}/disposition",
                json={"kind": "negotiating"},
                headers=world.headers["lead"],
            )
        )
        approved = ok(
            client.post(
                f"/api/v1/tasks/{task['id']}/review",
                json={"verdict": "approve", "opinion": ""},
                headers=world.headers["lead"],
            )
        )
        assert approved["state"] == "approved"

    def test_r_rev_2_reject_clears_dispositions(self, client: TestClient, world: Any) -> None:
        """R-REV-2: rejecting voids the task's faults and their dispositions (the investigation task
        is cancelled); the executor resubmits and fresh, undisposed faults are raised."""
        plan = issue_all(client, world, make_plan(client, world))
        task = execute(client, world, [plan["lines"][0]["id"]], fails=1)
        (fault,) = faults_of(client, world)
        disposed = ok(
            client.post(
                f"/api/v1/faults/{fault['id']}/disposition",
                json={"kind": "investigate", "leader_id": world.people["op2"]},
                headers=world.headers["lead"],
            )
        )
        assert disposed["status"] == "investigating" and disposed["open_task_id"]
        ok(
            client.post(
                f"/api/v1/tasks/{task['id']}/review",
                json={"verdict": "reject", "opinion": "重拍"},
                headers=world.headers["lead"],
            )
        )
        assert faults_of(client, world) == []  # the old fault is void: its disposition was cleared
        inv = ok(client.get(f"/api/v1/tasks/{disposed['open_task_id']}", headers=world.headers["lead"]))
        assert inv["state"] == "cancelled"
        assert (
            client.post(
                f"/api/v1/tasks/{disposed['open_task_id']}/complete",
                json={"resolved": True},
                headers=world.headers["op2"],
            ).status_code
            == 409
        )
        resubmitted = ok(
            client.post(
                f"/api/v1/tasks/{task['id']}/submit",
                json={"latitude": 36.6172, "longitude": 101.7783},
                headers=world.headers["op1"],
            )
        )
        assert resubmitted["round"] == 2
        (fresh,) = faults_of(client, world)
        assert fresh["status"] == "pending" and fresh["disposition"] is None and fresh["id"] != fault["id"]

    def test_reject_needs_an_opinion_and_a_reviewer(self, client: TestClient, world: Any) -> None:
        """R-REV: a rejection carries an opinion; only reviewers of the project decide."""
        plan = issue_all(client, world, make_plan(client, world))
        task = execute(client, world, [plan["lines"][0]["id"]])
        r = client.post(
            f"/api/v1/tasks/{task['id']}/review",
            json={"verdict": "reject", "opinion": " "},
            headers=world.headers["lead"],
        )
        assert r.status_code == 422 and r.json()["field"] == "opinion"
        r = client.post(
            f"/api/v1/tasks/{task['id']}/review", json={"verdict": "approve"}, headers=world.headers["op2"]
        )
        assert r.status_code == 404  # op2 has no business with this task
        r = client.post(
            f"/api/v1/tasks/{task['id']}/review", json={"verdict": "maybe"}, headers=world.headers["lead"]
        )
        assert r.status_code == 422 and r.json()["field"] == "verdict"


class TestTaskRules:
    def test_r_task_1_fail_needs_a_photo(self, client: TestClient, world: Any, state: AppState) -> None:
        """R-TASK-1: a task with a fail result and no photo of it is not submitted (422, no row)."""
        plan = issue_all(client, world, make_plan(client, world))
        line = plan["lines"][0]["id"]
        h = world.headers["op1"]
        task = ok(client.post("/api/v1/tasks", json={"line_ids": [line]}, headers=h), 201)
        ok(
            client.put(
                f"/api/v1/tasks/{task['id']}/results/{line}",
                json={"outcome": "fail", "measured_record": "坏"},
                headers=h,
            )
        )
        from tests.api.month_helpers import photo

        photo(client, h, task["id"], None, kind="selfie")
        before = db_snapshot(state)
        r = client.post(
            f"/api/v1/tasks/{task['id']}/submit", json={"latitude": 36.6, "longitude": 101.7}, headers=h
        )
        assert r.status_code == 422 and r.json()["field"] == "photos" and "R-TASK-1" in r.json()["message"]
        assert db_snapshot(state) == before

    def test_photos_are_checked_by_content(self, client: TestClient, world: Any) -> None:
        """R-TASK: photos are JPEG/PNG by content (415) and at most 10 MB (413)."""
        plan = issue_all(client, world, make_plan(client, world))
        line = plan["lines"][0]["id"]
        h = world.headers["op1"]
        task = ok(client.post("/api/v1/tasks", json={"line_ids": [line]}, headers=h), 201)
        url = f"/api/v1/tasks/{task['id']}/photos"
        fake = client.post(
            url,
            data={"kind": "item", "line_id": line},
            files={"file": ("x.jpg", b"%PDF-1.4 not a photo", "image/jpeg")},
            headers=h,
        )
        assert fake.status_code == 415
        big = client.post(
            url,
            data={"kind": "selfie"},
            files={"file": ("x.jpg", b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024), "image/jpeg")},
            headers=h,
        )
        assert big.status_code == 413

    def test_r_plan_3_expired_plan_cannot_be_received(
        self, client: TestClient, world: Any, clock: FrozenClock, state: AppState
    ) -> None:
        """R-PLAN-3: once the period is over an executor cannot build a task from its issued lines
        (409, nothing written)."""
        plan = issue_all(client, world, make_plan(client, world))
        clock.advance(timedelta(days=30))  # 2026-11-07: October is over
        relogin(client, world)
        before = db_snapshot(state)
        r = client.post(
            "/api/v1/tasks", json={"line_ids": [plan["lines"][0]["id"]]}, headers=world.headers["op1"]
        )
        assert r.status_code == 409 and r.json()["code"] == "R-PLAN-3"
        assert db_snapshot(state) == before

    def test_r_plan_3_expired_plan_cannot_be_issued(
        self, client: TestClient, world: Any, clock: FrozenClock, state: AppState
    ) -> None:
        """R-PLAN-3 at issue time: lines of a plan whose period has ended cannot be issued to an
        executor (who could not receive them); on the period's last evening it still works."""
        plan = make_plan(client, world)
        lines = [line["id"] for line in plan["lines"]]
        clock.set(datetime(2026, 10, 31, 15, 30, tzinfo=UTC))  # 2026-10-31 23:30 in Shanghai
        relogin(client, world)
        ok(
            client.post(
                f"/api/v1/plans/{plan['id']}/issue",
                json={"line_ids": lines[:1], "executor_id": world.people["op1"]},
                headers=world.headers["lead"],
            )
        )
        clock.set(datetime(2026, 10, 31, 16, 30, tzinfo=UTC))  # 2026-11-01 00:30 in Shanghai
        before = db_snapshot(state)
        r = client.post(
            f"/api/v1/plans/{plan['id']}/issue",
            json={"line_ids": lines[1:], "executor_id": world.people["op1"]},
            headers=world.headers["lead"],
        )
        assert r.status_code == 409 and r.json()["code"] == "R-PLAN-3"
        assert "过期" in r.json()["message"]
        assert db_snapshot(state) == before

    def test_geofence_distance_recorded(self, client: TestClient, world: Any) -> None:
        """R-TASK: the submitter's GPS position is kept with its distance to the project geofence."""
        plan = issue_all(client, world, make_plan(client, world))
        far = execute(client, world, [plan["lines"][0]["id"]], position=(36.64, 101.78))
        near = execute(client, world, [plan["lines"][1]["id"]], position=(36.6171, 101.7782))
        assert far["within_geofence"] is False and far["distance_m"] > 2000
        assert near["within_geofence"] is True and near["distance_m"] < 1


class TestPlanRules:
    def test_r_plan_2_unissued_plan_is_deleted(self, client: TestClient, world: Any, state: AppState) -> None:
        """R-PLAN-2, first branch: a plan with no issued line is deleted at once, lines, process and
        inbox item with it."""
        plan = make_plan(client, world)
        lead = world.headers["lead"]
        assert client.delete(f"/api/v1/plans/{plan['id']}", headers=lead).status_code == 204
        assert client.get(f"/api/v1/plans/{plan['id']}", headers=lead).status_code == 404
        with state.sessions() as s:
            assert s.scalar(select(func.count()).select_from(PlanLine)) == 0
        assert ok(client.get("/api/v1/inbox", headers=lead)) == []

    def test_r_plan_2_issued_plan_needs_its_lines_revoked_first(
        self, client: TestClient, world: Any, state: AppState
    ) -> None:
        """R-PLAN-2, second branch: issued but not executed → 409 naming the fix (revoke the lines),
        nothing deleted; after revoking, the delete goes through."""
        plan = make_plan(client, world)
        lines = [line["id"] for line in plan["lines"]]
        lead = world.headers["lead"]
        ok(
            client.post(
                f"/api/v1/plans/{plan['id']}/issue",
                json={"line_ids": lines[:2], "executor_id": world.people["op1"]},
                headers=lead,
            )
        )
        before = db_snapshot(state)
        r = client.delete(f"/api/v1/plans/{plan['id']}", headers=lead)
        assert r.status_code == 409 and r.json()["code"] == "R-PLAN-2"
        assert "撤回" in r.json()["message"] and "revoke" in r.json()["message"]
        assert db_snapshot(state) == before
        revoked = ok(
            client.post(f"/api/v1/plans/{plan['id']}/revoke", json={"line_ids": lines[:2]}, headers=lead)
        )
        assert revoked["issued_count"] == 0
        assert client.delete(f"/api/v1/plans/{plan['id']}", headers=lead).status_code == 204
        assert client.get(f"/api/v1/plans/{plan['id']}", headers=lead).status_code == 404

    def test_r_plan_2_executed_plan_needs_the_task_dropped_first(
        self, client: TestClient, world: Any, state: AppState
    ) -> None:
        """R-PLAN-2, third branch: executed → neither delete nor revoke (409, no row changes) until the
        executor drops the unsubmitted task; a submitted task cannot be dropped at all."""
        plan = make_plan(client, world)
        lines = [line["id"] for line in plan["lines"]]
        lead = world.headers["lead"]
        ok(
            client.post(
                f"/api/v1/plans/{plan['id']}/issue",
                json={"line_ids": lines[:2], "executor_id": world.people["op1"]},
                headers=lead,
            )
        )
        draft = execute(client, world, lines[:1], submit=False)
        submitted = execute(client, world, lines[1:2])
        before = db_snapshot(state)
        r = client.delete(f"/api/v1/plans/{plan['id']}", headers=lead)
        assert r.status_code == 409 and r.json()["code"] == "R-PLAN-2"
        assert "删除未提交任务" in r.json()["message"] and "drop" in r.json()["message"]
        r = client.post(f"/api/v1/plans/{plan['id']}/revoke", json={"line_ids": lines[:1]}, headers=lead)
        assert r.status_code == 409 and r.json()["code"] == "R-PLAN-2"
        r = client.delete(f"/api/v1/tasks/{submitted['id']}", headers=world.headers["op1"])
        assert r.status_code == 409
        assert db_snapshot(state) == before
        assert client.delete(f"/api/v1/tasks/{draft['id']}", headers=world.headers["op1"]).status_code == 204
        ok(client.post(f"/api/v1/plans/{plan['id']}/revoke", json={"line_ids": lines[:1]}, headers=lead))
        r = client.delete(f"/api/v1/plans/{plan['id']}", headers=lead)
        assert (
            r.status_code == 409 and r.json()["code"] == "R-PLAN-2"
        )  # the submitted task still holds a line
        assert ok(client.get(f"/api/v1/plans/{plan['id']}", headers=lead))["lines"][0]["state"] == "unissued"

    def test_ignore_restore_and_duplicate_period(self, client: TestClient, world: Any) -> None:
        """R-PLAN: lines are ignored and restored; one plan per period; R-PRJ-2: none before the
        first plan month; a malformed period is 422 on ``period``."""
        plan = make_plan(client, world)
        first = plan["lines"][0]["id"]
        ignored = ok(
            client.post(
                f"/api/v1/plans/{plan['id']}/ignore",
                json={"line_ids": [first]},
                headers=world.headers["lead"],
            )
        )
        assert ignored["ignored_count"] == 1
        restored = ok(
            client.post(
                f"/api/v1/plans/{plan['id']}/restore",
                json={"line_ids": [first]},
                headers=world.headers["lead"],
            )
        )
        assert restored["ignored_count"] == 0
        r = client.post(
            f"/api/v1/projects/{world.project_id}/plans",
            json={"nature": "month", "period": "2026-10"},
            headers=world.headers["lead"],
        )
        assert r.status_code == 409
        r = client.post(
            f"/api/v1/projects/{world.project_id}/plans",
            json={"nature": "month", "period": "2026-13"},
            headers=world.headers["lead"],
        )
        assert r.status_code == 422 and r.json()["field"] == "period"
        r = client.post(
            f"/api/v1/projects/{world.project_id}/plans",
            json={"nature": "month", "period": "2026-08"},
            headers=world.headers["lead"],
        )
        assert r.status_code == 409 and r.json()["code"] == "R-PRJ-2"
