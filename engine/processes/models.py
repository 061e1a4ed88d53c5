"""Tables of the workflow engine: deployed models, running instances, ready work items."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, IdMixin


class ProcessModel(Base):
    """A deployed BPMN model version: its sources keyed by file name, identified by their sha256."""

    __tablename__ = "process_model"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    process_id: Mapped[str] = mapped_column(String(64), index=True)
    sources: Mapped[dict[str, Any]] = mapped_column(JSON)
    deployed_at: Mapped[datetime]


class InstanceStatus(StrEnum):
    """Where an instance stands."""

    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ProcessInstanceRecord(IdMixin, Base):
    """A running (or finished) instance: its spec-less serialized state and what it is about.

    ``version`` is an optimistic-lock counter (SQLAlchemy ``version_id_col``); callers also lock the
    row ``FOR UPDATE``. ``next_timer_at`` is the earliest pending BPMN timer, for the scheduler.
    """

    __tablename__ = "process_instance"
    __table_args__ = (
        # Three columns, so that SQLite's planner (no statistics) prefers it to the timer index for
        # ProcessStore.lock/find; with two it scanned every running instance.
        Index("ix_process_instance_subject", "subject_type", "subject_id", "process_id"),
        Index("ix_process_instance_timer", "status", "next_timer_at"),
    )

    process_id: Mapped[str] = mapped_column(String(64))
    model_sha256: Mapped[str] = mapped_column(ForeignKey("process_model.sha256"))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[uuid.UUID]
    agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))
    project_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("project.id"))
    status: Mapped[str] = mapped_column(String(16), default=InstanceStatus.RUNNING)
    state: Mapped[str] = mapped_column(Text)
    serializer_version: Mapped[str] = mapped_column(String(16))
    next_timer_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class WorkItemState(StrEnum):
    """A projected user task is ready until completed or cancelled."""

    READY = "ready"
    DONE = "done"
    CANCELLED = "cancelled"


class WorkItem(IdMixin, Base):
    """A ready BPMN user task awaiting a person (待办): what "my work" lists.

    ``role`` is the lane name. ``assignee_id`` is set when the process names one person (the
    executor of a task, the leader of an investigation); otherwise everyone with the role and the
    scope (project lead of ``project_id``, technical lead of ``agency_id``) sees it.
    """

    __tablename__ = "work_item"
    __table_args__ = (
        Index("ix_work_item_assignee", "assignee_id", "state"),
        Index("ix_work_item_scope", "agency_id", "role", "state"),
        Index("ix_work_item_instance", "instance_id", "state"),
        Index("ix_work_item_subject", "subject_type", "subject_id", "state"),
    )

    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    task_guid: Mapped[uuid.UUID]
    bpmn_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(32))
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))
    project_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("project.id"), index=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[uuid.UUID]
    state: Mapped[str] = mapped_column(String(16), default=WorkItemState.READY)
    due_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
