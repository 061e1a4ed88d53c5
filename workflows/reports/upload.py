"""Reports by PDF upload: inspection (R-RPT-3), assessment (R-RPT-4) and special sites (R-SPEC).

The project lead uploads the signed paper report as a PDF. fireops checks that it really is a PDF,
appends the field-record photos of an inspection and a verification page with the QR code, and
stores the result. The QR token signs the report id and the SHA-256 of the *uploaded* file (the
stored file cannot carry its own hash); the verification page shows the SHA-256 of the stored
file. Filing is the same as for a generated report (R-FILE-1, R-FILE-2), and so is the filing
deadline: it counts from the day the last plan task was submitted, not from the upload day
(:mod:`workflows.reports.storage`).
"""

from __future__ import annotations

import hashlib
import io
import uuid
import warnings
from datetime import date

from pypdf import PdfReader, PdfWriter
from sqlalchemy import select

from engine.clock import BUSINESS_TZ
from engine.codes import next_code
from engine.errors import InvalidInput, PayloadTooLarge, RuleViolation, UnsupportedMedia
from workflows.agencies.models import Agency
from workflows.catalog.models import CatalogFacility, TestItem
from workflows.context import Ctx
from workflows.owners.models import Owner
from workflows.people.models import Person
from workflows.people.scope import require_manager
from workflows.plans.models import Plan, PlanLine
from workflows.plans.service import get_plan, period_process_id
from workflows.projects.models import Project, ProjectStatus
from workflows.reports.appendix import (
    FieldPhoto,
    VerificationFacts,
    merge_pdfs,
    render_photo_pages,
    render_verification_page,
)
from workflows.reports.models import Report
from workflows.reports.storage import Reportable, check_reportable, store_report
from workflows.reports.verification import make_verify_token, verify_url
from workflows.special_sites.service import is_special_site
from workflows.tasks.models import Photo, PhotoKind, Task

MAX_REPORT_PDF_BYTES = 10 * 1024 * 1024
"""Largest accepted upload, in bytes (seed 001 ch.6 §2.5: 文件大小小于10M)."""
CONCLUSIONS = ("合格", "不合格")
"""Inspection conclusions (R-RPT-3)."""
CODE_PREFIX = {"inspection_period": "JC", "assessment_period": "PG", "maintenance_period": "WB"}
"""Prefix of fireops's own report number per period process (检测 / 评估 / 维保)."""


def check_report_pdf(content: bytes, *, max_bytes: int = MAX_REPORT_PDF_BYTES) -> int:
    """Check that ``content`` is a real, readable PDF no larger than ``max_bytes``.

    Args:
        content: The uploaded bytes, untrusted.
        max_bytes: Size limit in bytes (10 MB, R-RPT-4).

    Returns:
        The number of pages (≥ 1).

    Raises:
        PayloadTooLarge: larger than ``max_bytes`` (413).
        UnsupportedMedia: no ``%PDF-`` header, not parseable or not copyable, encrypted, or no pages
            (415).
    """
    if len(content) > max_bytes:
        raise PayloadTooLarge(
            f"报告 PDF 不能超过 {max_bytes // (1024 * 1024)} MB，请压缩后重新上传"
            f" / the PDF exceeds {max_bytes} bytes: compress it and upload again"
        )
    hint = "请上传签字盖章的纸质报告扫描得到的 PDF 文件 / upload the scanned signed report as a PDF file"
    if not content.startswith(b"%PDF-"):
        raise UnsupportedMedia(f"文件不是 PDF（文件头不是 %PDF-）：{hint}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(content))
            if reader.is_encrypted:
                raise UnsupportedMedia(f"PDF 已加密，请上传未加密的文件 / the PDF is encrypted: {hint}")
            pages = len(reader.pages)
            if pages:  # copy every page once, as merging will: a broken object fails here, not later
                writer = PdfWriter()
                writer.append(reader)
                writer.write(io.BytesIO())
    except UnsupportedMedia:
        raise
    except Exception as exc:
        raise UnsupportedMedia(f"PDF 文件已损坏，无法读取：{hint}") from exc
    if pages < 1:
        raise UnsupportedMedia(f"PDF 没有页面：{hint}")
    return pages


def upload_report(
    ctx: Ctx,
    plan_id: uuid.UUID,
    *,
    pdf: bytes,
    report_code: str,
    conclusion: str | None,
    report_date: date,
    service_date: date,
) -> Report:
    """Store the uploaded report of a plan and hand it to the technical lead for filing.

    Which projects may upload: inspection (conclusion required, R-RPT-3), assessment (R-RPT-4), and
    maintenance projects of approved special sites (R-SPEC). Preconditions as for a generated
    report (:func:`~workflows.reports.storage.check_reportable`): the plan has active lines and
    every one is in an approved plan task (R-RPT), tasks were submitted by the end of the plan's
    period (R-RPT-1), and no live report exists (R-RPT-2). The filing deadline counts from the
    day the last plan task was submitted (R-FILE-1, seed 001 §3.5), whenever the PDF is uploaded.

    Args:
        ctx: Acting project lead (or manager/technical lead) of the project.
        plan_id: ``Plan.id``.
        pdf: The uploaded file (checked by :func:`check_report_pdf`).
        report_code: The agency's report code, e.g. ``ZXJ2019 No.1234``, 1-40 characters.
        conclusion: ``合格`` or ``不合格`` for inspections; must be empty otherwise.
        report_date: 报告日期. service_date: 技术服务日期 (not after the report date).

    Returns:
        The stored :class:`Report` (``origin = "uploaded"``).

    Raises:
        NotFound (404), Forbidden (403), PayloadTooLarge (413), UnsupportedMedia (415),
        InvalidInput (422: ``report_code``, ``conclusion``, ``service_date``),
        RuleViolation ``R-SPEC`` (maintenance project without approved direct upload), ``R-RPT``,
        ``R-RPT-1``, ``R-RPT-2``, ``R-LIFE`` (409).
    """
    actor = ctx.actor
    assert actor is not None
    plan, project = get_plan(ctx, plan_id, for_update=True)
    require_manager(actor, project, action="上传报告 / upload a report")
    if project.status == ProjectStatus.TERMINATED:
        raise RuleViolation("R-LIFE", "项目已终止，不能出具报告 / the project is terminated")
    process_id = period_process_id(ctx, project.id)
    if process_id == "maintenance_period" and not is_special_site(ctx, project.id):
        raise RuleViolation(
            "R-SPEC",
            "维保项目须经消防部门批准为特殊场所后才能直接上传报告，请先提交直接上传申请或生成报告"
            " / a maintenance project may upload only after the fire department approves direct upload",
        )
    code_text, verdict = _check_fields(process_id, report_code, conclusion, report_date, service_date)
    check_report_pdf(pdf)
    reportable = check_reportable(ctx, plan, again="重新上传")
    return _do_store(
        ctx,
        plan,
        project,
        reportable,
        process_id=process_id,
        pdf=pdf,
        report_code=code_text,
        conclusion=verdict,
        report_date=report_date,
        service_date=service_date,
    )


def _check_fields(
    process_id: str, report_code: str, conclusion: str | None, report_date: date, service_date: date
) -> tuple[str, str | None]:
    code_text = " ".join(report_code.split()) if report_code else ""
    if not code_text or len(code_text) > 40:
        raise InvalidInput(
            "report_code",
            "请填写报告编码（1-40 字），如 ZXJ2019 No.1234 / enter the report code, e.g. ZXJ2019 No.1234",
        )
    verdict = (conclusion or "").strip() or None
    if process_id == "inspection_period":
        if verdict not in CONCLUSIONS:
            raise InvalidInput(
                "conclusion", "检测报告须选择结论：合格 或 不合格 / choose the conclusion 合格 or 不合格"
            )
    elif verdict is not None:
        raise InvalidInput(
            "conclusion", "只有检测报告有结论，请不要填写 / only inspection reports carry a conclusion"
        )
    if service_date > report_date:
        raise InvalidInput(
            "service_date", "技术服务日期不能晚于报告日期 / the service date cannot be after the report date"
        )
    return code_text, verdict


def _do_store(
    ctx: Ctx,
    plan: Plan,
    project: Project,
    reportable: Reportable,
    *,
    process_id: str,
    pdf: bytes,
    report_code: str,
    conclusion: str | None,
    report_date: date,
    service_date: date,
) -> Report:
    """Append the field photos (inspections) and the verification page to ``pdf`` and store it."""
    now = ctx.clock.now()
    code = next_code(ctx.session, f"{CODE_PREFIX[process_id]}-{plan.period_start.year}")
    report_id = uuid.uuid4()
    upload_sha = hashlib.sha256(pdf).hexdigest()
    token = make_verify_token(
        report_id, upload_sha, ctx.settings.secret_key.get_secret_value().encode("utf-8")
    )
    url = verify_url(ctx.settings.base_url, token)
    title = plan.name.replace("计划", "报告")
    parts: list[bytes] = []
    if process_id == "inspection_period":
        parts.append(
            render_photo_pages(_field_photos(ctx, reportable.tasks), heading="检测现场记录", footer=code)
        )
    agency, owner = ctx.session.get(Agency, project.agency_id), ctx.session.get(Owner, project.owner_id)
    parts.append(
        render_verification_page(
            VerificationFacts(
                report_number=code,
                report_code=report_code,
                title=title,
                project=project.name,
                owner=owner.name if owner else "",
                agency=agency.name if agency else "",
                conclusion=conclusion,
                report_date=report_date.isoformat(),
                uploaded_at=f"{now.astimezone(BUSINESS_TZ):%Y-%m-%d %H:%M}",
                upload_sha256=upload_sha,
                verify_url=url,
            )
        )
    )
    return store_report(
        ctx,
        plan,
        project,
        reportable.tasks,
        process_id=process_id,
        report_id=report_id,
        code=code,
        pdf=merge_pdfs(pdf, *parts),
        content_sha256=upload_sha,
        verify_token=token,
        report_date=report_date,
        service_date=service_date,
        completed_on=reportable.completed_on,
        origin="uploaded",
        conclusion=conclusion,
        report_code=report_code,
        audit_extra={"report_code": report_code, "conclusion": conclusion, "upload_sha256": upload_sha},
    )


def _field_photos(ctx: Ctx, tasks: list[Task]) -> list[FieldPhoto]:
    """The item photos of ``tasks`` in task and upload order, captioned facility · item · task · time."""
    if not tasks:
        return []
    stmt = (
        select(Photo, TestItem, CatalogFacility, Task, Person)
        .join(Task, Task.id == Photo.task_id)
        .outerjoin(PlanLine, PlanLine.id == Photo.plan_line_id)
        .outerjoin(TestItem, TestItem.id == PlanLine.test_item_id)
        .outerjoin(CatalogFacility, CatalogFacility.id == TestItem.facility_id)
        .join(Person, Person.id == Photo.uploaded_by)
        .where(Photo.task_id.in_([t.id for t in tasks]), Photo.kind == PhotoKind.ITEM)
        .order_by(Task.created_at, Photo.created_at, Photo.id)
    )
    out = []
    for photo, item, facility, task, person in ctx.session.execute(stmt):
        what = " · ".join(x for x in (facility.name if facility else "", item.label if item else "") if x)
        when = f"{photo.created_at.astimezone(BUSINESS_TZ):%Y-%m-%d %H:%M}"
        out.append(
            FieldPhoto(
                content=photo.content,
                caption=f"{what or '现场照片'} · 任务 {task.code} · {person.name} · {when}",
            )
        )
    return out
