"""Shapes of reports, filings and the public verification view."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field

from workflows.schema import Schema


class ReportCreate(Schema):
    """``POST /plans/{id}/report``: report and service dates, extra tasks to include."""

    report_date: date
    service_date: date
    extra_task_ids: list[uuid.UUID] = Field(default_factory=list, max_length=200)


class FilingCreate(Schema):
    """``POST /reports/{id}/filing``: the technical lead's opinion (备案意见)."""

    opinion: str = Field(min_length=1, max_length=500)


class FilingRead(Schema):
    """A filing."""

    filed_by: uuid.UUID
    filed_by_name: str
    filed_at: datetime
    opinion: str
    deadline: date
    late: bool


class ReportRead(Schema):
    """A report as the API shows it (the PDF is at ``pdf_url``)."""

    id: uuid.UUID
    code: str
    plan_id: uuid.UUID
    project_id: uuid.UUID
    revision: int
    status: str
    title: str
    report_date: date
    service_date: date
    completed_on: date
    filing_deadline: date
    filing_overdue: bool
    sha256: str
    size_bytes: int
    verify_url: str
    pdf_url: str
    generated_at: datetime
    task_ids: list[uuid.UUID]
    filing: FilingRead | None
    origin: str = "generated"
    """``generated`` or ``uploaded`` (R-RPT-3/4, R-SPEC)."""
    conclusion: str | None = None
    """Inspection conclusion 合格 / 不合格 (R-RPT-3)."""
    report_code: str | None = None
    """The agency's code of an uploaded report, e.g. ``ZXJ2019 No.1234``."""


class VerifyView(Schema):
    """What the public verification page shows (``GET /verify/{token}``)."""

    genuine: bool
    status: str
    report_number: str
    title: str
    project: str
    agency: str
    owner: str
    period: str
    report_date: date
    filed: bool
    filed_at: datetime | None
    filing_deadline: date
    filed_late: bool | None
    sha256: str
