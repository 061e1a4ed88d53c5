"""Reports and filing."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from api.deps import CtxDep, PersonDep
from api.report_upload import REPORT_BODY, is_form, read_upload_form
from workflows.filings.service import file_report
from workflows.reports import service
from workflows.reports.schemas import FilingCreate, ReportCreate, ReportRead
from workflows.reports.upload import upload_report

router = APIRouter(prefix="/api/v1", tags=["reports"])


@router.post("/plans/{plan_id}/report", response_model=ReportRead, status_code=201, openapi_extra=REPORT_BODY)
async def generate(request: Request, ctx: CtxDep, _me: PersonDep, plan_id: uuid.UUID) -> ReportRead:
    """Generate the plan's report from JSON `{report_date, service_date, extra_task_ids?}` (R-RPT), or upload
    it as multipart `file` (PDF ≤ 10 MB), `report_code`, `conclusion` (inspections), `report_date`,
    `service_date` (R-RPT-3, R-RPT-4, R-SPEC)."""
    if is_form(request):
        form = await read_upload_form(request)
        return await run_in_threadpool(
            lambda: service.describe_report(ctx, upload_report(ctx, plan_id, **form))
        )
    try:
        body = ReportCreate.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None

    def run() -> ReportRead:
        report = service.generate_report(
            ctx,
            plan_id,
            report_date=body.report_date,
            service_date=body.service_date,
            extra_task_ids=body.extra_task_ids,
        )
        return service.describe_report(ctx, report)

    return await run_in_threadpool(run)


@router.get("/reports/{report_id}", response_model=ReportRead)
def read(ctx: CtxDep, _me: PersonDep, report_id: uuid.UUID) -> ReportRead:
    """Report metadata incl. `filing_deadline`, `verify_url`, `sha256`."""
    return service.read_report(ctx, report_id)


@router.get("/reports/{report_id}/pdf", response_class=Response)
def pdf(ctx: CtxDep, _me: PersonDep, report_id: uuid.UUID) -> Response:
    """The report's PDF."""
    name, content = service.report_pdf(ctx, report_id)
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f"inline; filename*=UTF-8''{quote(name)}"},
    )


@router.delete("/reports/{report_id}", status_code=204)
def delete(ctx: CtxDep, _me: PersonDep, report_id: uuid.UUID) -> Response:
    """Delete a report before filing (R-RPT-2; refused once filed, R-FILE-2)."""
    service.delete_report(ctx, report_id)
    return Response(status_code=204)


@router.post("/reports/{report_id}/filing", response_model=ReportRead)
def filing(ctx: CtxDep, _me: PersonDep, report_id: uuid.UUID, body: FilingCreate) -> ReportRead:
    """File the report `{opinion}` (technical lead; R-FILE)."""
    report = file_report(ctx, report_id, opinion=body.opinion)
    return service.describe_report(ctx, report)
