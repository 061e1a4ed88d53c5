"""Agencies and staff through the API: GB 32100 USCC, R-ROLE-1 (new staff disabled), R-ROLE-2 and
R-ROLE-4 (certificates fit roles), staff administration scope, and refused requests writing nothing."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.deps import AppState
from api.world import AGENCY, PASSWORD, STAFF, World, compute_uscc
from tests.conftest import db_snapshot, login
from workflows.audit.models import AuditEntry
from workflows.people.models import Person

API = "/api/v1"


def count(state: AppState, model: Any) -> int:
    """Rows of ``model``'s table, read in a fresh session."""
    with state.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def make_agency(client: TestClient, admin_headers: dict[str, str], name: str, org_body: str) -> str:
    body = {**AGENCY, "name": name, "uscc": compute_uscc("91630100", org_body)}
    r = client.post(f"{API}/agencies", json=body, headers=admin_headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def staff_body(phone: str, roles: list[str], **extra: Any) -> dict[str, Any]:
    return {"name": "测试员工", "phone": phone, "roles": roles, "password": PASSWORD, **extra}


class TestAgencies:
    def test_platform_admin_creates_and_lists_agencies(
        self, client: TestClient, admin_headers: dict[str, str], state: AppState
    ) -> None:
        """Happy path: POST then GET; the agency creation is audited."""
        audits = count(state, AuditEntry)
        r = client.post(f"{API}/agencies", json=AGENCY, headers=admin_headers)
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["uscc"] == AGENCY["uscc"]
        assert body["service_types"] == ["maintenance_inspection", "safety_assessment"]
        assert count(state, AuditEntry) == audits + 1
        listed = client.get(f"{API}/agencies", headers=admin_headers).json()
        assert [a["name"] for a in listed] == [AGENCY["name"]]

    def test_staff_see_only_their_own_agency(
        self, client: TestClient, admin_headers: dict[str, str], world: World
    ) -> None:
        """GET /agencies: the platform admin sees all, an agency's staff only their own."""
        make_agency(client, admin_headers, "海东市平安消防检测有限公司", "MA75NQ3R")
        assert len(client.get(f"{API}/agencies", headers=admin_headers).json()) == 2
        mine = client.get(f"{API}/agencies", headers=world.headers["op1"]).json()
        assert [a["id"] for a in mine] == [world.agency_id]
        assert client.get(f"{API}/agencies", headers=world.headers["owner"]).json() == []

    def test_bad_uscc_is_422_naming_uscc_and_writes_nothing(
        self, client: TestClient, admin_headers: dict[str, str], state: AppState
    ) -> None:
        """GB 32100: a wrong check character → 422 with field ``uscc``; no agency, no audit row."""
        before = db_snapshot(state)
        bad = AGENCY["uscc"][:-1] + ("0" if AGENCY["uscc"][-1] != "0" else "1")
        r = client.post(f"{API}/agencies", json={**AGENCY, "uscc": bad}, headers=admin_headers)
        assert r.status_code == 422, r.text
        assert r.json()["field"] == "uscc"
        assert r.json()["code"] == "invalid_input"
        assert db_snapshot(state) == before

    def test_unknown_service_type_is_422_naming_the_field(
        self, client: TestClient, admin_headers: dict[str, str]
    ) -> None:
        r = client.post(
            f"{API}/agencies", json={**AGENCY, "service_types": ["fire_fighting"]}, headers=admin_headers
        )
        assert r.status_code == 422
        assert r.json()["field"].startswith("service_types")

    def test_duplicate_uscc_is_409(self, client: TestClient, admin_headers: dict[str, str]) -> None:
        assert client.post(f"{API}/agencies", json=AGENCY, headers=admin_headers).status_code == 201
        r = client.post(f"{API}/agencies", json={**AGENCY, "name": "另一家机构"}, headers=admin_headers)
        assert r.status_code == 409
        assert r.json()["field"] == "uscc"

    def test_only_the_platform_admin_creates_agencies(self, client: TestClient, world: World) -> None:
        r = client.post(
            f"{API}/agencies", json={**AGENCY, "name": "x"}, headers=world.headers["agency_admin"]
        )
        assert r.status_code == 403


class TestStaff:
    def test_new_staff_cannot_log_in_until_enabled_r_role_1(
        self, client: TestClient, admin_headers: dict[str, str], state: AppState
    ) -> None:
        """R-ROLE-1: a new account is disabled (login 401); after PATCH enabled=true login works."""
        agency_id = make_agency(client, admin_headers, AGENCY["name"], "MA75L2P8")
        r = client.post(
            f"{API}/agencies/{agency_id}/staff",
            json=staff_body("13897100011", ["agency_admin"]),
            headers=admin_headers,
        )
        assert r.status_code == 201, r.text
        person = r.json()
        assert person["enabled"] is False
        assert person["has_password"] is True
        assert "password_hash" not in person
        assert "password" not in person
        refused = client.post(f"{API}/auth/token", data={"username": "13897100011", "password": PASSWORD})
        assert refused.status_code == 401
        r = client.patch(f"{API}/staff/{person['id']}", json={"enabled": True}, headers=admin_headers)
        assert r.status_code == 200, r.text
        assert r.json()["enabled"] is True
        login(client, "13897100011", PASSWORD)
        with state.sessions() as session:
            actions = session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.subject_id == uuid.UUID(person["id"]))
                .order_by(AuditEntry.at)
            ).all()
        assert list(actions) == ["person.created", "person.updated"]

    def test_project_lead_without_engineer_certificate_is_refused_r_role_2(
        self, client: TestClient, world: World, state: AppState
    ) -> None:
        """R-ROLE-2: a project lead without an engineer certificate → 422 ``roles``; nothing written."""
        before = db_snapshot(state)
        r = client.post(
            f"{API}/agencies/{world.agency_id}/staff",
            json=staff_body("13897100021", ["project_lead"]),
            headers=world.headers["agency_admin"],
        )
        assert r.status_code == 422, r.text
        assert r.json()["field"] == "roles"
        assert "R-ROLE-2" in r.json()["message"]
        assert db_snapshot(state) == before

    def test_expired_engineer_registration_is_refused_r_role_2(
        self, client: TestClient, world: World
    ) -> None:
        """R-ROLE-2 on today's business date (2026-10-08): registration valid until 2026-10-07 is expired."""
        body = staff_body(
            "13897100022",
            ["technical_lead"],
            engineer_level=1,
            engineer_cert_no="CF1-X",
            engineer_valid_until="2026-10-07",
        )
        r = client.post(
            f"{API}/agencies/{world.agency_id}/staff", json=body, headers=world.headers["agency_admin"]
        )
        assert r.status_code == 422
        assert "R-ROLE-2" in r.json()["message"]
        body["engineer_valid_until"] = "2026-10-08"
        r = client.post(
            f"{API}/agencies/{world.agency_id}/staff", json=body, headers=world.headers["agency_admin"]
        )
        assert r.status_code == 201, r.text

    def test_field_operator_needs_level_4_or_higher_r_role_4(self, client: TestClient, world: World) -> None:
        """R-ROLE-4: operator level 5 (初级) → 422 ``roles``; level 4 (中级) is accepted."""
        headers = world.headers["agency_admin"]
        low = staff_body("13897100031", ["field_operator"], operator_level=5, operator_cert_no="5-001")
        r = client.post(f"{API}/agencies/{world.agency_id}/staff", json=low, headers=headers)
        assert r.status_code == 422
        assert r.json()["field"] == "roles"
        assert "R-ROLE-4" in r.json()["message"]
        ok = {**low, "operator_level": 4}
        assert (
            client.post(f"{API}/agencies/{world.agency_id}/staff", json=ok, headers=headers).status_code
            == 201
        )

    def test_patch_rechecks_certificates_and_a_refused_patch_changes_nothing_r_role_2(
        self, client: TestClient, world: World, state: AppState
    ) -> None:
        """R-ROLE-2 on PATCH: giving an operator the project lead role without a certificate is refused."""
        before = db_snapshot(state)
        r = client.patch(
            f"{API}/staff/{world.op1_id}",
            json={"roles": ["field_operator", "project_lead"]},
            headers=world.headers["agency_admin"],
        )
        assert r.status_code == 422
        assert "R-ROLE-2" in r.json()["message"]
        assert db_snapshot(state) == before
        with state.sessions() as session:
            assert session.get_one(Person, uuid.UUID(world.op1_id)).roles == ["field_operator"]
        r = client.patch(
            f"{API}/staff/{world.op1_id}",
            json={
                "roles": ["field_operator", "project_lead"],
                "engineer_level": 2,
                "engineer_cert_no": "CF2-9",
                "engineer_valid_until": "2030-01-31",
            },
            headers=world.headers["agency_admin"],
        )
        assert r.status_code == 200, r.text
        assert r.json()["roles"] == ["field_operator", "project_lead"]

    def test_removing_a_certificate_from_an_operator_is_refused_r_role_4(
        self, client: TestClient, world: World
    ) -> None:
        r = client.patch(
            f"{API}/staff/{world.op2_id}",
            json={"operator_level": None},
            headers=world.headers["agency_admin"],
        )
        assert r.status_code == 422
        assert "R-ROLE-4" in r.json()["message"]

    def test_staff_roles_exclude_platform_and_outside_roles(self, client: TestClient, world: World) -> None:
        for role in ("platform_admin", "owner_contact", "fire_supervisor"):
            r = client.post(
                f"{API}/agencies/{world.agency_id}/staff",
                json=staff_body("13897100041", [role]),
                headers=world.headers["agency_admin"],
            )
            assert r.status_code == 422, role
            assert r.json()["field"].startswith("roles")

    def test_phone_must_be_a_unique_cn_mobile(self, client: TestClient, world: World) -> None:
        headers = world.headers["agency_admin"]
        r = client.post(
            f"{API}/agencies/{world.agency_id}/staff",
            json=staff_body("0971-123", ["agency_admin"]),
            headers=headers,
        )
        assert r.status_code == 422
        assert r.json()["field"] == "phone"
        taken = staff_body(STAFF["op1"]["phone"], ["agency_admin"])
        r = client.post(f"{API}/agencies/{world.agency_id}/staff", json=taken, headers=headers)
        assert r.status_code == 409
        assert r.json() | {"message": ""} == {"code": "phone_taken", "message": "", "field": "phone"}

    def test_password_needs_8_characters(self, client: TestClient, world: World) -> None:
        r = client.patch(
            f"{API}/staff/{world.op1_id}", json={"password": "short"}, headers=world.headers["agency_admin"]
        )
        assert r.status_code == 422
        assert r.json()["field"] == "password"

    def test_new_password_works_and_ends_the_old_session(self, client: TestClient, world: World) -> None:
        """A password set by the admin replaces the old one and ends the person's session (R-ROLE-6)."""
        r = client.patch(
            f"{API}/staff/{world.op1_id}",
            json={"password": "new-password-1"},
            headers=world.headers["agency_admin"],
        )
        assert r.status_code == 200
        assert client.get(f"{API}/me", headers=world.headers["op1"]).status_code == 401
        login(client, world.phones["op1"], "new-password-1")

    def test_disabled_staff_lose_access(self, client: TestClient, world: World) -> None:
        r = client.patch(
            f"{API}/staff/{world.op2_id}", json={"enabled": False}, headers=world.headers["agency_admin"]
        )
        assert r.status_code == 200
        assert client.get(f"{API}/me", headers=world.headers["op2"]).status_code == 401

    def test_list_staff_for_agency_wide_roles_only(
        self, client: TestClient, admin_headers: dict[str, str], world: World
    ) -> None:
        """Agency admin, enterprise manager and technical lead list staff; a field operator gets 403;
        another agency's admin gets 404; no password hash is ever returned."""
        for key in ("agency_admin", "manager", "tech_lead"):
            r = client.get(f"{API}/agencies/{world.agency_id}/staff", headers=world.headers[key])
            assert r.status_code == 200, key
            staff = r.json()
            assert {p["phone"] for p in staff} == {s["phone"] for s in STAFF.values()}
            assert all("password_hash" not in p for p in staff)
        assert (
            client.get(f"{API}/agencies/{world.agency_id}/staff", headers=world.headers["op1"]).status_code
            == 403
        )
        other = make_agency(client, admin_headers, "海东市平安消防检测有限公司", "MA75NQ3R")
        r = client.post(
            f"{API}/agencies/{other}/staff",
            json=staff_body("13897100051", ["agency_admin"]),
            headers=admin_headers,
        )
        client.patch(f"{API}/staff/{r.json()['id']}", json={"enabled": True}, headers=admin_headers)
        stranger = login(client, "13897100051", PASSWORD)
        assert client.get(f"{API}/agencies/{world.agency_id}/staff", headers=stranger).status_code == 404
        assert (
            client.patch(f"{API}/staff/{world.op1_id}", json={"enabled": False}, headers=stranger).status_code
            == 404
        )
        r = client.post(
            f"{API}/agencies/{world.agency_id}/staff",
            json=staff_body("13897100052", ["agency_admin"]),
            headers=stranger,
        )
        assert r.status_code == 404

    def test_only_admins_change_staff(self, client: TestClient, world: World) -> None:
        """The enterprise manager sees the staff but may not change them (403)."""
        r = client.patch(
            f"{API}/staff/{world.op1_id}", json={"enabled": False}, headers=world.headers["manager"]
        )
        assert r.status_code == 403
