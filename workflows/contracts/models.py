"""Contracts (合同) between an agency and an owner."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, IdMixin


class ContractType(StrEnum):
    """The five contract types of SPEC §3."""

    MAINTENANCE = "maintenance"  # 维护保养
    ANNUAL_INSPECTION = "annual_inspection"  # 年度检测
    COMPLETION_INSPECTION = "completion_inspection"  # 竣工检测
    SPECIAL_INSPECTION = "special_inspection"  # 专项检测
    SAFETY_ASSESSMENT = "safety_assessment"  # 安全评估


CONTRACT_TYPE_LABELS: dict[ContractType, str] = {
    ContractType.MAINTENANCE: "维护保养",
    ContractType.ANNUAL_INSPECTION: "年度检测",
    ContractType.COMPLETION_INSPECTION: "竣工检测",
    ContractType.SPECIAL_INSPECTION: "专项检测",
    ContractType.SAFETY_ASSESSMENT: "安全评估",
}


class Contract(IdMixin, Base):
    """A service contract. ``signed_on`` and ``ends_on`` never change after save (R-CON-1)."""

    __tablename__ = "contract"

    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("owner.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(32))
    signed_on: Mapped[date]
    ends_on: Mapped[date]
    price_cny: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    created_at: Mapped[datetime]
