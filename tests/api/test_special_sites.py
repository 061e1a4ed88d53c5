"""Special sites (特殊场所, R-SPEC): direct report upload only after the fire department approves it."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from api.demo import demo_photo, ok
from api.deps import AppState
from tests.api.extra_projects import (
    SPECIAL_SITE_RECORD,
    approved_yearly_plan,
    create_plan,
    make_project,
    make_supervisor,
    signed_pdf,
    upload,
)
from tests.api.month_helpers import execute
from tests.api.test_inspection_assessment import open_steps, refused
from tests.conftest import db_snapshot

OTHER_JURISDICTION = "西宁市消防救援支队城东区大队"


@pytest.fixture
def site(client: TestClient, world: Any) -> str:
    """A maintenance project of a special site selecting the special-site field-record system."""
    return make_project(
        client,
        world,
        contract_type="maintenance",
        name="青海某化工厂危化品库区",
        facility=SPECIAL_SITE_RECORD,
    )


@pytest.fixture
def supervisor(state: AppState, client: TestClient) -> dict[str, str]:
    """A fire supervisor of the project's jurisdiction (西宁市消防救援支队城中区大队)."""
    return make_supervisor(state, client, phone="13897100101")


def approved_month(client: TestClient, world: Any, project_id: str) -> dict[str, Any]:
    """The 2026-10 plan of the site: its field-record line issued to op1, executed with photos, approved."""
    plan = ok(create_plan(client, world, project_id, nature="month", period="2026-10"), 201)
    assert {line["facility"] for line in plan["lines"]} == {"现场记录项目"}
    lines = [line["id"] for line in plan["lines"]]
    ok(
        client.post(
            f"/api/v1/plans/{plan['id']}/issue",
            json={"line_ids": lines, "executor_id": world.people["op1"]},
            headers=world.headers["lead"],
        )
    )
    task = execute(client, world, lines)
    ok(
        client.post(
            f"/api/v1/tasks/{task['id']}/review",
            json={"verdict": "approve", "opinion": "同意"},
            headers=world.headers["lead"],
        )
    )
    return dict(plan)


def request_upload(client: TestClient, world: Any, project_id: str, **kwargs: Any) -> dict[str, Any]:
    """File a direct-upload request as the project lead (JSON)."""
    return dict(
        ok(
            client.post(
                f"/api/v1/projects/{project_id}/direct-upload-requests",
                json={"reason": "涉密场所，现场禁止携带手机"} | kwargs,
                headers=world.headers["lead"],
            ),
            201,
        )
    )


def decide(client: TestClient, headers: dict[str, str], request_id: str, *, approve: bool) -> Any:
    return client.post(
        f"/api/v1/direct-upload-requests/{request_id}/decision",
        json={"approve": approve, "opinion": "同意直接上传" if approve else "理由不充分"},
        headers=headers,
    )


class TestDirectUpload:
    def test_r_spec_refused_before_approval_accepted_after(
        self, client: TestClient, world: Any, state: AppState, site: str, supervisor: dict[str, str]
    ) -> None:
        plan = approved_month(client, world, site)
        before = db_snapshot(state)
        body = refused(
            state,
            upload(client, world, plan["id"], signed_pdf(2), report_code="ZXJ2026 No.0001"),
            409,
            "R-SPEC",
            before,
        )
        assert "直接上传申请" in body["message"]

        request = request_upload(client, world, site)
        assert (request["state"], request["code"][:3]) == ("pending", "DU-")
        before = db_snapshot(state)
        refused(
            state,
            upload(client, world, plan["id"], signed_pdf(2), report_code="ZXJ2026 No.0001"),
            409,
            "R-SPEC",
            before,
        )

        decided = ok(decide(client, supervisor, request["id"], approve=True))
        assert (decided["state"], decided["opinion"], decided["decided_at"] is not None) == (
            "approved",
            "同意直接上传",
            True,
        )
        original = signed_pdf(2, title="维护保养报告")
        report = ok(upload(client, world, plan["id"], original, report_code="ZXJ2026 No.0001"), 201)
        assert (report["origin"], report["conclusion"], report["code"][:3]) == ("uploaded", None, "WB-")
        stored = client.get(report["pdf_url"], headers=world.headers["lead"]).content
        pages = PdfReader(io.BytesIO(stored)).pages
        assert len(pages) == 2 + 1  # no photo appendix for a maintenance upload; the QR page
        assert "报告真伪验证" in (pages[-1].extract_text() or "")
        assert open_steps(state, plan["id"]) == ("maintenance_period", {"file_report"})
        filed = ok(
            client.post(
                f"/api/v1/reports/{report['id']}/filing",
                json={"opinion": "同意"},
                headers=world.headers["tech_lead"],
            )
        )
        assert filed["status"] == "filed"
        assert open_steps(state, plan["id"]) == ("maintenance_period", set())

    def test_generation_stays_possible_for_a_special_site(
        self, client: TestClient, world: Any, site: str, supervisor: dict[str, str]
    ) -> None:
        request = request_upload(client, world, site)
        ok(decide(client, supervisor, request["id"], approve=True))
        plan = approved_month(client, world, site)
        report = ok(
            client.post(
                f"/api/v1/plans/{plan['id']}/report",
                json={"report_date": "2026-10-20", "service_date": "2026-10-20"},
                headers=world.headers["lead"],
            ),
            201,
        )
        assert report["origin"] == "generated"

    def test_rejected_request_keeps_upload_closed_and_may_be_filed_again(
        self, client: TestClient, world: Any, state: AppState, site: str, supervisor: dict[str, str]
    ) -> None:
        plan = approved_month(client, world, site)
        request = request_upload(client, world, site)
        assert ok(decide(client, supervisor, request["id"], approve=False))["state"] == "rejected"
        before = db_snapshot(state)
        refused(
            state, upload(client, world, plan["id"], signed_pdf(), report_code="A-1"), 409, "R-SPEC", before
        )
        refused(state, decide(client, supervisor, request["id"], approve=True), 409, "conflict", before)
        again = request_upload(client, world, site, reason="易燃易爆场所，补充申请表")
        listed = ok(
            client.get(f"/api/v1/projects/{site}/direct-upload-requests", headers=world.headers["lead"])
        )
        assert [r["id"] for r in listed] == [again["id"], request["id"]]

    def test_one_open_request_at_a_time(
        self, client: TestClient, world: Any, state: AppState, site: str, supervisor: dict[str, str]
    ) -> None:
        request = request_upload(client, world, site)
        before = db_snapshot(state)
        url = f"/api/v1/projects/{site}/direct-upload-requests"
        refused(
            state,
            client.post(url, json={"reason": "再次申请"}, headers=world.headers["lead"]),
            409,
            "conflict",
            before,
        )
        ok(decide(client, supervisor, request["id"], approve=True))
        before = db_snapshot(state)
        refused(
            state,
            client.post(url, json={"reason": "再次申请"}, headers=world.headers["lead"]),
            409,
            "conflict",
            before,
        )
        refused(
            state,
            client.post(url, json={"reason": "  "}, headers=world.headers["lead"]),
            422,
            "invalid_input",
            before,
        )

    def test_request_with_files_multipart(self, client: TestClient, world: Any, site: str) -> None:
        files = [
            ("files", ("申请表.pdf", signed_pdf(1), "application/pdf")),
            ("files", ("厂区大门.jpg", demo_photo("gate", seed=2, size=(64, 48)), "image/jpeg")),
        ]
        created = ok(
            client.post(
                f"/api/v1/projects/{site}/direct-upload-requests",
                data={"reason": "涉密单位"},
                files=files,
                headers=world.headers["lead"],
            ),
            201,
        )
        assert created["reason"] == "涉密单位"
        assert sorted(a["file_name"] for a in created["attachments"]) == ["厂区大门.jpg", "申请表.pdf"]
        assert all(len(a["sha256"]) == 64 and a["size_bytes"] > 0 for a in created["attachments"])


class TestWhoDecides:
    def test_supervisor_of_another_jurisdiction_gets_404(
        self, client: TestClient, world: Any, state: AppState, site: str
    ) -> None:
        request = request_upload(client, world, site)
        other = make_supervisor(
            state, client, phone="13897100102", jurisdiction=OTHER_JURISDICTION, name="吴监督"
        )
        before = db_snapshot(state)
        refused(state, decide(client, other, request["id"], approve=True), 404, "not_found", before)
        refused(
            state,
            client.get(f"/api/v1/direct-upload-requests/{request['id']}", headers=other),
            404,
            "not_found",
            before,
        )

    def test_agency_staff_cannot_decide_403(
        self, client: TestClient, world: Any, state: AppState, site: str
    ) -> None:
        request = request_upload(client, world, site)
        before = db_snapshot(state)
        for who in ("lead", "tech_lead", "manager"):
            refused(
                state,
                decide(client, world.headers[who], request["id"], approve=True),
                403,
                "forbidden",
                before,
            )

    def test_operators_and_supervisors_cannot_request(
        self, client: TestClient, world: Any, state: AppState, site: str, supervisor: dict[str, str]
    ) -> None:
        before = db_snapshot(state)
        url = f"/api/v1/projects/{site}/direct-upload-requests"
        refused(state, client.post(url, json={"reason": "x"}, headers=supervisor), 403, "forbidden", before)
        refused(
            state,
            client.post(url, json={"reason": "x"}, headers=world.headers["op1"]),
            404,
            "not_found",
            before,
        )


class TestInspectionSpecialSite:
    def test_inspection_projects_upload_without_a_request(self, client: TestClient, world: Any) -> None:
        """R-RPT-3 already uploads: a special-site request is only needed for maintenance (R-SPEC)."""
        project = make_project(
            client,
            world,
            contract_type="special_inspection",
            name="危化品库区专项检测",
            facility=SPECIAL_SITE_RECORD,
        )
        plan = approved_yearly_plan(client, world, project)
        report = ok(
            upload(client, world, plan["id"], signed_pdf(), conclusion="合格", report_code="ZJ-1"), 201
        )
        assert report["origin"] == "uploaded"
