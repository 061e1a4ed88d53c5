"""Helpers of the lifecycle and supervision API tests: more projects, supervisors, small files."""

from __future__ import annotations

import dataclasses
import io
from typing import Any

from fastapi.testclient import TestClient
from pypdf import PdfWriter

from api.demo import ok
from api.world import CONTRACT, PROJECT
from tests.conftest import login

JURISDICTION = PROJECT["jurisdiction"]
OTHER_JURISDICTION = "西宁市消防救援支队城东区大队"
SUPERVISOR = {
    "name": "马队长",
    "phone": "13897100101",
    "password": "Sup-pass-2026",
    "jurisdiction": JURISDICTION,
}
OTHER_SUPERVISOR = {
    "name": "韩参谋",
    "phone": "13897100102",
    "password": "Sup-pass-2026",
    "jurisdiction": OTHER_JURISDICTION,
}


def add_project(
    client: TestClient,
    world: Any,
    name: str,
    *,
    signed_on: str,
    ends_on: str,
    first_plan_month: str = "signing_month",
    jurisdiction: str = JURISDICTION,
) -> Any:
    """A new maintenance contract and project of the world's agency, owner, lead and facilities,
    created through the API like ``api/world.py`` does; returns a copy of ``world`` pointing at it."""
    admin = world.headers["agency_admin"]
    contract = ok(
        client.post(
            "/api/v1/contracts",
            json={
                **CONTRACT,
                "name": f"{name}维护保养合同",
                "owner_id": world.owner_id,
                "signed_on": signed_on,
                "ends_on": ends_on,
            },
            headers=admin,
        ),
        201,
    )
    project = ok(
        client.post(
            "/api/v1/projects",
            json={
                **PROJECT,
                "name": name,
                "contract_id": contract["id"],
                "lead_id": world.lead_id,
                "first_plan_month": first_plan_month,
                "jurisdiction": jurisdiction,
            },
            headers=admin,
        ),
        201,
    )
    ok(
        client.put(
            f"/api/v1/projects/{project['id']}/facilities",
            json={"facility_ids": world.facility_ids},
            headers=admin,
        )
    )
    return dataclasses.replace(
        world,
        contract_id=str(contract["id"]),
        project_id=str(project["id"]),
        project_code=str(project["code"]),
        project_name=name,
    )


def add_supervisor(
    client: TestClient, admin_headers: dict[str, str], spec: dict[str, str]
) -> tuple[str, dict[str, str]]:
    """Create a fire supervisor as the platform admin; returns ``(person id, bearer headers)``."""
    person = ok(client.post("/api/v1/supervisors", json=spec, headers=admin_headers), 201)
    return str(person["id"]), login(client, spec["phone"], spec["password"])


def pdf_bytes() -> bytes:
    """A small real one-page PDF."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def request_suspension(
    client: TestClient, world: Any, month: str, *, who: str = "lead", reason: str = "业主装修停业"
) -> Any:
    """POST a JSON suspension request (response, not checked)."""
    return client.post(
        f"/api/v1/projects/{world.project_id}/suspensions",
        json={"month": month, "reason": reason},
        headers=world.headers[who],
    )
