"""The uploaded-report PDF check and the appended pages (R-RPT-3, R-RPT-4), without the API."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter

from api.demo import demo_photo
from engine.errors import PayloadTooLarge, UnsupportedMedia
from tests.api.extra_projects import signed_pdf
from workflows.reports.appendix import (
    FieldPhoto,
    VerificationFacts,
    merge_pdfs,
    render_photo_pages,
    render_verification_page,
)
from workflows.reports.upload import check_report_pdf

FACTS = VerificationFacts(
    report_number="JC-2026-0001",
    report_code="ZXJ2019 No.1234",
    title="2026年年度检测报告",
    project="西宁万达广场A区",
    owner="西宁市城中区万达广场置业有限公司",
    agency="青海安泰消防技术服务有限公司",
    conclusion="合格",
    report_date="2026-10-20",
    uploaded_at="2026-10-20 10:00",
    upload_sha256="a" * 64,
    verify_url="http://testserver/verify/token",
)


def _written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class TestCheckReportPdf:
    def test_real_pdf_gives_its_page_count(self) -> None:
        assert check_report_pdf(signed_pdf(3)) == 3

    def test_r_rpt_4_jpeg_is_415(self) -> None:
        with pytest.raises(UnsupportedMedia, match="%PDF-"):
            check_report_pdf(demo_photo("x", seed=1, size=(32, 32)))

    def test_encrypted_pdf_is_415(self) -> None:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(signed_pdf(1))))
        writer.encrypt("secret")
        with pytest.raises(UnsupportedMedia, match="加密"):
            check_report_pdf(_written(writer))

    def test_pdf_without_pages_is_415(self) -> None:
        with pytest.raises(UnsupportedMedia, match="没有页面"):
            check_report_pdf(_written(PdfWriter()))

    def test_limit_is_checked_before_parsing(self) -> None:
        with pytest.raises(PayloadTooLarge, match="10 MB"):
            check_report_pdf(b"%PDF-" + b"0" * (10 * 1024 * 1024))


class TestAppendix:
    def test_photo_pages_and_verification_page_merge_after_the_upload(self) -> None:
        photos = [
            FieldPhoto(demo_photo(f"p{i}", seed=i, size=(320, 240)), f"报警阀组 · 任务 T-{i}")
            for i in range(3)
        ]
        merged = merge_pdfs(
            signed_pdf(2),
            render_photo_pages(photos, heading="检测现场记录", footer="JC-1"),
            render_verification_page(FACTS),
        )
        pages = PdfReader(io.BytesIO(merged)).pages
        assert len(pages) >= 2 + 2 + 1  # two photos per page at most
        text = "\n".join(p.extract_text() or "" for p in pages)
        assert "1、报警阀组 · 任务 T-0" in text and "3、报警阀组 · 任务 T-2" in text
        assert "ZXJ2019 No.1234" in (pages[-1].extract_text() or "")

    def test_renders_are_deterministic(self) -> None:
        assert render_verification_page(FACTS) == render_verification_page(FACTS)

    def test_no_photos_says_so(self) -> None:
        pdf = render_photo_pages([], heading="检测现场记录", footer="JC-1")
        assert "没有现场记录照片" in (PdfReader(io.BytesIO(pdf)).pages[0].extract_text() or "")
