"""Projects (合同对应项目), their buildings and selected facilities."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, IdMixin


class ProjectStatus(StrEnum):
    """Lifecycle status (R-LIFE)."""

    ACTIVE = "active"
    TERMINATED = "terminated"
    COMPLETED = "completed"


class Project(IdMixin, Base):
    """One report stream under a contract (SPEC §3).

    ``first_plan_month`` is the first day of the month of the first plan and report (R-PRJ-2,
    immutable). The geofence is a centre point (WGS84 degrees) and a radius in metres.
    """

    __tablename__ = "project"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)
    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contract.id"), index=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("owner.id"), index=True)
    lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(300))
    safety_responsible: Mapped[str | None] = mapped_column(String(100))
    safety_manager: Mapped[str | None] = mapped_column(String(100))
    control_room_phone: Mapped[str | None] = mapped_column(String(40))
    price_cny: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    unit_type: Mapped[str | None] = mapped_column(String(50))
    industry: Mapped[str | None] = mapped_column(String(50))
    jurisdiction: Mapped[str] = mapped_column(String(100), index=True)
    key_unit: Mapped[bool] = mapped_column(default=False)
    latitude: Mapped[float]
    longitude: Mapped[float]
    geofence_radius_m: Mapped[float] = mapped_column(default=200.0)
    first_plan_month: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), default=ProjectStatus.ACTIVE)
    created_at: Mapped[datetime]


class Building(IdMixin, Base):
    """A building of a project; all buildings of a project share one set of facilities (R-PRJ-1)."""

    __tablename__ = "building"

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    total_area_m2: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    above_ground_area_m2: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    underground_area_m2: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    floors_above: Mapped[int | None]
    floors_below: Mapped[int | None]
    height_m: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    remark: Mapped[str | None] = mapped_column(String(100))
    water_storage_type: Mapped[str | None] = mapped_column(String(50))
    water_storage_location: Mapped[str | None] = mapped_column(String(100))
    water_storage_capacity_m3: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))


class ProjectFacility(Base):
    """A catalog facility really installed at the project (R-CAT-1)."""

    __tablename__ = "project_facility"

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id"), primary_key=True)
    facility_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_facility.id"), primary_key=True)
