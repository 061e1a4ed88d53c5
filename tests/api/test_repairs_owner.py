"""Owners through the API: one-tap repair requests (R-OWN), recorded views (R-ROLE-5), service
confirmation and rating (SPEC §9)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.demo import demo_photo, ok
from api.deps import AppState
from tests.api.month_helpers import approved_plan, generate
from tests.conftest import db_snapshot, login
from workflows.notifications.models import OutboxMessage
from workflows.repairs.models import RepairPhoto

API = "/api/v1"


def repair(
    client: TestClient, world: Any, *, route: str, who: str = "owner", photo: bytes | None = None, **over: Any
) -> Any:
    """POST a repair request (response, not checked)."""
    data = {
        "facility_id": world.facility_ids[0],
        "location": "B1 消防水泵房",
        "description": "喷淋泵无法自动启动",
        "route": route,
    } | over
    files = {"photo": ("p.jpg", photo, "image/jpeg")} if photo is not None else None
    return client.post(
        f"{API}/projects/{world.project_id}/repair-requests",
        data=data,
        files=files,
        headers=world.headers[who],
    )


def other_owner_contact(client: TestClient, world: Any) -> dict[str, str]:
    """Bearer headers of a contact of a second owner of the same agency."""
    admin = world.headers["agency_admin"]
    owner = ok(
        client.post(
            f"{API}/owners",
            json={"name": "西宁市第二商场", "city": "西宁市", "address": "城东区八一路1号"},
            headers=admin,
        ),
        201,
    )
    ok(
        client.post(
            f"{API}/owners/{owner['id']}/contacts",
            json={"name": "周敏", "phone": "13997100099", "password": world.password},
            headers=admin,
        ),
        201,
    )
    return login(client, "13997100099", world.password)


class TestRepairRequest:
    def test_agency_route_opens_a_fault_the_lead_disposes(
        self, client: TestClient, world: Any, state: AppState
    ) -> None:
        req = ok(repair(client, world, route="agency", photo=demo_photo("r", seed=3, size=(64, 48))), 201)
        assert (
            req["status"] == "sent_to_agency" and req["has_photo"] and req["fault_code"].startswith("F-2026-")
        )
        inbox = ok(client.get(f"{API}/inbox", headers=world.headers["lead"]))
        assert [(i["step"], i["subject_id"]) for i in inbox] == [("dispose_fault", req["fault_id"])]
        fault = ok(client.get(f"{API}/faults/{req['fault_id']}", headers=world.headers["lead"]))
        assert fault["source"] == "repair_request" and fault["location"] == "B1 消防水泵房"
        assert fault["measured_record"] == "喷淋泵无法自动启动" and fault["item"] == "一键报修：B1 消防水泵房"
        assert [h["step"] for h in fault["history"]] == ["业主一键报修"]
        assert fault["history"][0]["person_name"] == "孙丽"
        ok(
            client.post(
                f"{API}/faults/{req['fault_id']}/disposition",
                json={"kind": "negotiating"},
                headers=world.headers["lead"],
            )
        )
        fault = ok(client.get(f"{API}/faults/{req['fault_id']}", headers=world.headers["lead"]))
        assert fault["status"] == "negotiating" and fault["history"][-1]["step"] == "与业主沟通中"
        assert not [
            i
            for i in ok(client.get(f"{API}/inbox", headers=world.headers["lead"]))
            if i["step"] == "dispose_fault"
        ]
        with state.sessions() as s:
            msgs = list(
                s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "repair_request.received"))
            )
            assert [str(m.recipient_id) for m in msgs] == [world.lead_id]
            assert (
                msgs[0].payload["fault_code"] == req["fault_code"]
                and msgs[0].payload["project_id"] == world.project_id
            )
            assert s.scalars(select(RepairPhoto)).one().size_bytes > 0
        photo = client.get(f"{API}/repair-requests/{req['id']}/photo", headers=world.headers["lead"])
        assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
        listed = ok(
            client.get(f"{API}/projects/{world.project_id}/repair-requests", headers=world.headers["owner"])
        )
        assert [r["fault_status"] for r in listed] == ["negotiating"]

    def test_internal_route_creates_no_fault_and_the_owner_closes_it(
        self, client: TestClient, world: Any, state: AppState
    ) -> None:
        req = ok(repair(client, world, route="internal"), 201)
        assert req["status"] == "handled_internally" and req["fault_id"] is None and not req["has_photo"]
        assert (
            ok(
                client.get(
                    f"{API}/faults", params={"project_id": world.project_id}, headers=world.headers["lead"]
                )
            )
            == []
        )
        assert ok(client.get(f"{API}/inbox", headers=world.headers["lead"])) == []
        with state.sessions() as s:
            assert (
                s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "repair_request.received")).all()
                == []
            )
        before = db_snapshot(state)
        r = client.post(
            f"{API}/repair-requests/{req['id']}/close", json={"note": "x"}, headers=world.headers["lead"]
        )
        assert r.status_code == 403 and db_snapshot(state) == before
        closed = ok(
            client.post(
                f"{API}/repair-requests/{req['id']}/close",
                json={"note": "物业已修复"},
                headers=world.headers["owner"],
            )
        )
        assert closed["status"] == "closed" and closed["close_note"] == "物业已修复"
        again = client.post(
            f"{API}/repair-requests/{req['id']}/close", json={}, headers=world.headers["owner"]
        )
        assert again.status_code == 409

    def test_refused_requests_change_nothing(self, client: TestClient, world: Any, state: AppState) -> None:
        other = other_owner_contact(client, world)
        before = db_snapshot(state)
        r = client.post(
            f"{API}/projects/{world.project_id}/repair-requests",
            data={
                "facility_id": world.facility_ids[0],
                "location": "x",
                "description": "y",
                "route": "agency",
            },
            headers=other,
        )
        assert r.status_code == 404
        assert repair(client, world, route="agency", who="lead").status_code == 403
        bad_facility = repair(
            client, world, route="agency", facility_id="00000000-0000-4000-8000-000000000000"
        )
        assert bad_facility.status_code == 422 and bad_facility.json()["field"] == "facility_id"
        assert repair(client, world, route="agency", location="   ").status_code == 422
        assert repair(client, world, route="elsewhere").status_code == 422
        assert repair(client, world, route="agency", photo=b"not an image").status_code == 415
        assert db_snapshot(state) == before
        req = ok(repair(client, world, route="internal"), 201)
        for path in (f"repair-requests/{req['id']}", f"projects/{world.project_id}/repair-requests"):
            assert client.get(f"{API}/{path}", headers=other).status_code == 404


class TestOwnerViews:
    def test_views_of_reports_and_faults_are_recorded(self, client: TestClient, world: Any) -> None:
        plan = approved_plan(client, world, fails=1)
        report = ok(generate(client, world, plan), 201)
        h = world.headers["owner"]
        ok(client.get(f"{API}/reports/{report['id']}", headers=h))
        assert client.get(f"{API}/reports/{report['id']}/pdf", headers=h).status_code == 200
        faults = ok(client.get(f"{API}/faults", params={"project_id": world.project_id}, headers=h))
        ok(client.get(f"{API}/faults/{faults[0]['id']}", headers=h))
        ok(client.get(f"{API}/reports/{report['id']}", headers=world.headers["lead"]))  # staff: not recorded
        views = ok(
            client.get(f"{API}/projects/{world.project_id}/owner-views", headers=world.headers["lead"])
        )
        assert sorted((v["subject_type"], v["subject_code"]) for v in views) == sorted(
            [
                ("report", report["code"]),
                ("report_pdf", report["code"]),
                ("fault", faults[0]["code"]),
                ("fault", faults[0]["code"]),
            ]
        )
        assert {v["person_id"] for v in views} == {world.owner_contact_id}
        assert {v["person_name"] for v in views} == {"孙丽"}
        assert client.get(f"{API}/projects/{world.project_id}/owner-views", headers=h).status_code == 403
        assert (
            client.get(
                f"{API}/projects/{world.project_id}/owner-views", headers=world.headers["op1"]
            ).status_code
            == 403
        )

    def test_a_refused_read_records_no_view(self, client: TestClient, world: Any, state: AppState) -> None:
        plan = approved_plan(client, world)
        report = ok(generate(client, world, plan), 201)
        other = other_owner_contact(client, world)
        before = db_snapshot(state)
        assert client.get(f"{API}/reports/{report['id']}", headers=other).status_code == 404
        assert client.get(f"{API}/reports/{report['id']}/pdf", headers=other).status_code == 404
        assert db_snapshot(state) == before


class TestServiceRating:
    def test_rate_once_and_only_after_filing(self, client: TestClient, world: Any, state: AppState) -> None:
        plan = approved_plan(client, world)
        report = ok(generate(client, world, plan), 201)
        url = f"{API}/reports/{report['id']}/confirmation"
        h = world.headers["owner"]
        before = db_snapshot(state)
        early = client.post(url, json={"rating": 5, "comment": "好"}, headers=h)
        assert early.status_code == 409
        assert db_snapshot(state) == before
        ok(
            client.post(
                f"{API}/reports/{report['id']}/filing",
                json={"opinion": "同意备案"},
                headers=world.headers["tech_lead"],
            )
        )
        listed = ok(client.get(f"{API}/projects/{world.project_id}/reports", headers=h))
        assert [(r["code"], r["status"]) for r in listed] == [(report["code"], "filed")]
        other = other_owner_contact(client, world)
        before = db_snapshot(state)
        assert client.post(url, json={"rating": 6}, headers=h).status_code == 422
        assert client.post(url, json={"rating": 0}, headers=h).status_code == 422
        assert client.post(url, json={"rating": 4}, headers=world.headers["lead"]).status_code == 403
        assert client.post(url, json={"rating": 4}, headers=other).status_code == 404
        assert client.get(url, headers=h).status_code == 404
        assert db_snapshot(state) == before
        rated = ok(client.post(url, json={"rating": 4, "comment": " 服务及时 "}, headers=h), 201)
        assert (rated["rating"], rated["comment"], rated["person_name"]) == (4, "服务及时", "孙丽")
        before = db_snapshot(state)
        assert client.post(url, json={"rating": 1}, headers=h).status_code == 409
        assert db_snapshot(state) == before
        assert ok(client.get(url, headers=world.headers["lead"]))["rating"] == 4
