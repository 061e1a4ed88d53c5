"""Pydantic shapes of agencies (``/api/v1/agencies``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from workflows.schema import Schema

ServiceType = Literal["maintenance_inspection", "safety_assessment"]
"""维保检测 / 安全评估 (SPEC §3)."""

SERVICE_TYPE_LABELS: dict[str, str] = {"maintenance_inspection": "维保检测", "safety_assessment": "安全评估"}

Name200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Name100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=40)]


class AgencyCreate(Schema):
    """A new agency.

    Attributes:
        name: Registered name, unique, 1-200 characters.
        uscc: 统一社会信用代码, 18 characters with the GB 32100 check character (checked by the service).
        legal_representative: 法定代表人.
        service_types: Non-empty subset of ``maintenance_inspection`` (维保检测) and
            ``safety_assessment`` (安全评估).
        address: Registered address.
        phone: Office phone, free format.
    """

    name: Name200
    uscc: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=18)]
    legal_representative: Name100
    service_types: list[ServiceType] = Field(min_length=1, max_length=2)
    address: Address
    phone: Phone | None = None


class AgencyRead(Schema):
    """An agency as the API shows it."""

    id: uuid.UUID
    name: str
    uscc: str
    legal_representative: str
    service_types: list[str]
    address: str
    phone: str | None
    created_at: datetime
