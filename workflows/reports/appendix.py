"""Pages fireops appends to an uploaded report PDF (R-RPT-3, R-RPT-4, R-SPEC).

* :func:`render_photo_pages`: the field-record photos of an inspection (检测现场记录), each with a
  caption naming the facility, item and task, as the seed manual's generated inspection report
  ends (seed 001 ch.5 §2.5).
* :func:`render_verification_page`: one page with the QR code of the verification URL and the
  report's particulars, appended to every uploaded report.
* :func:`merge_pdfs`: the uploaded PDF followed by those pages (pypdf).

The renderers take plain data (no database access), use the report's fonts and styles
(:mod:`workflows.reports.pdf_styles`) and render with ``invariant=1`` so output is deterministic.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table

from workflows.reports.pdf_styles import (
    FRAME_WIDTH,
    LABELLED_STYLE,
    MARGIN,
    STYLES,
    QrCode,
    cell,
    markup,
    numbered_canvas,
)

PHOTO_MAX_HEIGHT = 95 * mm
"""Tallest a field photo is printed, in points (two photos fit one A4 page)."""
QR_SIZE = 60 * mm
"""Side of the printed QR code including its quiet zone, in points."""


@dataclass(frozen=True)
class FieldPhoto:
    """One field-record photo and what its caption says.

    Attributes:
        content: JPEG or PNG bytes (already checked when uploaded).
        caption: e.g. ``报警阀组 · a. 现场记录 · 任务 T-2026-0003 · 2026-10-08 10:00``.
    """

    content: bytes
    caption: str


@dataclass(frozen=True)
class VerificationFacts:
    """What the verification page prints beside the QR code (all plain text)."""

    report_number: str
    report_code: str
    title: str
    project: str
    owner: str
    agency: str
    conclusion: str | None
    report_date: str
    uploaded_at: str
    upload_sha256: str
    verify_url: str


def _doc(buf: io.BytesIO, title: str) -> SimpleDocTemplate:
    return SimpleDocTemplate(
        buf,
        pagesize=A4,
        invariant=1,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + 4 * mm,
        bottomMargin=MARGIN + 4 * mm,
        title=title,
        author="fireops",
    )


def _photo(content: bytes) -> Image:
    width, height = ImageReader(io.BytesIO(content)).getSize()
    scale = min(FRAME_WIDTH / width, PHOTO_MAX_HEIGHT / height)
    return Image(io.BytesIO(content), width=width * scale, height=height * scale)


def render_photo_pages(photos: Sequence[FieldPhoto], *, heading: str, footer: str) -> bytes:
    """The field-record photo pages of an inspection report (R-RPT-3).

    Args:
        photos: The photos in report order; none gives a page that says so.
        heading: Section title, e.g. ``检测现场记录``.
        footer: Left footer text (the report number).

    Returns:
        PDF bytes, A4, one or more pages.
    """
    buf = io.BytesIO()
    story: list[Flowable] = [Paragraph(markup(heading), STYLES.h1)]
    if not photos:
        story.append(
            Paragraph(
                "本计划的任务没有现场记录照片。/ The plan's tasks have no field-record photos.", STYLES.body
            )
        )
    for number, photo in enumerate(photos, 1):
        story.append(
            KeepTogether(
                [
                    Paragraph(markup(f"{number}、{photo.caption}"), STYLES.h2),
                    _photo(photo.content),
                    Spacer(1, 4 * mm),
                ]
            )
        )
    _doc(buf, heading).build(
        story, canvasmaker=numbered_canvas(footer_left=footer, footer_right="fireops", header=heading)
    )
    return buf.getvalue()


def render_verification_page(facts: VerificationFacts) -> bytes:
    """The QR verification page appended to every uploaded report.

    Returns:
        PDF bytes of one A4 page whose QR code encodes ``facts.verify_url``.
    """
    buf = io.BytesIO()
    width = FRAME_WIDTH - 32 * mm
    rows = [
        ("报告编号", facts.report_number),
        ("报告编码", facts.report_code),
        ("报告名称", facts.title),
        ("项目名称", facts.project),
        ("委托单位", facts.owner),
        ("技术服务机构", facts.agency),
        *([("报告结论", facts.conclusion)] if facts.conclusion else []),
        ("报告日期", facts.report_date),
        ("上传时间", facts.uploaded_at),
        ("原件 SHA-256", facts.upload_sha256),
    ]
    table = Table([[cell(k, 32 * mm), cell(v, width)] for k, v in rows], colWidths=[32 * mm, width])
    table.setStyle(LABELLED_STYLE)
    qr = QrCode(facts.verify_url, QR_SIZE)
    qr.hAlign = "CENTER"
    story: list[Flowable] = [
        Paragraph("报告真伪验证 / Report verification", STYLES.title),
        table,
        Spacer(1, 8 * mm),
        qr,
        Spacer(1, 3 * mm),
        Paragraph(markup(facts.verify_url), STYLES.caption),
        Spacer(1, 4 * mm),
        Paragraph(
            "扫描二维码可核验本报告是否真实、是否已备案；验证页显示本文件的 SHA-256，可与所持文件比对。"
            " / Scan the code to check that this report is genuine and filed;"
            " the page shows this file's SHA-256.",
            STYLES.body,
        ),
    ]
    _doc(buf, "报告真伪验证").build(
        story,
        canvasmaker=numbered_canvas(
            footer_left=facts.report_number, footer_right=facts.report_code, header=facts.title
        ),
    )
    return buf.getvalue()


def merge_pdfs(first: bytes, *rest: bytes) -> bytes:
    """``first`` followed by every page of ``rest`` (each a whole PDF), as one PDF."""
    writer = PdfWriter()
    for part in (first, *rest):
        writer.append(PdfReader(io.BytesIO(part)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
