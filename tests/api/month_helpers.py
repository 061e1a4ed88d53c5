"""Small helpers shared by the maintenance-month API tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.demo import demo_photo, ok


def make_plan(client: TestClient, world: Any, period: str = "2026-10") -> dict[str, Any]:
    """Create a monthly plan of the world's project as its project lead."""
    return dict(
        ok(
            client.post(
                f"/api/v1/projects/{world.project_id}/plans",
                json={"nature": "month", "period": period},
                headers=world.headers["lead"],
            ),
            201,
        )
    )


def issue_all(client: TestClient, world: Any, plan: dict[str, Any], who: str = "op1") -> dict[str, Any]:
    """Issue every active line of ``plan`` to one executor."""
    lines = [line["id"] for line in plan["lines"] if not line["ignored"] and line["executor_id"] is None]
    return dict(
        ok(
            client.post(
                f"/api/v1/plans/{plan['id']}/issue",
                json={"line_ids": lines, "executor_id": world.people[who]},
                headers=world.headers["lead"],
            )
        )
    )


def execute(
    client: TestClient,
    world: Any,
    line_ids: list[str],
    *,
    who: str = "op1",
    fails: int = 0,
    submit: bool = True,
    position: tuple[float, float] = (36.6172, 101.7783),
) -> dict[str, Any]:
    """Build a task of ``line_ids``; the first ``fails`` results fail (with photos); selfie; submit."""
    h = world.headers[who]
    task = ok(client.post("/api/v1/tasks", json={"line_ids": line_ids}, headers=h), 201)
    for i, lid in enumerate(line_ids):
        outcome = "fail" if i < fails else "pass"
        ok(
            client.put(
                f"/api/v1/tasks/{task['id']}/results/{lid}",
                json={"outcome": outcome, "measured_record": f"记录{i}：{outcome}"},
                headers=h,
            )
        )
        if outcome == "fail":
            photo(client, h, task["id"], lid)
    photo(client, h, task["id"], None, kind="selfie")
    if submit:
        task = ok(
            client.post(
                f"/api/v1/tasks/{task['id']}/submit",
                json={"latitude": position[0], "longitude": position[1]},
                headers=h,
            )
        )
    return dict(task)


def photo(
    client: TestClient, headers: dict[str, str], task_id: str, line_id: str | None, *, kind: str = "item"
) -> Any:
    """Upload a small real JPEG."""
    data = {"kind": kind} | ({"line_id": line_id} if line_id else {})
    files = {"file": ("p.jpg", demo_photo("t", seed=7, size=(64, 48)), "image/jpeg")}
    return ok(client.post(f"/api/v1/tasks/{task_id}/photos", data=data, files=files, headers=headers), 201)


def faults_of(client: TestClient, world: Any) -> list[dict[str, Any]]:
    """The project's faults as the lead sees them."""
    return list(
        ok(
            client.get(
                "/api/v1/faults", params={"project_id": world.project_id}, headers=world.headers["lead"]
            )
        )
    )


def approved_plan(
    client: TestClient,
    world: Any,
    period: str = "2026-10",
    *,
    fails: int = 0,
    disposition: str = "negotiating",
) -> dict[str, Any]:
    """A plan whose every line is in one approved task of op1 (faults disposed ``disposition``)."""
    plan = issue_all(client, world, make_plan(client, world, period))
    task = execute(client, world, [line["id"] for line in plan["lines"]], fails=fails)
    for fault in faults_of(client, world):
        if fault["status"] == "pending":
            ok(
                client.post(
                    f"/api/v1/faults/{fault['id']}/disposition",
                    json={"kind": disposition},
                    headers=world.headers["lead"],
                )
            )
    ok(
        client.post(
            f"/api/v1/tasks/{task['id']}/review",
            json={"verdict": "approve", "opinion": "同意"},
            headers=world.headers["lead"],
        )
    )
    return plan


def generate(client: TestClient, world: Any, plan: dict[str, Any], day: str = "2026-10-20") -> Any:
    """POST the plan's report (response, not checked)."""
    return client.post(
        f"/api/v1/plans/{plan['id']}/report",
        json={"report_date": day, "service_date": day},
        headers=world.headers["lead"],
    )


def relogin(client: TestClient, world: Any) -> None:
    """Log everyone in again (after the test clock moved past the token lifetime)."""
    for key, phone in world.phones.items():
        r = client.post("/api/v1/auth/token", data={"username": phone, "password": world.password})
        assert r.status_code == 200, r.text
        world.headers[key] = {"Authorization": f"Bearer {r.json()['access_token']}"}
