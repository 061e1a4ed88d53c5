"""Owners, contacts and contracts through the API: owner USCC or NULL, contacts enabled only with a
password, owner scope, contract validation, and R-CON-1 (dates never change: API and ORM doors)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from api.deps import AppState
from api.world import AGENCY, CONTRACT, OWNER, PASSWORD, World, compute_uscc
from engine.errors import RuleViolation
from tests.conftest import db_snapshot, login
from workflows.audit.models import AuditEntry
from workflows.contracts.models import Contract
from workflows.contracts.service import get_contract  # noqa: F401 - importing the service installs the guard
from workflows.people.models import Person

API = "/api/v1"


def count(state: AppState, model: Any) -> int:
    """Rows of ``model``'s table, read in a fresh session."""
    with state.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def other_agency_admin(client: TestClient, admin_headers: dict[str, str]) -> dict[str, str]:
    """Bearer headers of the admin of a second agency."""
    body = {**AGENCY, "name": "海东市平安消防检测有限公司", "uscc": compute_uscc("91630200", "MA75NQ3R")}
    agency = client.post(f"{API}/agencies", json=body, headers=admin_headers).json()
    staff = {"name": "何敏", "phone": "13897200001", "roles": ["agency_admin"], "password": PASSWORD}
    person = client.post(f"{API}/agencies/{agency['id']}/staff", json=staff, headers=admin_headers).json()
    client.patch(f"{API}/staff/{person['id']}", json={"enabled": True}, headers=admin_headers)
    return login(client, "13897200001", PASSWORD)


class TestOwners:
    def test_world_owner_has_its_contact(self, client: TestClient, world: World) -> None:
        """Happy path (POST owner, POST contact with password, GET owners)."""
        owners = client.get(f"{API}/owners", headers=world.headers["agency_admin"]).json()
        assert [o["name"] for o in owners] == [OWNER["name"]]
        assert owners[0]["uscc"] == OWNER["uscc"]
        assert [(c["name"], c["enabled"]) for c in owners[0]["contacts"]] == [("孙丽", True)]

    def test_non_enterprise_owner_takes_null_uscc(self, client: TestClient, world: World) -> None:
        """SPEC §3: USCC ``NULL`` (literal or JSON null) for non-enterprise units."""
        headers = world.headers["agency_admin"]
        for uscc in ("NULL", None):
            body = {
                "name": f"西宁市城中区第{uscc}小学",
                "city": "西宁市",
                "address": "城中区南山路1号",
                "uscc": uscc,
            }
            r = client.post(f"{API}/owners", json=body, headers=headers)
            assert r.status_code == 201, r.text
            assert r.json()["uscc"] is None

    def test_bad_owner_uscc_is_422_naming_uscc_and_writes_nothing(
        self, client: TestClient, world: World, state: AppState
    ) -> None:
        before = db_snapshot(state)
        r = client.post(
            f"{API}/owners",
            json={**OWNER, "uscc": "91630103MA7526H42X"},
            headers=world.headers["agency_admin"],
        )
        assert r.status_code == 422
        assert r.json()["field"] == "uscc"
        assert db_snapshot(state) == before

    def test_missing_city_is_422_naming_city(self, client: TestClient, world: World) -> None:
        body = {k: v for k, v in OWNER.items() if k != "city"}
        r = client.post(f"{API}/owners", json=body, headers=world.headers["agency_admin"])
        assert r.status_code == 422
        assert r.json()["field"] == "city"

    def test_only_agency_admins_register_owners(self, client: TestClient, world: World) -> None:
        r = client.post(f"{API}/owners", json={**OWNER, "name": "x"}, headers=world.headers["manager"])
        assert r.status_code == 403

    def test_contact_without_password_starts_disabled(self, client: TestClient, world: World) -> None:
        """Contacts without a password wait for a chat binding code; they cannot log in."""
        r = client.post(
            f"{API}/owners/{world.owner_id}/contacts",
            json={"name": "马云飞", "phone": "13897100099"},
            headers=world.headers["agency_admin"],
        )
        assert r.status_code == 201, r.text
        assert r.json()["enabled"] is False
        assert client.post(
            f"{API}/auth/token", data={"username": "13897100099", "password": ""}
        ).status_code in (401, 422)

    def test_contact_phone_must_be_free(self, client: TestClient, world: World) -> None:
        r = client.post(
            f"{API}/owners/{world.owner_id}/contacts",
            json={"name": "重复", "phone": world.phones["op1"]},
            headers=world.headers["agency_admin"],
        )
        assert r.status_code == 409
        assert r.json()["field"] == "phone"

    def test_owner_scope(self, client: TestClient, admin_headers: dict[str, str], world: World) -> None:
        """Agency-wide staff see their agency's owners; an owner contact only their own owner; another
        agency sees none of them and cannot add contacts (404)."""
        headers = world.headers["agency_admin"]
        second = client.post(
            f"{API}/owners", json={**OWNER, "name": "西宁市城西区某物业公司", "uscc": None}, headers=headers
        ).json()
        for key in ("agency_admin", "manager", "tech_lead"):
            names = {o["name"] for o in client.get(f"{API}/owners", headers=world.headers[key]).json()}
            assert names == {OWNER["name"], second["name"]}, key
        mine = client.get(f"{API}/owners", headers=world.headers["owner"]).json()
        assert [o["id"] for o in mine] == [world.owner_id]
        lead_sees = client.get(f"{API}/owners", headers=world.headers["lead"]).json()
        assert [o["id"] for o in lead_sees] == [world.owner_id]
        stranger = other_agency_admin(client, admin_headers)
        assert client.get(f"{API}/owners", headers=stranger).json() == []
        r = client.post(
            f"{API}/owners/{world.owner_id}/contacts",
            json={"name": "某人", "phone": "13897200002"},
            headers=stranger,
        )
        assert r.status_code == 404


class TestContracts:
    def test_world_contract_is_listed(self, client: TestClient, world: World) -> None:
        """Happy path: POST (in build_world) and GET /contracts; the owner contact sees their contract."""
        for key in ("agency_admin", "owner", "lead"):
            listed = client.get(f"{API}/contracts", headers=world.headers[key]).json()
            assert [c["id"] for c in listed] == [world.contract_id], key
        c = listed[0]
        assert (c["type"], c["type_label"], c["signed_on"], c["ends_on"]) == (
            "maintenance",
            "维护保养",
            "2026-09-01",
            "2027-08-31",
        )
        assert c["price_cny"] == "168000.00"
        assert c["owner_name"] == OWNER["name"]

    def test_ends_on_must_follow_signed_on(self, client: TestClient, world: World, state: AppState) -> None:
        before = db_snapshot(state)
        body = {**CONTRACT, "owner_id": world.owner_id, "ends_on": "2026-09-01"}
        r = client.post(f"{API}/contracts", json=body, headers=world.headers["agency_admin"])
        assert r.status_code == 422
        assert r.json()["field"] == "ends_on"
        assert db_snapshot(state) == before

    def test_unknown_type_is_422_naming_type(self, client: TestClient, world: World) -> None:
        body = {**CONTRACT, "owner_id": world.owner_id, "type": "cleaning"}
        r = client.post(f"{API}/contracts", json=body, headers=world.headers["agency_admin"])
        assert r.status_code == 422
        assert r.json()["field"] == "type"

    def test_owner_of_another_agency_is_refused(
        self, client: TestClient, admin_headers: dict[str, str], world: World
    ) -> None:
        stranger = other_agency_admin(client, admin_headers)
        r = client.post(f"{API}/contracts", json={**CONTRACT, "owner_id": world.owner_id}, headers=stranger)
        assert r.status_code == 422
        assert r.json()["field"] == "owner_id"
        assert client.get(f"{API}/contracts", headers=stranger).json() == []

    def test_name_and_price_change_and_are_audited(
        self, client: TestClient, world: World, state: AppState
    ) -> None:
        audits = count(state, AuditEntry)
        body = {"name": "西宁万达广场A区维保合同（续）", "price_cny": "172000.50", "signed_on": "2026-09-01"}
        r = client.patch(
            f"{API}/contracts/{world.contract_id}", json=body, headers=world.headers["agency_admin"]
        )
        assert r.status_code == 200, r.text
        assert (r.json()["name"], r.json()["price_cny"]) == (body["name"], "172000.50")
        assert count(state, AuditEntry) == audits + 1
        with state.sessions() as session:
            entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "contract.updated")).one()
        assert entry.before == {"name": CONTRACT["name"], "price_cny": "168000.00"}

    @pytest.mark.parametrize("change", [{"signed_on": "2026-09-02"}, {"ends_on": "2027-09-30", "name": "x"}])
    def test_date_change_is_409_r_con_1_and_changes_nothing(
        self, client: TestClient, world: World, state: AppState, change: dict[str, str]
    ) -> None:
        """R-CON-1 through the API: a PATCH that changes a date → 409 ``R-CON-1``; no row or audit changes."""
        before = db_snapshot(state)
        r = client.patch(
            f"{API}/contracts/{world.contract_id}", json=change, headers=world.headers["agency_admin"]
        )
        assert r.status_code == 409
        assert r.json()["code"] == "R-CON-1"
        assert db_snapshot(state) == before
        with state.sessions() as session:
            c = session.get_one(Contract, uuid.UUID(world.contract_id))
            assert (c.name, c.signed_on, c.ends_on) == (CONTRACT["name"], date(2026, 9, 1), date(2027, 8, 31))

    def test_other_fields_cannot_be_patched(self, client: TestClient, world: World) -> None:
        r = client.patch(
            f"{API}/contracts/{world.contract_id}",
            json={"owner_id": str(uuid.uuid4())},
            headers=world.headers["agency_admin"],
        )
        assert r.status_code == 422
        assert r.json()["field"] == "owner_id"

    def test_orm_guard_refuses_a_date_change_through_the_session_r_con_1(
        self, world: World, state: AppState
    ) -> None:
        """R-CON-1 at the ORM door: changing ``signed_on`` on a loaded contract and flushing is refused."""
        with state.sessions() as session:
            contract = session.get_one(Contract, uuid.UUID(world.contract_id))
            contract.signed_on = date(2026, 8, 1)
            with pytest.raises(RuleViolation) as caught:
                session.flush()
            assert caught.value.code == "R-CON-1"
            session.rollback()
        with state.sessions() as session:
            contract = session.get_one(Contract, uuid.UUID(world.contract_id))
            contract.ends_on = date(2027, 12, 31)
            with pytest.raises(RuleViolation):
                session.commit()
            session.rollback()
            assert session.get_one(Contract, uuid.UUID(world.contract_id)).ends_on == date(2027, 8, 31)

    def test_orm_guard_refuses_bulk_updates_of_dates_r_con_1(self, world: World, state: AppState) -> None:
        """R-CON-1 at the ORM bulk-UPDATE door; other columns may still be bulk-updated."""
        cid = uuid.UUID(world.contract_id)
        with state.sessions() as session:
            with pytest.raises(RuleViolation):
                session.execute(update(Contract).where(Contract.id == cid).values(ends_on=date(2028, 1, 1)))
            session.rollback()
            with pytest.raises(RuleViolation):
                session.execute(update(Contract), [{"id": cid, "signed_on": date(2026, 9, 2)}])
            session.rollback()
            session.execute(update(Contract).where(Contract.id == cid).values(name="改名"))
            session.commit()
        with state.sessions() as session:
            assert session.get_one(Contract, cid).ends_on == date(2027, 8, 31)

    def test_orm_guard_lets_other_changes_through(self, world: World, state: AppState) -> None:
        with state.sessions() as session:
            contract = session.get_one(Contract, uuid.UUID(world.contract_id))
            contract.name = "新名称"
            contract.signed_on = date(2026, 9, 1)  # same value: not a change
            session.commit()

    def test_contacts_are_people_with_the_owner_contact_role(self, world: World, state: AppState) -> None:
        with state.sessions() as session:
            contact = session.get_one(Person, uuid.UUID(world.owner_contact_id))
        assert contact.roles == ["owner_contact"]
        assert str(contact.owner_id) == world.owner_id
        assert contact.agency_id is None
