"""The fire department through the REST API: supervisors, jurisdiction scope, statistics (R-SUP, R-LIFE)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from api.demo import ok
from api.deps import AppState
from engine.clock import FrozenClock
from engine.db import unit_of_work
from tests.api.lifecycle_helpers import (
    JURISDICTION,
    OTHER_JURISDICTION,
    OTHER_SUPERVISOR,
    SUPERVISOR,
    add_project,
    add_supervisor,
    request_suspension,
)
from tests.api.month_helpers import approved_plan, generate, relogin
from tests.conftest import db_snapshot, login
from workflows.context import Ctx
from workflows.people.models import Person
from workflows.supervision.service import supervision_stats


class TestSupervisors:
    def test_platform_admin_creates_enabled_supervisors(
        self, client: TestClient, world: Any, admin_headers: dict[str, str], state: AppState
    ) -> None:
        created = ok(client.post("/api/v1/supervisors", json=SUPERVISOR, headers=admin_headers), 201)
        assert (created["roles"], created["enabled"], created["jurisdiction"]) == (
            ["fire_supervisor"],
            True,
            JURISDICTION,
        )
        me = ok(client.get("/api/v1/me", headers=login(client, SUPERVISOR["phone"], SUPERVISOR["password"])))
        assert me["jurisdiction"] == JURISDICTION
        before = db_snapshot(state)
        r = client.post("/api/v1/supervisors", json=OTHER_SUPERVISOR, headers=world.headers["agency_admin"])
        assert r.status_code == 403
        r = client.post(
            "/api/v1/supervisors",
            json={**OTHER_SUPERVISOR, "phone": SUPERVISOR["phone"]},
            headers=admin_headers,
        )
        assert r.status_code == 409
        r = client.post(
            "/api/v1/supervisors", json={**OTHER_SUPERVISOR, "jurisdiction": " "}, headers=admin_headers
        )
        assert r.status_code == 422
        assert client.get("/api/v1/supervisors", headers=world.headers["manager"]).status_code == 403
        assert db_snapshot(state) == before
        ok(client.post("/api/v1/supervisors", json=OTHER_SUPERVISOR, headers=admin_headers), 201)
        listed = ok(client.get("/api/v1/supervisors", headers=admin_headers))
        assert [s["jurisdiction"] for s in listed] == sorted([JURISDICTION, OTHER_JURISDICTION])

    def test_supervisor_sees_the_projects_of_their_jurisdiction_only(
        self, client: TestClient, world: Any, admin_headers: dict[str, str]
    ) -> None:
        elsewhere = add_project(
            client,
            world,
            "城东项目",
            signed_on="2026-09-01",
            ends_on="2027-08-31",
            jurisdiction=OTHER_JURISDICTION,
        )
        _, mine = add_supervisor(client, admin_headers, SUPERVISOR)
        _, other = add_supervisor(client, admin_headers, OTHER_SUPERVISOR)
        assert [p["id"] for p in ok(client.get("/api/v1/projects", headers=mine))] == [world.project_id]
        assert [p["id"] for p in ok(client.get("/api/v1/projects", headers=other))] == [elsewhere.project_id]
        assert client.get(f"/api/v1/projects/{world.project_id}", headers=other).status_code == 404
        assert (
            ok(client.get(f"/api/v1/projects/{world.project_id}", headers=mine))["name"] == world.project_name
        )


def agency_row(body: dict[str, Any], world: Any) -> dict[str, Any]:
    """The statistics row of the world's agency."""
    (row,) = [a for a in body["agencies"] if a["agency_id"] == world.agency_id]
    return dict(row)


class TestStats:
    def test_small_realistic_month(
        self,
        client: TestClient,
        world: Any,
        admin_headers: dict[str, str],
        clock: FrozenClock,
        state: AppState,
    ) -> None:
        """One on-time filing, one late filing (R-FILE-1), one overdue month (R-RPT-1), one suspended
        month and one terminated project (both left out, R-LIFE), open faults by age."""
        sup_id, sup = add_supervisor(client, admin_headers, SUPERVISOR)
        _, other_sup = add_supervisor(client, admin_headers, OTHER_SUPERVISOR)
        on_time = world  # signed 2026-09-01
        late = add_project(
            client, world, "B区", signed_on="2026-09-23", ends_on="2027-09-22", first_plan_month="next_month"
        )
        overdue = add_project(client, world, "C区", signed_on="2026-09-01", ends_on="2027-08-31")
        suspended = add_project(client, world, "D区", signed_on="2026-09-01", ends_on="2027-08-31")
        terminated = add_project(client, world, "E区", signed_on="2026-09-01", ends_on="2027-08-31")
        add_project(
            client,
            world,
            "城东项目",
            signed_on="2026-09-01",
            ends_on="2027-08-31",
            jurisdiction=OTHER_JURISDICTION,
        )

        report = ok(
            generate(client, on_time, approved_plan(client, on_time, "2026-10", fails=1), "2026-10-08"), 201
        )
        ok(
            client.post(
                f"/api/v1/reports/{report['id']}/filing",
                json={"opinion": "同意"},
                headers=world.headers["tech_lead"],
            )
        )
        late_report = ok(generate(client, late, approved_plan(client, late, "2026-10"), "2026-10-08"), 201)
        assert late_report["filing_deadline"] == "2026-10-14"
        s = ok(request_suspension(client, suspended, "2026-10"), 201)
        ok(
            client.post(
                f"/api/v1/suspensions/{s['id']}/decision",
                json={"approve": True, "opinion": "同意"},
                headers=sup,
            )
        )
        approved_plan(client, terminated, "2026-10", fails=1)  # its open fault is left out with it
        ok(
            client.post(
                f"/api/v1/projects/{terminated.project_id}/termination",
                json={"reason": "合同解除"},
                headers=world.headers["agency_admin"],
            )
        )

        current = agency_row(ok(client.get("/api/v1/supervision/stats", headers=sup)), world)
        assert (current["due"], current["on_time"], current["unfiled"], current["in_progress"]) == (
            3,
            1,
            1,
            1,
        )

        clock.set(datetime(2026, 10, 20, 2, 0, tzinfo=UTC))
        relogin(client, late)
        filed = ok(
            client.post(
                f"/api/v1/reports/{late_report['id']}/filing",
                json={"opinion": "同意"},
                headers=late.headers["tech_lead"],
            )
        )
        assert filed["filing"]["late"] is True

        clock.set(datetime(2026, 11, 2, 2, 0, tzinfo=UTC))
        relogin(client, world)
        sup = login(client, SUPERVISOR["phone"], SUPERVISOR["password"])
        admin = login(client, "13900000000", "admin-pass-1")  # as the admin_headers fixture
        body = ok(client.get("/api/v1/supervision/stats", params={"month": "2026-10"}, headers=sup))
        assert (body["jurisdiction"], body["month"], body["as_of"]) == (JURISDICTION, "2026-10", "2026-11-02")
        row = agency_row(body, world)
        assert row == row | {
            "projects": 5,
            "due": 3,
            "on_time": 1,
            "filed_late": 1,
            "unfiled": 0,
            "overdue": 1,
            "in_progress": 0,
            "suspended_projects": 1,
            "terminated_projects": 1,
            "open_faults_le_30d": 1,
            "open_faults_31_90d": 0,
            "open_faults_over_90d": 0,
        }
        assert overdue.project_id != suspended.project_id  # C区 is the overdue one, D区 is left out

        explicit = ok(
            client.get(
                "/api/v1/supervision/stats",
                params={"month": "2026-10", "jurisdiction": JURISDICTION},
                headers=sup,
            )
        )
        assert agency_row(explicit, world) == row
        everywhere = agency_row(
            ok(client.get("/api/v1/supervision/stats", params={"month": "2026-10"}, headers=admin)),
            world,
        )
        assert (everywhere["projects"], everywhere["due"], everywhere["overdue"]) == (6, 4, 2)
        theirs = agency_row(
            ok(
                client.get(
                    "/api/v1/supervision/stats",
                    params={"month": "2026-10", "jurisdiction": OTHER_JURISDICTION},
                    headers=admin,
                )
            ),
            world,
        )
        assert (theirs["projects"], theirs["overdue"]) == (1, 1)

        other_sup = login(client, OTHER_SUPERVISOR["phone"], OTHER_SUPERVISOR["password"])
        before = db_snapshot(state)
        for headers, params in (
            (sup, {"jurisdiction": OTHER_JURISDICTION}),
            (other_sup, {"jurisdiction": JURISDICTION}),
            (world.headers["manager"], {}),
        ):
            r = client.get("/api/v1/supervision/stats", params=params, headers=headers)
            assert r.status_code == 403, r.text
        r = client.get("/api/v1/supervision/stats", params={"month": "2026-13"}, headers=sup)
        assert r.status_code == 422 and r.json()["field"] == "month"
        assert db_snapshot(state) == before

        clock.set(datetime(2026, 11, 10, 2, 0, tzinfo=UTC))  # the fault is 33 days old
        sup = login(client, SUPERVISOR["phone"], SUPERVISOR["password"])
        aged = agency_row(
            ok(client.get("/api/v1/supervision/stats", params={"month": "2026-10"}, headers=sup)), world
        )
        assert (aged["open_faults_le_30d"], aged["open_faults_31_90d"], aged["open_faults_over_90d"]) == (
            0,
            1,
            0,
        )
        # tokens cannot be issued in the (machine's) future (PyJWT checks iat): call the service directly
        clock.set(datetime(2027, 1, 15, 2, 0, tzinfo=UTC))
        with unit_of_work(state.sessions) as session:
            person = session.get(Person, uuid.UUID(sup_id))
            ctx = Ctx(session, clock, state.settings, state.processes, person)
            stats = supervision_stats(ctx, jurisdiction=None, month="2026-10")
        (later,) = [a for a in stats.agencies if str(a.agency_id) == world.agency_id]
        assert (later.open_faults_31_90d, later.open_faults_over_90d, later.overdue) == (0, 1, 1)


class TestTerminationMonth:
    def test_terminated_in_month_m_counts_normally_before_m_r_life(
        self, client: TestClient, world: Any, admin_headers: dict[str, str], state: AppState
    ) -> None:
        """E区 (signed 09-01) is terminated on 2026-10-08: September still counts it (due, overdue:
        no September report); October and later leave it out as terminated."""
        _, sup = add_supervisor(client, admin_headers, SUPERVISOR)
        ended = add_project(client, world, "E区", signed_on="2026-09-01", ends_on="2027-08-31")
        ok(
            client.post(
                f"/api/v1/projects/{ended.project_id}/termination",
                json={"reason": "合同解除"},
                headers=world.headers["agency_admin"],
            )
        )

        def row(month: str) -> dict[str, Any]:
            body = ok(client.get("/api/v1/supervision/stats", params={"month": month}, headers=sup))
            return agency_row(body, world)

        september = row("2026-09")  # both projects are due in September and neither has a report
        assert (september["projects"], september["due"], september["overdue"]) == (2, 2, 2)
        assert september["terminated_projects"] == 0
        for month in ("2026-10", "2026-11"):
            later = row(month)
            assert (later["projects"], later["due"], later["terminated_projects"]) == (2, 1, 1), month
