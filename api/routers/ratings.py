"""Service confirmation and rating of filed reports; the project's report list."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from api.deps import CtxDep, PersonDep
from workflows.ratings import service
from workflows.ratings.schemas import RatingWrite, ServiceRatingRead
from workflows.reports.schemas import ReportRead

router = APIRouter(prefix="/api/v1", tags=["reports"])


@router.post("/reports/{report_id}/confirmation", response_model=ServiceRatingRead, status_code=201)
def confirm(ctx: CtxDep, _me: PersonDep, report_id: uuid.UUID, body: RatingWrite) -> ServiceRatingRead:
    """An owner contact confirms the filed report's service `{rating: 1-5, comment}` (once per report)."""
    return service.confirm_service(ctx, report_id, rating=body.rating, comment=body.comment)


@router.get("/reports/{report_id}/confirmation", response_model=ServiceRatingRead)
def read_confirmation(ctx: CtxDep, _me: PersonDep, report_id: uuid.UUID) -> ServiceRatingRead:
    """The report's confirmation (404 while none)."""
    return service.read_confirmation(ctx, report_id)


@router.get("/projects/{project_id}/reports", response_model=list[ReportRead])
def project_reports(ctx: CtxDep, _me: PersonDep, project_id: uuid.UUID) -> list[ReportRead]:
    """The project's live reports, newest first."""
    return service.list_project_reports(ctx, project_id)
