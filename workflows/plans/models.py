"""Plans (计划) and plan lines (计划项)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, IdMixin


class PlanNature(StrEnum):
    """月计划 / 季计划 / 年计划."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class PlanState(StrEnum):
    """Where a plan stands."""

    DRAFT = "draft"  # lines not all issued
    ISSUED = "issued"  # every active line issued
    REPORTED = "reported"  # a report exists
    FILED = "filed"  # its report is filed


class Plan(IdMixin, Base):
    """A plan for one period of a project, e.g. ``2026年10月维护保养计划`` (R-PLAN)."""

    __tablename__ = "plan"
    __table_args__ = (UniqueConstraint("project_id", "nature", "period_start"),)

    code: Mapped[str] = mapped_column(String(24), unique=True)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id"), index=True)
    nature: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[date]
    period_end: Mapped[date]
    name: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(16), default=PlanState.DRAFT)
    overdue: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime]


class PlanLine(IdMixin, Base):
    """One catalog test item of one selected facility in a plan.

    A line is *ignored* or active; an active line is *issued* once it has an executor.

    The lines of a supplementary task (补充测试项) or a spec-mismatch task (设施与当前规范不匹配)
    belong to no plan (``plan_id`` is ``None``, R-TASK-2): a supplementary line names a catalog item
    of the project's facilities; a mismatch line has no catalog item and carries the free text the
    executor typed (``free_*``) instead.
    """

    __tablename__ = "plan_line"
    __table_args__ = (
        CheckConstraint("test_item_id IS NOT NULL OR free_item IS NOT NULL", name="item_or_free_text"),
    )

    plan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    test_item_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("test_item.id"))
    position: Mapped[int] = mapped_column(default=0)
    ignored: Mapped[bool] = mapped_column(default=False)
    executor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), index=True)
    issued_at: Mapped[datetime | None]
    planned_on: Mapped[date | None]
    location: Mapped[str | None] = mapped_column(String(200))
    free_system: Mapped[str | None] = mapped_column(String(100))
    """Mismatch lines: the system as the executor named it (may be empty)."""
    free_facility: Mapped[str | None] = mapped_column(String(100))
    """Mismatch lines: the facility found on site that the catalog lacks."""
    free_item: Mapped[str | None] = mapped_column(String(500))
    """Mismatch lines: what was tested (测试项), in the executor's words."""
    free_criterion: Mapped[str | None] = mapped_column(Text)
    """Mismatch lines: the criterion applied, if any."""
