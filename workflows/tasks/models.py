"""Field tasks (任务), their item results and photos (R-TASK)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, IdMixin


class TaskKind(StrEnum):
    """What a task is for (SPEC §5.2)."""

    PLAN = "plan"  # 按计划自建任务
    SUPPLEMENTARY = "supplementary"  # 补充测试项 (never a report on its own, R-TASK-2)
    MISMATCH = "mismatch"  # 设施与当前规范不匹配
    INVESTIGATION = "investigation"  # 排查
    REPAIR = "repair"  # 维修


class TaskState(StrEnum):
    """draft/executing → submitted → approved | rejected → resubmitted …

    Investigation and repair tasks end ``completed``.
    """

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Outcome(StrEnum):
    """判断结果."""

    PASS = "pass"  # noqa: S105 — 符合, a test outcome, not a password
    FAIL = "fail"  # 不符合
    CANNOT_TEST = "cannot_test"  # 不能测试


class Task(IdMixin, Base):
    """A batch of work an executor carries out and submits (or completes, for investigation/repair)."""

    __tablename__ = "task"
    __table_args__ = (Index("ix_task_executor_state", "executor_id", "state"),)

    code: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default=TaskState.DRAFT)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id"), index=True)
    plan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("plan.id"), index=True)
    fault_id: Mapped[uuid.UUID | None] = mapped_column(
        index=True
    )  # the fault of an investigation/repair task
    executor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    round: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    distance_m: Mapped[float | None]
    within_geofence: Mapped[bool | None]
    resolved: Mapped[bool | None]
    note: Mapped[str | None] = mapped_column(Text)
    repair_plan: Mapped[str | None] = mapped_column(Text)


class TaskLine(Base):
    """A plan line carried out by a task."""

    __tablename__ = "task_line"

    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), primary_key=True)
    plan_line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan_line.id"), primary_key=True, index=True)


class ItemResult(IdMixin, Base):
    """What the executor recorded for one plan line of a task."""

    __tablename__ = "item_result"
    __table_args__ = (UniqueConstraint("task_id", "plan_line_id"),)

    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    plan_line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan_line.id"))
    outcome: Mapped[str] = mapped_column(String(16))
    measured_record: Mapped[str] = mapped_column(Text, default="")
    brand: Mapped[str | None] = mapped_column(String(100))
    recorded_at: Mapped[datetime]


class PhotoKind(StrEnum):
    """A photo of an item result or the submitter's selfie."""

    ITEM = "item"
    SELFIE = "selfie"


class Photo(IdMixin, Base):
    """A JPEG/PNG photo (≤ 10 MB, checked by content). Stored in the database, in the same transaction."""

    __tablename__ = "photo"

    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    plan_line_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("plan_line.id"))
    kind: Mapped[str] = mapped_column(String(16))
    media_type: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime]
