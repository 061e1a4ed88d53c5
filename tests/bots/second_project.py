"""A second project of the test agency with its own project lead and owner (R-ROLE-3 in chat),
built through the API like ``api/world.py`` does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from api.demo import ok
from api.world import CONTRACT, OWNER, PASSWORD, PROJECT
from tests.conftest import login

API = "/api/v1"


@dataclass(frozen=True)
class SecondProject:
    """Ids and bearer headers of the second project and its people."""

    project_id: str
    lead_id: str
    lead: dict[str, str]
    owner_contact_id: str


def add_second_project(client: TestClient, world: Any) -> SecondProject:
    """城北商贸楼: another owner, another contract, led by 黄晓明 (who sees nothing of the first)."""
    admin = world.headers["agency_admin"]
    lead = ok(
        client.post(
            f"{API}/agencies/{world.agency_id}/staff",
            json={
                "name": "黄晓明",
                "phone": "13897100111",
                "password": PASSWORD,
                "roles": ["project_lead"],
                "engineer_level": 2,
                "engineer_cert_no": "CF2-63-2022-0777",
                "engineer_valid_until": "2030-03-31",
            },
            headers=admin,
        ),
        201,
    )
    ok(client.patch(f"{API}/staff/{lead['id']}", json={"enabled": True}, headers=admin))
    owner = ok(
        client.post(
            f"{API}/owners", json={**OWNER, "name": "西宁市城北区某商贸有限公司", "uscc": None}, headers=admin
        ),
        201,
    )
    contact = ok(
        client.post(
            f"{API}/owners/{owner['id']}/contacts",
            json={"name": "吴刚", "phone": "13897100112", "password": PASSWORD},
            headers=admin,
        ),
        201,
    )
    contract = ok(
        client.post(f"{API}/contracts", json={**CONTRACT, "owner_id": owner["id"]}, headers=admin), 201
    )
    project = ok(
        client.post(
            f"{API}/projects",
            json={**PROJECT, "name": "城北商贸楼", "contract_id": contract["id"], "lead_id": lead["id"]},
            headers=admin,
        ),
        201,
    )
    return SecondProject(
        project_id=str(project["id"]),
        lead_id=str(lead["id"]),
        lead=login(client, "13897100111", PASSWORD),
        owner_contact_id=str(contact["id"]),
    )
