"""Inspection, assessment and special-site projects of the test world, built through the API like
``api/world.py`` does, plus the uploads and the supervisor these tests need (R-INSP, R-RPT-3/4, R-SPEC)."""

from __future__ import annotations

import io
from typing import Any

from fastapi.testclient import TestClient
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from api.demo import ok
from api.deps import AppState
from api.world import OWNER, PROJECT, facility_ids_by_name
from engine.db import unit_of_work
from tests.api.month_helpers import execute, photo
from tests.conftest import login
from workflows.people.credentials import hash_password
from workflows.people.models import Person

API = "/api/v1"
INSPECTION_RECORD = ("消防检测现场记录", "无分类", "现场记录")
ASSESSMENT_ITEM = ("安全评估系统", "无分类", "安全评估项目")
SPECIAL_SITE_RECORD = ("现场记录系统", "无分类", "现场记录项目")
SUPERVISOR_PASSWORD = "Supervisor-2026"


def make_project(
    client: TestClient,
    world: Any,
    *,
    contract_type: str,
    name: str,
    facility: tuple[str, str, str],
    signed_on: str = "2026-09-15",
    ends_on: str = "2027-09-14",
    jurisdiction: str | None = None,
) -> str:
    """A contract of ``contract_type`` and its project (lead: the world's lead) selecting ``facility``.

    Returns:
        The project id.
    """
    admin = world.headers["agency_admin"]
    contract = ok(
        client.post(
            f"{API}/contracts",
            headers=admin,
            json={
                "name": f"{name}合同",
                "type": contract_type,
                "signed_on": signed_on,
                "ends_on": ends_on,
                "price_cny": "36000.00",
                "owner_id": world.owner_id,
            },
        ),
        201,
    )
    project = ok(
        client.post(
            f"{API}/projects",
            headers=admin,
            json={
                **PROJECT,
                "name": name,
                "contract_id": contract["id"],
                "lead_id": world.people["lead"],
                "address": OWNER["address"],
                "jurisdiction": jurisdiction or PROJECT["jurisdiction"],
            },
        ),
        201,
    )
    catalog = ok(client.get(f"{API}/catalog", headers=admin))
    ok(
        client.put(
            f"{API}/projects/{project['id']}/facilities",
            headers=admin,
            json={"facility_ids": facility_ids_by_name(catalog, [facility])},
        )
    )
    return str(project["id"])


def create_plan(
    client: TestClient, world: Any, project_id: str, *, nature: str = "year", period: str = "2026"
) -> Any:
    """POST a plan (response, not checked)."""
    return client.post(
        f"{API}/projects/{project_id}/plans",
        json={"nature": nature, "period": period},
        headers=world.headers["lead"],
    )


def approved_yearly_plan(
    client: TestClient, world: Any, project_id: str, *, fails: int = 0, photos_per_line: int = 1
) -> dict[str, Any]:
    """The project's yearly plan, issued to op1, executed with field photos and approved by the lead."""
    plan = ok(create_plan(client, world, project_id), 201)
    lines = [line["id"] for line in plan["lines"]]
    ok(
        client.post(
            f"{API}/plans/{plan['id']}/issue",
            json={"line_ids": lines, "executor_id": world.people["op1"]},
            headers=world.headers["lead"],
        )
    )
    task = execute(client, world, lines, fails=fails, submit=False)
    for lid in lines:
        for _ in range(photos_per_line):
            photo(client, world.headers["op1"], task["id"], lid)
    ok(
        client.post(
            f"{API}/tasks/{task['id']}/submit",
            json={"latitude": 36.6172, "longitude": 101.7783},
            headers=world.headers["op1"],
        )
    )
    ok(
        client.post(
            f"{API}/tasks/{task['id']}/review",
            json={"verdict": "approve", "opinion": "同意"},
            headers=world.headers["lead"],
        )
    )
    return dict(ok(client.get(f"{API}/plans/{plan['id']}", headers=world.headers["lead"])))


def signed_pdf(pages: int = 2, *, title: str = "建筑消防设施检测报告") -> bytes:
    """A small real PDF standing in for the scanned signed paper report."""
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=A4, invariant=1)
    for number in range(1, pages + 1):
        canvas.setFont("Helvetica", 14)
        canvas.drawString(72, 760, f"{title.encode('ascii', 'ignore').decode() or 'Report'} page {number}")
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


def upload(
    client: TestClient,
    world: Any,
    plan_id: str,
    content: bytes,
    *,
    who: str = "lead",
    file_name: str = "report.pdf",
    media_type: str = "application/pdf",
    **fields: str,
) -> Any:
    """POST the report as multipart (response, not checked); ``fields`` default to 2026-10-20 dates."""
    data = {"report_date": "2026-10-20", "service_date": "2026-10-20"} | fields
    return client.post(
        f"{API}/plans/{plan_id}/report",
        data=data,
        files={"file": (file_name, content, media_type)},
        headers=world.headers[who],
    )


def make_supervisor(
    state: AppState,
    client: TestClient,
    *,
    phone: str,
    jurisdiction: str = str(PROJECT["jurisdiction"]),
    name: str = "韩监督",
) -> dict[str, str]:
    """A fire supervisor of ``jurisdiction`` (created in the database), logged in: bearer headers."""
    with unit_of_work(state.sessions) as session:
        session.add(
            Person(
                name=name,
                phone=phone,
                password_hash=hash_password(SUPERVISOR_PASSWORD, rounds=4),
                roles=["fire_supervisor"],
                enabled=True,
                jurisdiction=jurisdiction,
                created_at=state.clock.now(),
            )
        )
    return login(client, phone, SUPERVISOR_PASSWORD)
