"""Shapes of plans and plan lines."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from workflows.schema import Schema


class PlanCreate(Schema):
    """``POST /projects/{id}/plans``.

    ``period`` is ``2026-10`` (month), ``2026-Q4`` (quarter) or ``2026`` (year).
    """

    nature: Literal["month", "quarter", "year"] = "month"
    period: str = Field(min_length=4, max_length=7, examples=["2026-10"])


class LineIds(Schema):
    """A batch of plan line ids."""

    line_ids: list[uuid.UUID] = Field(min_length=1, max_length=2000)


class PlanIssue(LineIds):
    """``POST /plans/{id}/issue``: issue lines to one executor (下发)."""

    executor_id: uuid.UUID


class LineSchedule(Schema):
    """Give a line a date and a location."""

    planned_on: date | None = None
    location: str | None = Field(default=None, max_length=200)


class PlanLineRead(Schema):
    """A plan line with its catalog context and state."""

    id: uuid.UUID
    test_item_id: uuid.UUID
    item_code: str
    system: str
    category: str
    facility: str
    item: str
    criterion: str
    period: str | None
    ignored: bool
    executor_id: uuid.UUID | None
    executor_name: str | None
    issued_at: datetime | None
    planned_on: date | None
    location: str | None
    task_id: uuid.UUID | None
    state: Literal["ignored", "unissued", "issued", "executing", "submitted", "approved"]


class PlanRead(Schema):
    """A plan with its lines and counts."""

    id: uuid.UUID
    code: str
    project_id: uuid.UUID
    name: str
    nature: str
    period_start: date
    period_end: date
    state: str
    overdue: bool
    created_at: datetime
    line_count: int
    issued_count: int
    ignored_count: int
    lines: list[PlanLineRead]
