"""Inspection (检测) and assessment (安全评估) projects via the API (R-INSP, R-REV-1, R-RPT-3, R-RPT-4)."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select

from api.demo import demo_photo, ok
from api.deps import AppState
from engine.clock import FrozenClock
from engine.processes.models import ProcessInstanceRecord, WorkItem, WorkItemState
from tests.api.extra_projects import (
    ASSESSMENT_ITEM,
    INSPECTION_RECORD,
    approved_yearly_plan,
    create_plan,
    make_project,
    signed_pdf,
    upload,
)
from tests.api.month_helpers import relogin
from tests.api.test_maintenance_month import pdf_text
from tests.conftest import db_snapshot
from workflows.filings.calendar import filing_deadline
from workflows.reports.models import Report

PDFTOPPM, ZBARIMG = shutil.which("pdftoppm"), shutil.which("zbarimg")


@pytest.fixture
def inspection(client: TestClient, world: Any) -> str:
    """An annual-inspection project selecting only the inspection field-record system."""
    return make_project(
        client,
        world,
        contract_type="annual_inspection",
        name="西宁万达广场年度检测",
        facility=INSPECTION_RECORD,
    )


@pytest.fixture
def assessment(client: TestClient, world: Any) -> str:
    """A safety-assessment project selecting only the assessment item."""
    return make_project(
        client,
        world,
        contract_type="safety_assessment",
        name="西宁万达广场安全评估",
        facility=ASSESSMENT_ITEM,
    )


def open_steps(state: AppState, plan_id: str) -> tuple[str, set[str]]:
    """The plan's period process id and its ready user tasks."""
    with state.sessions() as session:
        record = session.scalars(
            select(ProcessInstanceRecord).where(ProcessInstanceRecord.subject_id == _uuid(plan_id))
        ).one()
        ready = set(
            session.scalars(
                select(WorkItem.bpmn_id).where(
                    WorkItem.instance_id == record.id, WorkItem.state == WorkItemState.READY
                )
            )
        )
        return record.process_id, ready


def _uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value)


def refused(state: AppState, response: Any, status: int, code: str, before: Any) -> dict[str, Any]:
    """Assert the refusal and that no row changed; returns the error body."""
    assert response.status_code == status, response.text
    body = dict(response.json())
    assert body["code"] == code, body
    assert db_snapshot(state) == before
    return body


class TestInspectionPlan:
    def test_r_insp_one_yearly_plan_monthly_and_second_refused(
        self, client: TestClient, world: Any, state: AppState, inspection: str
    ) -> None:
        before = db_snapshot(state)
        refused(
            state,
            create_plan(client, world, inspection, nature="month", period="2026-10"),
            409,
            "R-INSP",
            before,
        )
        plan = ok(create_plan(client, world, inspection), 201)
        assert plan["name"].startswith("2026年") and plan["nature"] == "year"
        # The seed item has no period: it is due on the single yearly plan.
        assert {(line["system"], line["facility"]) for line in plan["lines"]} == {
            ("消防检测现场记录", "现场记录")
        }
        assert open_steps(state, plan["id"]) == ("inspection_period", {"issue_plan"})
        before = db_snapshot(state)
        refused(state, create_plan(client, world, inspection), 409, "R-INSP", before)
        refused(
            state,
            create_plan(client, world, inspection, nature="quarter", period="2026-Q4"),
            409,
            "R-INSP",
            before,
        )

    def test_r_rev_1_fail_result_is_approved_without_dispositions(
        self, client: TestClient, world: Any, state: AppState, inspection: str
    ) -> None:
        plan = approved_yearly_plan(client, world, inspection, fails=1)
        assert {line["state"] for line in plan["lines"]} == {"approved"}
        faults = ok(
            client.get("/api/v1/faults", params={"project_id": inspection}, headers=world.headers["lead"])
        )
        assert faults and {f["status"] for f in faults} == {"pending"}  # no disposition was needed
        assert open_steps(state, plan["id"]) == ("inspection_period", {"upload_report"})


class TestInspectionReport:
    def test_r_rpt_3_upload_appends_photos_and_qr_then_filed(
        self, client: TestClient, world: Any, state: AppState, inspection: str, tmp_path: Path
    ) -> None:
        plan = approved_yearly_plan(client, world, inspection, photos_per_line=2)
        original = signed_pdf(2)
        report = ok(
            upload(client, world, plan["id"], original, conclusion="合格", report_code="ZXJ2019 No.1234"), 201
        )
        assert (report["origin"], report["conclusion"], report["report_code"]) == (
            "uploaded",
            "合格",
            "ZXJ2019 No.1234",
        )
        assert report["code"].startswith("JC-2026-") and report["status"] == "generated"
        # 5 working days (R-FILE-1): 10-09, the make-up Saturday 10-10, 10-12, 10-13, 10-14.
        assert report["filing_deadline"] == filing_deadline(date(2026, 10, 8)).isoformat() == "2026-10-14"
        assert open_steps(state, plan["id"]) == ("inspection_period", {"file_report"})

        stored = client.get(report["pdf_url"], headers=world.headers["lead"]).content
        assert hashlib.sha256(stored).hexdigest() == report["sha256"] != hashlib.sha256(original).hexdigest()
        pages = PdfReader(io.BytesIO(stored)).pages
        assert len(pages) >= 2 + 1 + 1  # the upload, ≥ 1 photo page, the verification page
        assert pages[0].extract_text() == PdfReader(io.BytesIO(original)).pages[0].extract_text()
        text = pdf_text(stored)
        assert "检测现场记录" in text and "1、现场记录" in text and "2、现场记录" in text
        last = pages[-1].extract_text() or ""
        assert "报告真伪验证" in last and "ZXJ2019 No.1234" in last and "合格" in last
        assert hashlib.sha256(original).hexdigest() in last

        view = ok(
            client.get(
                report["verify_url"].replace("http://testserver", ""), headers={"Accept": "application/json"}
            )
        )
        assert (view["genuine"], view["filed"], view["sha256"]) == (True, False, report["sha256"])

        filed = ok(
            client.post(
                f"/api/v1/reports/{report['id']}/filing",
                json={"opinion": "同意备案"},
                headers=world.headers["tech_lead"],
            )
        )
        assert filed["status"] == "filed" and filed["filing"]["late"] is False
        view = ok(
            client.get(
                report["verify_url"].replace("http://testserver", ""), headers={"Accept": "application/json"}
            )
        )
        assert (view["genuine"], view["filed"]) == (True, True)
        assert open_steps(state, plan["id"]) == ("inspection_period", set())
        if PDFTOPPM is None or ZBARIMG is None:
            pytest.skip("QR decoding needs pdftoppm and zbarimg: apt-get install -y poppler-utils zbar-tools")
        assert decode_last_page_qr(stored, tmp_path) == report["verify_url"]

    def test_r_rpt_2_deleted_upload_is_replaced(
        self, client: TestClient, world: Any, state: AppState, inspection: str
    ) -> None:
        plan = approved_yearly_plan(client, world, inspection)
        first = ok(
            upload(client, world, plan["id"], signed_pdf(1), conclusion="不合格", report_code="A-1"), 201
        )
        before = db_snapshot(state)
        refused(
            state,
            upload(client, world, plan["id"], signed_pdf(1), conclusion="合格", report_code="A-2"),
            409,
            "R-RPT-2",
            before,
        )
        assert (
            client.delete(f"/api/v1/reports/{first['id']}", headers=world.headers["lead"]).status_code == 204
        )
        assert open_steps(state, plan["id"]) == ("inspection_period", {"upload_report"})
        second = ok(
            upload(client, world, plan["id"], signed_pdf(3), conclusion="合格", report_code="A-2"), 201
        )
        assert (second["revision"], second["conclusion"]) == (2, "合格")

    def test_r_file_1_upload_deadline_counts_from_the_last_task_submission(
        self, client: TestClient, world: Any, state: AppState, clock: FrozenClock, inspection: str
    ) -> None:
        """R-FILE-1 for uploaded reports as for generated ones: the deadline counts from the day the
        last plan task was submitted (seed 001 §3.5), not from the day the signed PDF is uploaded.
        Tasks submitted on Thursday 2026-10-08, PDF uploaded on Friday 2026-10-16: the deadline is
        2026-10-14 (already past, so filing is flagged late), not five working days after the 16th."""
        plan = approved_yearly_plan(client, world, inspection)  # submitted 2026-10-08 10:00
        clock.set(datetime(2026, 10, 16, 2, 0, tzinfo=UTC))  # Friday 2026-10-16 10:00 Asia/Shanghai
        relogin(client, world)
        report = ok(
            upload(
                client,
                world,
                plan["id"],
                signed_pdf(1),
                conclusion="合格",
                report_code="ZXJ2026 No.0042",
                report_date="2026-10-16",
                service_date="2026-10-08",
            ),
            201,
        )
        assert report["completed_on"] == "2026-10-08"
        assert report["filing_deadline"] == filing_deadline(date(2026, 10, 8)).isoformat() == "2026-10-14"
        assert report["filing_deadline"] != filing_deadline(date(2026, 10, 16)).isoformat()
        filed = ok(
            client.post(
                f"/api/v1/reports/{report['id']}/filing",
                json={"opinion": "同意备案"},
                headers=world.headers["tech_lead"],
            )
        )
        assert filed["filing"]["late"] is True and filed["filing"]["deadline"] == "2026-10-14"

    def test_r_rpt_upload_of_a_plan_with_every_line_ignored_is_refused(
        self, client: TestClient, world: Any, state: AppState, inspection: str
    ) -> None:
        """R-RPT: an upload for a plan whose every line is ignored is refused like a generation (409,
        saying to restore the lines; it used to be a 500), and writes nothing."""
        plan = ok(create_plan(client, world, inspection), 201)
        ok(
            client.post(
                f"/api/v1/plans/{plan['id']}/ignore",
                json={"line_ids": [line["id"] for line in plan["lines"]]},
                headers=world.headers["lead"],
            )
        )
        before = db_snapshot(state)
        body = refused(
            state,
            upload(client, world, plan["id"], signed_pdf(), conclusion="合格", report_code="A-1"),
            409,
            "R-RPT",
            before,
        )
        assert "请先恢复被忽略的计划项" in body["message"]

    def test_r_rpt_every_line_approved_before_upload(
        self, client: TestClient, world: Any, state: AppState, inspection: str
    ) -> None:
        plan = ok(create_plan(client, world, inspection), 201)
        before = db_snapshot(state)
        refused(
            state,
            upload(client, world, plan["id"], signed_pdf(), conclusion="合格", report_code="A-1"),
            409,
            "R-RPT",
            before,
        )

    def test_r_rpt_3_conclusion_and_code_required(
        self, client: TestClient, world: Any, state: AppState, inspection: str
    ) -> None:
        plan = approved_yearly_plan(client, world, inspection)
        before = db_snapshot(state)
        body = refused(
            state,
            upload(client, world, plan["id"], signed_pdf(), report_code="A-1"),
            422,
            "invalid_input",
            before,
        )
        assert body["field"] == "conclusion" and "合格" in body["message"]
        refused(
            state,
            upload(client, world, plan["id"], signed_pdf(), conclusion="良好", report_code="A-1"),
            422,
            "invalid_input",
            before,
        )
        body = refused(
            state,
            upload(client, world, plan["id"], signed_pdf(), conclusion="合格"),
            422,
            "invalid_input",
            before,
        )
        assert body["field"] == "report_code"
        body = refused(
            state,
            client.post(
                f"/api/v1/plans/{plan['id']}/report",
                data={"report_code": "A-1"},
                headers=world.headers["lead"],
            ),
            422,
            "invalid_input",
            before,
        )
        assert body["field"] in ("report_date", "file")

    def test_json_generation_is_refused_for_inspections(
        self, client: TestClient, world: Any, state: AppState, inspection: str
    ) -> None:
        plan = approved_yearly_plan(client, world, inspection)
        before = db_snapshot(state)
        body = refused(
            state,
            client.post(
                f"/api/v1/plans/{plan['id']}/report",
                json={"report_date": "2026-10-20", "service_date": "2026-10-20"},
                headers=world.headers["lead"],
            ),
            409,
            "R-RPT-3",
            before,
        )
        assert "PDF" in body["message"]


class TestPdfCheck:
    def test_jpeg_renamed_to_pdf_is_415(
        self, client: TestClient, world: Any, state: AppState, inspection: str
    ) -> None:
        plan = approved_yearly_plan(client, world, inspection)
        before = db_snapshot(state)
        jpeg = demo_photo("not a pdf", seed=3, size=(320, 240))
        body = refused(
            state,
            upload(client, world, plan["id"], jpeg, conclusion="合格", report_code="A-1"),
            415,
            "unsupported_media",
            before,
        )
        assert "PDF" in body["message"] and "upload" in body["message"]

    def test_pdf_header_with_garbage_is_415(
        self, client: TestClient, world: Any, state: AppState, inspection: str
    ) -> None:
        plan = approved_yearly_plan(client, world, inspection)
        before = db_snapshot(state)
        refused(
            state,
            upload(
                client,
                world,
                plan["id"],
                b"%PDF-1.7\n" + b"\x00garbage" * 200,
                conclusion="合格",
                report_code="A-1",
            ),
            415,
            "unsupported_media",
            before,
        )
        truncated = signed_pdf(2)[:300]
        refused(
            state,
            upload(client, world, plan["id"], truncated, conclusion="合格", report_code="A-1"),
            415,
            "unsupported_media",
            before,
        )

    def test_pdf_over_10_mb_is_413(
        self, client: TestClient, world: Any, state: AppState, inspection: str
    ) -> None:
        plan = approved_yearly_plan(client, world, inspection)
        before = db_snapshot(state)
        big = padded_pdf(10 * 1024 * 1024 + 1)
        body = refused(
            state,
            upload(client, world, plan["id"], big, conclusion="合格", report_code="A-1"),
            413,
            "payload_too_large",
            before,
        )
        assert "10 MB" in body["message"]


class TestAssessment:
    def test_r_rpt_4_one_yearly_plan_upload_without_conclusion_filed(
        self, client: TestClient, world: Any, state: AppState, assessment: str
    ) -> None:
        before = db_snapshot(state)
        refused(
            state,
            create_plan(client, world, assessment, nature="month", period="2026-10"),
            409,
            "R-INSP",
            before,
        )
        plan = approved_yearly_plan(client, world, assessment, fails=1)
        assert {(line["system"], line["facility"]) for line in plan["lines"]} == {
            ("安全评估系统", "安全评估项目")
        }
        assert open_steps(state, plan["id"]) == ("assessment_period", {"upload_report"})
        before = db_snapshot(state)
        refused(state, create_plan(client, world, assessment), 409, "R-INSP", before)
        body = refused(
            state,
            upload(client, world, plan["id"], signed_pdf(), conclusion="合格", report_code="ZXJ2019 No.1234"),
            422,
            "invalid_input",
            before,
        )
        assert body["field"] == "conclusion"

        original = signed_pdf(3, title="安全评估报告")
        report = ok(upload(client, world, plan["id"], original, report_code="ZXJ2019  No.1234 "), 201)
        assert (report["origin"], report["conclusion"], report["report_code"]) == (
            "uploaded",
            None,
            "ZXJ2019 No.1234",
        )
        assert report["code"].startswith("PG-2026-")
        stored = client.get(report["pdf_url"], headers=world.headers["lead"]).content
        pages = PdfReader(io.BytesIO(stored)).pages
        assert len(pages) == 3 + 1  # no photo appendix for assessments, one verification page
        assert "检测现场记录" not in pdf_text(stored) and "报告真伪验证" in (pages[-1].extract_text() or "")
        ok(
            client.post(
                f"/api/v1/reports/{report['id']}/filing",
                json={"opinion": "同意"},
                headers=world.headers["tech_lead"],
            )
        )
        with state.sessions() as session:
            row = session.get(Report, _uuid(report["id"]))
            assert row is not None
            assert (row.status, row.origin, row.content_sha256) == (
                "filed",
                "uploaded",
                hashlib.sha256(original).hexdigest(),
            )
        assert open_steps(state, plan["id"]) == ("assessment_period", set())


def padded_pdf(size: int) -> bytes:
    """A valid PDF of at least ``size`` bytes (a large metadata value)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Padding": "x" * size})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def decode_last_page_qr(pdf: bytes, tmp_path: Path) -> str:
    """Render the last page with poppler and decode its QR code with zbar."""
    assert PDFTOPPM is not None and ZBARIMG is not None
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf)
    last = len(PdfReader(io.BytesIO(pdf)).pages)
    render = [
        PDFTOPPM,
        "-png",
        "-r",
        "150",
        "-f",
        str(last),
        "-l",
        str(last),
        "-singlefile",
        str(source),
        str(tmp_path / "last"),
    ]
    subprocess.run(render, check=True, timeout=60)  # noqa: S603 - fixed argv, our own temp files
    scan = [ZBARIMG, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(tmp_path / "last.png")]
    return subprocess.run(scan, capture_output=True, text=True, check=True, timeout=60).stdout.strip()  # noqa: S603
