"""Pydantic shapes of projects, buildings and facility selections (``/api/v1/projects``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from workflows.contracts.models import ContractType
from workflows.contracts.schemas import PriceCny
from workflows.projects.rules import FirstPlanChoice
from workflows.schema import Schema


def _text(max_length: int) -> object:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


Text40 = Annotated[str, _text(40)]
Text50 = Annotated[str, _text(50)]
Text100 = Annotated[str, _text(100)]
Text200 = Annotated[str, _text(200)]
Text300 = Annotated[str, _text(300)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
"""WGS84 latitude in degrees."""
Longitude = Annotated[float, Field(ge=-180, le=180)]
"""WGS84 longitude in degrees."""
GeofenceRadius = Annotated[float, Field(ge=10, le=5000)]
"""Geofence radius in metres."""
Area = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
"""An area in m² with at most 2 decimals."""
Floors = Annotated[int, Field(ge=0, le=200)]


class ProjectCreate(Schema):
    """A new project under a contract of the acting agency admin's agency.

    Attributes:
        contract_id: ``Contract.id``; the project's owner is the contract's.
        name: Printed on the report cover.
        city, address: Where the buildings are.
        safety_responsible, safety_manager: The owner's fire safety responsible person / manager.
        control_room_phone: Fire control room phone.
        lead_id: ``Person.id`` of a staff member of the same agency holding ``project_lead``.
        price_cny: Project price in CNY.
        unit_type, industry: Free classification text.
        jurisdiction: 管辖归属, the supervising brigade, e.g. ``西宁市城中区大队``.
        key_unit: 消防安全重点单位.
        latitude, longitude: Geofence centre, WGS84 degrees.
        geofence_radius_m: Geofence radius in metres, 10-5000 (default 200).
        first_plan_month: ``signing_month`` or ``next_month`` (R-PRJ-2); immutable after save.
    """

    model_config = ConfigDict(extra="forbid")

    contract_id: uuid.UUID
    name: Text200
    city: Text100
    address: Text300
    safety_responsible: Text100 | None = None
    safety_manager: Text100 | None = None
    control_room_phone: Text40 | None = None
    lead_id: uuid.UUID
    price_cny: PriceCny | None = None
    unit_type: Text50 | None = None
    industry: Text50 | None = None
    jurisdiction: Text100
    key_unit: bool = False
    latitude: Latitude
    longitude: Longitude
    geofence_radius_m: GeofenceRadius = 200.0
    first_plan_month: FirstPlanChoice = "signing_month"


class ProjectUpdate(Schema):
    """A change of a project; only the fields sent change.

    ``first_plan_month`` is accepted only to refuse a change with 409 ``R-PRJ-2`` (sending the stored
    month, as a choice or a date, is a no-op). ``contract_id`` never changes (422).
    """

    model_config = ConfigDict(extra="forbid")

    name: Text200 | None = None
    city: Text100 | None = None
    address: Text300 | None = None
    safety_responsible: Text100 | None = None
    safety_manager: Text100 | None = None
    control_room_phone: Text40 | None = None
    lead_id: uuid.UUID | None = None
    price_cny: PriceCny | None = None
    unit_type: Text50 | None = None
    industry: Text50 | None = None
    jurisdiction: Text100 | None = None
    key_unit: bool | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    geofence_radius_m: GeofenceRadius | None = None
    first_plan_month: FirstPlanChoice | date | None = None


class WaterStorage(Schema):
    """A building's fire water storage: type (e.g. 消防水箱), location, capacity in m³."""

    model_config = ConfigDict(extra="forbid")

    type: Text50
    location: Text100
    capacity_m3: Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=2)]


class BuildingCreate(Schema):
    """A building of a project; all buildings of a project share one facility set (R-PRJ-1).

    Attributes:
        name: e.g. ``1号楼``.
        total_area_m2, above_ground_area_m2, underground_area_m2: Areas in m², ≥ 0, 2 decimals.
        floors_above, floors_below: Storey counts.
        height_m: Building height in metres.
        remark: At most 100 characters.
        water_storage: The fire water storage, or ``null`` for none.
    """

    model_config = ConfigDict(extra="forbid")

    name: Text100
    total_area_m2: Area | None = None
    above_ground_area_m2: Area | None = None
    underground_area_m2: Area | None = None
    floors_above: Floors | None = None
    floors_below: Floors | None = None
    height_m: Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=2)] | None = None
    remark: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    water_storage: WaterStorage | None = None


class BuildingRead(Schema):
    """A building as the API shows it (decimals as strings)."""

    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    total_area_m2: Decimal | None
    above_ground_area_m2: Decimal | None
    underground_area_m2: Decimal | None
    floors_above: int | None
    floors_below: int | None
    height_m: Decimal | None
    remark: str | None
    water_storage: WaterStorage | None


class FacilitySelection(Schema):
    """The catalog facilities really installed at the project (R-CAT-1); replaces the selection."""

    model_config = ConfigDict(extra="forbid")

    facility_ids: list[uuid.UUID] = Field(max_length=2000)


class ProjectRead(Schema):
    """A project with its buildings and selected facilities.

    ``first_plan_month`` is the first day of the first plan month (R-PRJ-2); ``status`` is
    ``active``, ``terminated`` or ``completed``.
    """

    id: uuid.UUID
    code: str
    agency_id: uuid.UUID
    contract_id: uuid.UUID
    contract_name: str
    contract_type: ContractType
    owner_id: uuid.UUID
    owner_name: str
    lead_id: uuid.UUID
    lead_name: str
    name: str
    city: str
    address: str
    safety_responsible: str | None
    safety_manager: str | None
    control_room_phone: str | None
    price_cny: Decimal | None
    unit_type: str | None
    industry: str | None
    jurisdiction: str
    key_unit: bool
    latitude: float
    longitude: float
    geofence_radius_m: float
    first_plan_month: date
    status: str
    created_at: datetime
    buildings: list[BuildingRead]
    facility_ids: list[uuid.UUID]
