"""Notifications written with every change (same transaction), listed at ``GET /api/v1/me/notifications``."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.demo import ok
from api.deps import AppState
from engine.clock import FrozenClock
from engine.outbox.models import OutboxMessage
from tests.api.month_helpers import approved_plan, execute, faults_of, generate, issue_all, make_plan


def kinds_for(state: AppState, person_id: str) -> list[str]:
    with state.sessions() as session:
        return list(
            session.scalars(
                select(OutboxMessage.kind)
                .where(OutboxMessage.recipient_id == uuid.UUID(person_id))
                .order_by(OutboxMessage.created_at)
            )
        )


def outbox_count(state: AppState) -> int:
    with state.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


class TestTaskFlow:
    def test_submit_and_review_reach_the_right_people(
        self, client: TestClient, world: Any, state: AppState, clock: FrozenClock
    ) -> None:
        plan = issue_all(client, world, make_plan(client, world))
        assert kinds_for(state, world.people["op1"]) == ["task.issued"]
        lines = [line["id"] for line in plan["lines"]]
        task = execute(client, world, lines[:3], fails=1)
        lead = ok(client.get("/api/v1/me/notifications", headers=world.headers["lead"]))
        assert [n["kind"] for n in lead] == ["task.submitted"]
        assert lead[0]["payload"]["task_code"] == task["code"] and lead[0]["payload"]["fault_count"] == 1
        assert (
            task["code"] in lead[0]["body"]
            and lead[0]["title"] == "任务待审核"
            and lead[0]["read_at"] is None
        )
        assert kinds_for(state, world.people["tech_lead"]) == ["task.submitted"]
        assert "task.submitted" not in kinds_for(state, world.people["op1"])  # not told of one's own action

        before = outbox_count(state)
        refused = client.post(
            f"/api/v1/tasks/{task['id']}/review",
            json={"verdict": "approve", "opinion": ""},
            headers=world.headers["lead"],
        )
        assert refused.status_code == 409  # R-REV-1: the fault has no disposition
        assert client.post(
            f"/api/v1/tasks/{task['id']}/review",
            json={"verdict": "reject", "opinion": "x"},
            headers=world.headers["op2"],
        ).status_code in (403, 404)
        assert outbox_count(state) == before  # a refused request writes no outbox row

        clock.advance(timedelta(minutes=5))
        ok(
            client.post(
                f"/api/v1/tasks/{task['id']}/review",
                json={"verdict": "reject", "opinion": "照片不清晰"},
                headers=world.headers["lead"],
            )
        )
        mine = ok(client.get("/api/v1/me/notifications", headers=world.headers["op1"]))
        assert [n["kind"] for n in mine] == ["task.reviewed", "task.issued"]  # newest first
        assert mine[0]["payload"] | {"verdict": "reject", "opinion": "照片不清晰"} == mine[0]["payload"]
        assert mine[0]["payload"]["reviewer_name"] and "照片不清晰" in mine[0]["body"]

        read = ok(client.post(f"/api/v1/me/notifications/{mine[0]['id']}/read", headers=world.headers["op1"]))
        assert read["read_at"] is not None
        unread = ok(
            client.get("/api/v1/me/notifications", params={"unread": "true"}, headers=world.headers["op1"])
        )
        assert [n["kind"] for n in unread] == ["task.issued"]
        other = client.post(f"/api/v1/me/notifications/{mine[0]['id']}/read", headers=world.headers["op2"])
        assert other.status_code == 404
        assert client.get("/api/v1/me/notifications").status_code == 401

    def test_dispositions_reports_and_filing(self, client: TestClient, world: Any, state: AppState) -> None:
        plan = issue_all(client, world, make_plan(client, world))
        execute(client, world, [line["id"] for line in plan["lines"]][:2], fails=1)
        (fault,) = faults_of(client, world)
        ok(
            client.post(
                f"/api/v1/faults/{fault['id']}/disposition",
                json={"kind": "investigate", "leader_id": world.people["op2"]},
                headers=world.headers["lead"],
            )
        )
        assert kinds_for(state, world.people["op2"]) == ["fault.disposed"]
        owner = ok(client.get("/api/v1/me/notifications", headers=world.headers["owner"]))
        assert owner[0]["kind"] == "fault.disposed" and owner[0]["payload"]["disposition"] == "investigate"

    def test_report_generated_and_filed(self, client: TestClient, world: Any, state: AppState) -> None:
        plan = approved_plan(client, world, "2026-10")
        report = ok(generate(client, world, plan), 201)
        assert kinds_for(state, world.people["tech_lead"])[-1] == "report.generated"
        ok(
            client.post(
                f"/api/v1/reports/{report['id']}/filing",
                json={"opinion": "同意"},
                headers=world.headers["tech_lead"],
            )
        )
        assert kinds_for(state, world.people["lead"])[-1] == "report.filed"
        owner = ok(client.get("/api/v1/me/notifications", headers=world.headers["owner"]))
        assert owner[0]["kind"] == "report.filed" and owner[0]["payload"]["report_code"] == report["code"]
