"""Reports (消防技术服务结论文件, R-RPT): a stored PDF with revision, hash and verification token."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, LargeBinary, String, text, true
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, IdMixin


class ReportStatus(StrEnum):
    """A report is generated, then filed (immutable, R-FILE-2) or deleted before filing (R-RPT-2)."""

    GENERATED = "generated"
    FILED = "filed"
    DELETED = "deleted"


class Report(IdMixin, Base):
    """A generated report of a plan's period.

    ``completed_on`` (the business date the last plan task of the period was submitted, the
    service's completion date) starts the filing deadline ``filing_due_on`` (R-FILE-1), for
    generated and uploaded reports alike. Once ``status`` is ``filed`` the row can never change: the ORM
    refuses it and a database trigger refuses it for any other door (R-FILE-2).
    """

    __tablename__ = "report"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan.id"), index=True)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id"), index=True)
    revision: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=ReportStatus.GENERATED)
    report_date: Mapped[date]
    service_date: Mapped[date]
    completed_on: Mapped[date]
    filing_due_on: Mapped[date]
    filing_overdue: Mapped[bool] = mapped_column(default=False)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    content_sha256: Mapped[str] = mapped_column(String(64))
    verify_token: Mapped[str] = mapped_column(String(200), unique=True)
    generated_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    generated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]
    origin: Mapped[str] = mapped_column(String(16), default="generated", server_default="generated")
    """``generated`` (rendered by fireops) or ``uploaded`` (signed PDF uploaded, R-RPT-3/4, R-SPEC)."""
    conclusion: Mapped[str | None] = mapped_column(String(8))
    """Inspection conclusion 合格 / 不合格 (R-RPT-3); ``None`` otherwise."""
    report_code: Mapped[str | None] = mapped_column(String(40))
    """The agency's own report code of an uploaded report, e.g. ``ZXJ2019 No.1234`` (R-RPT-3/4)."""


LIVE_COVERAGE = "live"
"""The partial index's condition, as literal SQL (the same text on SQLite and PostgreSQL)."""


class ReportTask(Base):
    """A task covered by a report (plan tasks always; extra tasks when ticked).

    ``live`` is true while the report is live and false once it is deleted (R-RPT-2), so the rows
    of a deleted report stay as the record of what it covered. A task is covered by at most one
    live report: the partial unique index ``uq_report_task_live_task_id`` refuses a second live
    row for the same task at the database door, whatever the services did (R-TASK-2: an extra
    task joins one report only), while a deleted report's task may join the regenerated one.
    """

    __tablename__ = "report_task"
    __table_args__ = (
        Index(
            "uq_report_task_live_task_id",
            "task_id",
            unique=True,
            postgresql_where=text(LIVE_COVERAGE),
            sqlite_where=text(LIVE_COVERAGE),
        ),
    )

    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("report.id"), primary_key=True)
    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("task.id"), primary_key=True)
    live: Mapped[bool] = mapped_column(default=True, server_default=true())
