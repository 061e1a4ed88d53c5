"""Projects through the API: creation and read shape, R-PRJ-2 (first plan month: choice from the
20th, immutable), field validation, buildings (R-PRJ-1) and facility selection (R-CAT-1)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.deps import AppState
from api.world import BUILDINGS, CONTRACT, FACILITIES, PROJECT, World
from tests.conftest import db_snapshot
from workflows.audit.models import AuditEntry
from workflows.catalog.loader import is_due, is_plan_item

API = "/api/v1"


def count(state: AppState, model: Any) -> int:
    """Rows of ``model``'s table, read in a fresh session."""
    with state.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def new_contract(client: TestClient, world: World, signed_on: str, *, ctype: str = "maintenance") -> str:
    body = {
        **CONTRACT,
        "owner_id": world.owner_id,
        "signed_on": signed_on,
        "ends_on": "2027-09-30",
        "type": ctype,
    }
    r = client.post(f"{API}/contracts", json=body, headers=world.headers["agency_admin"])
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def project_body(world: World, contract_id: str, **changes: Any) -> dict[str, Any]:
    return {**PROJECT, "contract_id": contract_id, "lead_id": world.lead_id, **changes}


class TestCreateAndRead:
    def test_world_project_read_shape(self, client: TestClient, world: World) -> None:
        """Happy path of POST /projects, /buildings, PUT /facilities and GET /projects/{id}."""
        r = client.get(f"{API}/projects/{world.project_id}", headers=world.headers["agency_admin"])
        assert r.status_code == 200, r.text
        p = r.json()
        assert re.fullmatch(r"P-2026-\d{4}", p["code"])
        assert (p["name"], p["city"], p["jurisdiction"]) == (
            PROJECT["name"],
            "西宁市",
            PROJECT["jurisdiction"],
        )
        assert p["owner_id"] == world.owner_id
        assert (p["contract_id"], p["contract_type"]) == (world.contract_id, "maintenance")
        assert (p["lead_id"], p["lead_name"]) == (world.lead_id, "刘洋")
        assert p["status"] == "active"
        assert p["first_plan_month"] == "2026-09-01"
        assert (p["latitude"], p["longitude"], p["geofence_radius_m"]) == (36.6171, 101.7782, 300)
        assert p["key_unit"] is True
        assert [b["name"] for b in p["buildings"]] == [b["name"] for b in BUILDINGS]
        tank = p["buildings"][1]["water_storage"]
        assert tank == {"type": "高位消防水箱", "location": "屋顶水箱间", "capacity_m3": "36.00"}
        assert p["buildings"][0]["water_storage"] is None
        assert p["buildings"][0]["total_area_m2"] == "86500.00"
        assert sorted(p["facility_ids"]) == sorted(world.facility_ids)
        listed = client.get(f"{API}/projects", headers=world.headers["agency_admin"]).json()
        assert [x["id"] for x in listed] == [world.project_id]

    def test_creation_is_audited(self, world: World, state: AppState) -> None:
        with state.sessions() as session:
            actions = set(session.scalars(select(AuditEntry.action)))
        assert {"project.created", "building.created", "project.facilities_selected"} <= actions

    def test_world_facilities_give_a_monthly_plan_of_20_to_40_lines(
        self, client: TestClient, world: World
    ) -> None:
        """The demo selection is realistic: every monthly plan of the contract has 20-40 lines (R-PLAN)."""
        catalog = client.get(f"{API}/catalog", headers=world.headers["lead"]).json()
        periods = {
            f["id"]: [i["period"] for i in f["items"]]
            for s in catalog
            for c in s["categories"]
            for f in c["facilities"]
        }
        assert len(world.facility_ids) == len(FACILITIES)
        for month in [date(2026, m, 1) for m in range(9, 13)] + [date(2027, m, 1) for m in range(1, 9)]:
            lines = sum(
                1
                for fid in world.facility_ids
                for period in periods[fid]
                if is_plan_item(period) and is_due(period, nature="month", period_start=month, anchor_month=9)
            )
            assert 20 <= lines <= 40, (month, lines)

    def test_lead_must_be_a_project_lead_of_the_agency(self, client: TestClient, world: World) -> None:
        r = client.post(
            f"{API}/projects",
            json=project_body(world, world.contract_id, lead_id=world.op1_id),
            headers=world.headers["agency_admin"],
        )
        assert r.status_code == 422
        assert r.json()["field"] == "lead_id"

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"latitude": 91}, "latitude"),
            ({"longitude": -181}, "longitude"),
            ({"geofence_radius_m": 5}, "geofence_radius_m"),
            ({"geofence_radius_m": 5001}, "geofence_radius_m"),
            ({"jurisdiction": ""}, "jurisdiction"),
            ({"first_plan_month": "2026-09"}, "first_plan_month"),
            ({"price_cny": "-1"}, "price_cny"),
        ],
    )
    def test_validation_errors_name_the_field_and_write_nothing(
        self, client: TestClient, world: World, state: AppState, change: dict[str, Any], field: str
    ) -> None:
        before = db_snapshot(state)
        r = client.post(
            f"{API}/projects",
            json=project_body(world, world.contract_id, **change),
            headers=world.headers["agency_admin"],
        )
        assert r.status_code == 422, r.text
        assert r.json()["field"] == field
        assert db_snapshot(state) == before

    def test_missing_jurisdiction_is_422(self, client: TestClient, world: World) -> None:
        body = {k: v for k, v in project_body(world, world.contract_id).items() if k != "jurisdiction"}
        r = client.post(f"{API}/projects", json=body, headers=world.headers["agency_admin"])
        assert r.status_code == 422
        assert r.json()["field"] == "jurisdiction"

    def test_default_geofence_radius_is_200_m(self, client: TestClient, world: World) -> None:
        body = {k: v for k, v in project_body(world, world.contract_id).items() if k != "geofence_radius_m"}
        r = client.post(
            f"{API}/projects", json={**body, "name": "西宁万达广场B区"}, headers=world.headers["agency_admin"]
        )
        assert r.status_code == 201, r.text
        assert r.json()["geofence_radius_m"] == 200
        assert r.json()["code"] != world.project_code

    def test_only_the_agency_admin_creates_projects(self, client: TestClient, world: World) -> None:
        r = client.post(
            f"{API}/projects", json=project_body(world, world.contract_id), headers=world.headers["lead"]
        )
        assert r.status_code == 403


class TestFirstPlanMonth:
    def test_signed_on_the_23rd_allows_both_choices_r_prj_2(self, client: TestClient, world: World) -> None:
        """R-PRJ-2: a maintenance contract signed 2026-09-23 → signing month or next month."""
        contract_id = new_contract(client, world, "2026-09-23")
        months = {}
        for choice in ("signing_month", "next_month"):
            r = client.post(
                f"{API}/projects",
                json=project_body(world, contract_id, name=choice, first_plan_month=choice),
                headers=world.headers["agency_admin"],
            )
            assert r.status_code == 201, r.text
            months[choice] = r.json()["first_plan_month"]
        assert months == {"signing_month": "2026-09-01", "next_month": "2026-10-01"}

    def test_signed_on_the_5th_refuses_next_month_r_prj_2(
        self, client: TestClient, world: World, state: AppState
    ) -> None:
        """R-PRJ-2: signed 2026-09-05 (before the 20th): ``next_month`` is 422 ``R-PRJ-2``, writes nothing."""
        contract_id = new_contract(client, world, "2026-09-05")
        before = db_snapshot(state)
        r = client.post(
            f"{API}/projects",
            json=project_body(world, contract_id, first_plan_month="next_month"),
            headers=world.headers["agency_admin"],
        )
        assert r.status_code == 422
        assert r.json()["code"] == "R-PRJ-2"
        assert r.json()["field"] == "first_plan_month"
        assert "R-PRJ-2" in r.json()["message"]
        assert db_snapshot(state) == before
        r = client.post(
            f"{API}/projects", json=project_body(world, contract_id), headers=world.headers["agency_admin"]
        )
        assert r.status_code == 201
        assert r.json()["first_plan_month"] == "2026-09-01"

    def test_inspection_contracts_start_in_the_signing_month_r_prj_2(
        self, client: TestClient, world: World
    ) -> None:
        contract_id = new_contract(client, world, "2026-09-25", ctype="annual_inspection")
        r = client.post(
            f"{API}/projects",
            json=project_body(world, contract_id, first_plan_month="next_month"),
            headers=world.headers["agency_admin"],
        )
        assert r.status_code == 422
        assert r.json()["code"] == "R-PRJ-2"

    @pytest.mark.parametrize("value", ["next_month", "2026-10-01"])
    def test_first_plan_month_is_immutable_r_prj_2(
        self, client: TestClient, world: World, state: AppState, value: str
    ) -> None:
        """R-PRJ-2: the choice cannot change after save: PATCH → 409 ``R-PRJ-2``, nothing changes."""
        contract_id = new_contract(client, world, "2026-09-23")
        r = client.post(
            f"{API}/projects", json=project_body(world, contract_id), headers=world.headers["agency_admin"]
        )
        project_id = r.json()["id"]
        before = db_snapshot(state)
        r = client.patch(
            f"{API}/projects/{project_id}",
            json={"first_plan_month": value, "name": "改名"},
            headers=world.headers["agency_admin"],
        )
        assert r.status_code == 409
        assert r.json()["code"] == "R-PRJ-2"
        assert db_snapshot(state) == before
        p = client.get(f"{API}/projects/{project_id}", headers=world.headers["agency_admin"]).json()
        assert (p["first_plan_month"], p["name"]) == ("2026-09-01", PROJECT["name"])

    def test_patch_other_fields_and_resend_the_same_month(self, client: TestClient, world: World) -> None:
        body = {"first_plan_month": "signing_month", "safety_manager": "韩梅", "geofence_radius_m": 250}
        r = client.patch(
            f"{API}/projects/{world.project_id}", json=body, headers=world.headers["agency_admin"]
        )
        assert r.status_code == 200, r.text
        assert (r.json()["safety_manager"], r.json()["geofence_radius_m"]) == ("韩梅", 250)
        assert r.json()["first_plan_month"] == "2026-09-01"

    def test_contract_cannot_be_patched(self, client: TestClient, world: World) -> None:
        r = client.patch(
            f"{API}/projects/{world.project_id}",
            json={"contract_id": world.contract_id},
            headers=world.headers["agency_admin"],
        )
        assert r.status_code == 422
        assert r.json()["field"] == "contract_id"


class TestBuildings:
    def test_building_with_and_without_water_storage_r_prj_1(self, client: TestClient, world: World) -> None:
        """R-PRJ-1: buildings hang off the project and share its facility set."""
        body = {
            "name": "A区3号楼（地下车库）",
            "total_area_m2": "12000.5",
            "underground_area_m2": "12000.5",
            "floors_below": 2,
            "height_m": "0",
            "water_storage": None,
        }
        r = client.post(
            f"{API}/projects/{world.project_id}/buildings", json=body, headers=world.headers["lead"]
        )
        assert r.status_code == 201, r.text
        assert r.json()["total_area_m2"] == "12000.5"
        p = client.get(f"{API}/projects/{world.project_id}", headers=world.headers["lead"]).json()
        assert len(p["buildings"]) == 3

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"remark": "长" * 101}, "remark"),
            ({"total_area_m2": "-1"}, "total_area_m2"),
            ({"height_m": "12.345"}, "height_m"),
            ({"floors_above": -1}, "floors_above"),
            (
                {"water_storage": {"type": "消防水池", "location": "地下室", "capacity_m3": "0"}},
                "water_storage.capacity_m3",
            ),
        ],
    )
    def test_building_validation_names_the_field(
        self, client: TestClient, world: World, state: AppState, change: dict[str, Any], field: str
    ) -> None:
        before = db_snapshot(state)
        body = {"name": "坏数据楼", **change}
        r = client.post(
            f"{API}/projects/{world.project_id}/buildings", json=body, headers=world.headers["agency_admin"]
        )
        assert r.status_code == 422
        assert r.json()["field"] == field
        assert db_snapshot(state) == before

    def test_field_operator_cannot_add_buildings(self, client: TestClient, world: World) -> None:
        """An operator with no issued lines does not see the project at all (404, R-ROLE-3)."""
        r = client.post(
            f"{API}/projects/{world.project_id}/buildings", json={"name": "x"}, headers=world.headers["op1"]
        )
        assert r.status_code == 404


class TestFacilities:
    def test_unknown_facility_is_422_r_cat_1_and_selection_unchanged(
        self, client: TestClient, world: World, state: AppState
    ) -> None:
        """R-CAT-1: only catalog facilities; an unknown id → 422 ``facility_ids``; the selection stays."""
        before = db_snapshot(state)
        ids = [*world.facility_ids[:2], "00000000-0000-4000-8000-000000000000"]
        r = client.put(
            f"{API}/projects/{world.project_id}/facilities",
            json={"facility_ids": ids},
            headers=world.headers["agency_admin"],
        )
        assert r.status_code == 422
        assert r.json()["field"] == "facility_ids"
        assert "R-CAT-1" in r.json()["message"]
        assert db_snapshot(state) == before

    def test_selection_is_replaced(self, client: TestClient, world: World) -> None:
        """PUT replaces: the lead of the project (a manager) keeps three facilities (duplicates ignored)."""
        keep = [world.facility_ids[3], world.facility_ids[0], world.facility_ids[3], world.facility_ids[5]]
        r = client.put(
            f"{API}/projects/{world.project_id}/facilities",
            json={"facility_ids": keep},
            headers=world.headers["lead"],
        )
        assert r.status_code == 200, r.text
        assert sorted(r.json()["facility_ids"]) == sorted(set(keep))
        r = client.put(
            f"{API}/projects/{world.project_id}/facilities",
            json={"facility_ids": []},
            headers=world.headers["tech_lead"],
        )
        assert r.json()["facility_ids"] == []

    def test_owner_contact_sees_but_cannot_select(self, client: TestClient, world: World) -> None:
        assert (
            client.get(f"{API}/projects/{world.project_id}", headers=world.headers["owner"]).status_code
            == 200
        )
        r = client.put(
            f"{API}/projects/{world.project_id}/facilities",
            json={"facility_ids": []},
            headers=world.headers["owner"],
        )
        assert r.status_code == 403

    def test_malformed_id_is_422_naming_facility_ids(self, client: TestClient, world: World) -> None:
        r = client.put(
            f"{API}/projects/{world.project_id}/facilities",
            json={"facility_ids": ["nope"]},
            headers=world.headers["agency_admin"],
        )
        assert r.status_code == 422
        assert r.json()["field"].startswith("facility_ids")
