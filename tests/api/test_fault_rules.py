"""Fault handling paths (R-FAULT), extra tasks in reports (R-TASK-2) and the audit trail."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.demo import ok
from api.deps import AppState
from tests.api.month_helpers import approved_plan, execute, faults_of, generate, issue_all, make_plan
from tests.conftest import db_snapshot
from workflows.audit.models import AuditEntry


def one_fault(client: TestClient, world: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    plan = issue_all(client, world, make_plan(client, world))
    task = execute(client, world, [plan["lines"][0]["id"]], fails=1)
    (fault,) = faults_of(client, world)
    return task, fault


def dispose(client: TestClient, world: Any, fault_id: str, **body: Any) -> Any:
    return client.post(f"/api/v1/faults/{fault_id}/disposition", json=body, headers=world.headers["lead"])


class TestDispositions:
    def test_unresolved_investigation_goes_back_for_a_new_disposition(
        self, client: TestClient, world: Any
    ) -> None:
        """R-FAULT: an unresolved investigation stays in progress and is disposed again."""
        _, fault = one_fault(client, world)
        f = ok(dispose(client, world, fault["id"], kind="investigate", leader_id=world.people["op2"]))
        ok(
            client.post(
                f"/api/v1/tasks/{f['open_task_id']}/complete",
                json={"resolved": False, "note": "原因未明"},
                headers=world.headers["op2"],
            )
        )
        after = ok(client.get(f"/api/v1/faults/{fault['id']}", headers=world.headers["lead"]))
        assert after["status"] == "investigating" and after["open_task_id"] is None
        assert after["history"][-1]["step"] == "完成排查任务：未解决"
        inbox = ok(client.get("/api/v1/inbox", headers=world.headers["lead"]))
        assert ("dispose_fault", fault["id"]) in [(i["step"], i["subject_id"]) for i in inbox]
        again = ok(
            dispose(
                client,
                world,
                fault["id"],
                kind="owner_approved_repair",
                leader_id=world.people["op1"],
                repair_plan="更换控制器电源模块",
            )
        )
        assert again["status"] == "repairing" and again["open_task_id"] not in (None, f["open_task_id"])

    def test_owner_refusal_can_later_become_an_approved_repair(self, client: TestClient, world: Any) -> None:
        """R-FAULT: refused is tracked (track_fault) and can become owner-approved repair."""
        _, fault = one_fault(client, world)
        refused = ok(
            dispose(client, world, fault["id"], kind="owner_refused_repair", explanation="业主暂不同意")
        )
        assert refused["status"] == "refused"
        inbox = [i["step"] for i in ok(client.get("/api/v1/inbox", headers=world.headers["lead"]))]
        assert "track_fault" in inbox
        repaired = ok(
            dispose(
                client,
                world,
                fault["id"],
                kind="owner_approved_repair",
                leader_id=world.people["op1"],
                repair_plan="补充燃油至满足3h运行",
            )
        )
        ok(
            client.post(
                f"/api/v1/tasks/{repaired['open_task_id']}/complete",
                json={"resolved": True, "note": "已补油"},
                headers=world.headers["op1"],
            )
        )
        done = ok(client.get(f"/api/v1/faults/{fault['id']}", headers=world.headers["lead"]))
        assert done["status"] == "resolved"
        assert [h["step"] for h in done["history"]][-3:] == [
            "接收维修任务",
            "执行维修任务",
            "完成维修任务：已解决",
        ]

    def test_out_of_scope_is_closed_for_good(self, client: TestClient, world: Any, state: AppState) -> None:
        """R-FAULT: out of contract scope closes the fault: no further disposition (409, no row)."""
        _, fault = one_fault(client, world)
        ok(dispose(client, world, fault["id"], kind="out_of_scope", explanation="不在合同范围"))
        before = db_snapshot(state)
        r = dispose(client, world, fault["id"], kind="negotiating")
        assert r.status_code == 409
        assert db_snapshot(state) == before

    def test_each_disposition_needs_its_fields(self, client: TestClient, world: Any, state: AppState) -> None:
        """R-FAULT: each of the five dispositions needs its own fields (leader, repair plan,
        explanation); a missing one is 422 on that field and writes nothing."""
        _, fault = one_fault(client, world)
        before = db_snapshot(state)
        cases = [
            ({"kind": "investigate"}, "leader_id"),
            ({"kind": "owner_approved_repair", "leader_id": world.people["op1"]}, "repair_plan"),
            ({"kind": "owner_refused_repair"}, "explanation"),
            ({"kind": "out_of_scope", "explanation": "  "}, "explanation"),
            ({"kind": "investigate", "leader_id": world.people["owner"]}, "leader_id"),
            ({"kind": "scrap_it"}, "kind"),
        ]
        for body, field in cases:
            r = dispose(client, world, fault["id"], **body)
            assert r.status_code == 422 and r.json()["field"] == field, (body, r.json())
        assert db_snapshot(state) == before

    def test_an_executor_cannot_dispose(self, client: TestClient, world: Any, state: AppState) -> None:
        """R-FAULT / R-ROLE: dispositions are the project's managers'; an executor gets 403, no row."""
        _, fault = one_fault(client, world)
        before = db_snapshot(state)
        r = client.post(
            f"/api/v1/faults/{fault['id']}/disposition",
            json={"kind": "negotiating"},
            headers=world.headers["op1"],
        )
        assert r.status_code == 403
        assert db_snapshot(state) == before


class TestExtraTasks:
    def test_r_task_2_investigation_tasks_join_a_report_only_with_its_plan(
        self, client: TestClient, world: Any, state: AppState
    ) -> None:
        """R-TASK-2: extra tasks are included when ticked and finished, never as a report of their
        own; ticking an unfinished one is 422 and writes nothing."""
        plan = approved_plan(client, world, fails=1, disposition="negotiating")
        (fault,) = faults_of(client, world)
        f = ok(dispose(client, world, fault["id"], kind="investigate", leader_id=world.people["op2"]))
        before = db_snapshot(state)
        r = client.post(
            f"/api/v1/plans/{plan['id']}/report",
            headers=world.headers["lead"],
            json={
                "report_date": "2026-10-20",
                "service_date": "2026-10-20",
                "extra_task_ids": [f["open_task_id"]],
            },
        )
        assert r.status_code == 422 and r.json()["field"] == "extra_task_ids"  # not finished yet
        assert db_snapshot(state) == before
        ok(
            client.post(
                f"/api/v1/tasks/{f['open_task_id']}/complete",
                json={"resolved": True, "note": "ok"},
                headers=world.headers["op2"],
            )
        )
        report = ok(
            client.post(
                f"/api/v1/plans/{plan['id']}/report",
                headers=world.headers["lead"],
                json={
                    "report_date": "2026-10-20",
                    "service_date": "2026-10-20",
                    "extra_task_ids": [f["open_task_id"]],
                },
            ),
            201,
        )
        assert f["open_task_id"] in report["task_ids"] and len(report["task_ids"]) == 2
        assert generate(client, world, plan).status_code == 409  # R-RPT-2: one live report per plan


class TestAudit:
    def test_every_state_change_has_an_audit_row(
        self, client: TestClient, world: Any, state: AppState
    ) -> None:
        """Audit (issue 2, SPEC §1 traceability): who, when, what, before/after for a task from
        creation to approval (R-TASK, R-REV) and for its plan (R-PLAN)."""
        plan = issue_all(client, world, make_plan(client, world))
        task = execute(client, world, [plan["lines"][0]["id"]])
        ok(
            client.post(
                f"/api/v1/tasks/{task['id']}/review",
                json={"verdict": "approve", "opinion": "好"},
                headers=world.headers["lead"],
            )
        )
        with state.sessions() as s:
            rows = s.scalars(
                select(AuditEntry)
                .where(AuditEntry.subject_id == uuid.UUID(task["id"]))
                .order_by(AuditEntry.at)
            ).all()
            by_action = {r.action: r for r in rows}
            assert sorted(r.action for r in rows) == ["task.approved", "task.created", "task.submitted"]
            submitted = by_action["task.submitted"]
            assert submitted.actor_id == uuid.UUID(world.people["op1"])
            assert submitted.before == {"state": "draft"} and submitted.after is not None
            assert submitted.after["state"] == "submitted"
            plan_actions = s.scalars(
                select(AuditEntry.action).where(AuditEntry.subject_id == uuid.UUID(plan["id"]))
            ).all()
            assert {"plan.created", "plan.issued"} <= set(plan_actions)
