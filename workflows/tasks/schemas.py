"""Shapes of tasks, results and photos."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from workflows.schema import Schema


class MismatchItem(Schema):
    """One free-text item of a spec-mismatch task (设施与当前规范不匹配): a facility found on site
    that the catalog lacks, what was tested and against which criterion."""

    system: str = Field(default="", max_length=100)
    facility: str = Field(min_length=1, max_length=100)
    item: str = Field(min_length=1, max_length=500)
    criterion: str = Field(default="", max_length=2000)


class TaskCreate(Schema):
    """``POST /tasks``: build a task (R-TASK, R-TASK-2).

    * ``kind="plan"`` (default): from ``line_ids``, plan lines issued to the caller (按计划自建任务);
    * ``kind="supplementary"`` (补充测试项, no plan): ``project_id`` and ``test_item_ids``, catalog
      items of facilities selected for the project;
    * ``kind="mismatch"`` (设施与当前规范不匹配, no plan): ``project_id`` and free-text ``items``.

    ``executor_id`` (extra kinds only) lets a manager of the project create the task for an
    executor; without it the caller executes the task.
    """

    kind: Literal["plan", "supplementary", "mismatch"] = "plan"
    line_ids: list[uuid.UUID] = Field(default_factory=list, max_length=1000)
    project_id: uuid.UUID | None = None
    test_item_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)
    items: list[MismatchItem] = Field(default_factory=list, max_length=200)
    executor_id: uuid.UUID | None = None


class ResultWrite(Schema):
    """``PUT /tasks/{id}/results/{line_id}``."""

    outcome: Literal["pass", "fail", "cannot_test"]
    measured_record: str = Field(default="", max_length=2000)
    brand: str | None = Field(default=None, max_length=100)


class TaskSubmit(Schema):
    """``POST /tasks/{id}/submit``: the submitter's position (WGS84 degrees)."""

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class TaskComplete(Schema):
    """``POST /tasks/{id}/complete`` for investigation/repair tasks."""

    resolved: bool
    note: str = Field(default="", max_length=2000)


class PhotoRead(Schema):
    """A stored photo (content served separately)."""

    id: uuid.UUID
    kind: str
    plan_line_id: uuid.UUID | None
    media_type: str
    size_bytes: int
    sha256: str


class ResultRead(Schema):
    """A line of a task with its result (if recorded)."""

    plan_line_id: uuid.UUID
    item_code: str
    system: str
    facility: str
    item: str
    criterion: str
    outcome: str | None
    measured_record: str | None
    brand: str | None
    photo_count: int


class ReviewRead(Schema):
    """One review decision."""

    reviewer_id: uuid.UUID
    reviewer_name: str
    round: int
    verdict: str
    opinion: str
    at: datetime


class TaskRead(Schema):
    """A task with its lines, results, photos, review log and faults."""

    id: uuid.UUID
    code: str
    kind: str
    state: str
    project_id: uuid.UUID
    plan_id: uuid.UUID | None
    fault_id: uuid.UUID | None
    executor_id: uuid.UUID
    executor_name: str
    round: int
    created_at: datetime
    submitted_at: datetime | None
    latitude: float | None
    longitude: float | None
    distance_m: float | None
    within_geofence: bool | None
    resolved: bool | None
    note: str | None
    repair_plan: str | None
    results: list[ResultRead]
    photos: list[PhotoRead]
    reviews: list[ReviewRead]
    fault_ids: list[uuid.UUID]
