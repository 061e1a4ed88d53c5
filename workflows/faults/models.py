"""Faults (故障) raised by failed test items, their dispositions and handling history (R-FAULT)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, IdMixin


class DispositionKind(StrEnum):
    """The five dispositions of R-FAULT."""

    INVESTIGATE = "investigate"  # 排查
    OWNER_APPROVED_REPAIR = "owner_approved_repair"  # 业主同意维修
    OWNER_REFUSED_REPAIR = "owner_refused_repair"  # 业主不同意维修
    OUT_OF_SCOPE = "out_of_scope"  # 不在合同范围内
    NEGOTIATING = "negotiating"  # 与业主沟通中


class FaultStatus(StrEnum):
    """Report buckets of SPEC §5.4; ``void`` = cleared by a task rejection (R-REV-2)."""

    PENDING = "pending"
    INVESTIGATING = "investigating"
    REPAIRING = "repairing"
    RESOLVED = "resolved"
    REFUSED = "refused"
    OUT_OF_SCOPE = "out_of_scope"
    NEGOTIATING = "negotiating"
    VOID = "void"


OPEN_STATUSES = frozenset(
    {
        FaultStatus.PENDING,
        FaultStatus.INVESTIGATING,
        FaultStatus.REPAIRING,
        FaultStatus.REFUSED,
        FaultStatus.NEGOTIATING,
    }
)


class FaultSource(StrEnum):
    """Where a fault came from: a failed test item, or an owner's one-tap repair request (R-OWN)."""

    TEST = "test"
    REPAIR_REQUEST = "repair_request"


class Fault(IdMixin, Base):
    """A fault raised by a ``fail`` result (测试故障) or sent by the owner (一键报修).

    Test faults carry their task, plan line and test item; repair-request faults carry the
    facility, location and the owner's description instead.
    """

    __tablename__ = "fault"
    __table_args__ = (Index("ix_fault_project_status", "project_id", "status"),)

    code: Mapped[str] = mapped_column(String(24), unique=True)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id"))
    source: Mapped[str] = mapped_column(String(16), default=FaultSource.TEST)
    task_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("task.id"), index=True)
    item_result_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("item_result.id", ondelete="SET NULL")
    )
    plan_line_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("plan_line.id"))
    test_item_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("test_item.id"))
    facility_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("catalog_facility.id"))
    location: Mapped[str | None] = mapped_column(String(200))
    measured_record: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=FaultStatus.PENDING)
    disposition: Mapped[str | None] = mapped_column(String(32))
    explanation: Mapped[str | None] = mapped_column(Text)
    repair_plan: Mapped[str | None] = mapped_column(Text)
    leader_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    found_at: Mapped[datetime]
    disposed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class FaultEvent(IdMixin, Base):
    """One step of a fault's handling history (处理详情)."""

    __tablename__ = "fault_event"

    fault_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fault.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]
    at: Mapped[datetime]
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    disposition: Mapped[str | None] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
