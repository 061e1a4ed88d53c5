"""Pydantic shapes of agency staff (``/api/v1/agencies/{id}/staff``, ``/api/v1/staff/{id}``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from workflows.schema import Schema

StaffRole = Literal["agency_admin", "enterprise_manager", "technical_lead", "project_lead", "field_operator"]
"""Roles an agency may give its staff (not ``platform_admin``, ``owner_contact``, ``fire_supervisor``)."""

MobilePhone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^1[3-9]\d{9}$")]
"""An 11-digit mainland China mobile number, e.g. ``13800138000``."""

PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
IdNumber = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^\d{17}[\dX]$")]
CertNo = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Password = Annotated[str, StringConstraints(min_length=8, max_length=72)]
EngineerLevel = Annotated[int, Field(ge=1, le=2)]
OperatorLevel = Annotated[int, Field(ge=1, le=5)]


class StaffCreate(Schema):
    """A new staff member of an agency; the account starts disabled (R-ROLE-1).

    Attributes:
        name: Full name.
        phone: 11-digit mobile number, unique among all people; the login name.
        id_number: 18-character resident ID number.
        roles: One or more staff roles.
        engineer_level: Registered fire engineer level, 1 or 2 (注册消防工程师一级/二级).
        engineer_cert_no: Engineer registration certificate number.
        engineer_valid_until: Last day the engineer registration is valid.
        operator_level: Fire facility operator level, 5 (初级) … 1 (高级技师).
        operator_cert_no: Operator certificate number.
        password: Initial password, 8-72 characters (optional; the account stays disabled anyway).
    """

    model_config = ConfigDict(extra="forbid")

    name: PersonName
    phone: MobilePhone
    id_number: IdNumber | None = None
    roles: list[StaffRole] = Field(min_length=1)
    engineer_level: EngineerLevel | None = None
    engineer_cert_no: CertNo | None = None
    engineer_valid_until: date | None = None
    operator_level: OperatorLevel | None = None
    operator_cert_no: CertNo | None = None
    password: Password | None = None


class StaffUpdate(Schema):
    """A change to a staff member; only the fields sent are changed (``null`` clears a certificate field).

    Attributes:
        enabled: Enable (R-ROLE-1) or disable the account.
        password: New password, 8-72 characters; ends the person's current session.
        name, roles, engineer_*, operator_*: As in :class:`StaffCreate`; certificates are re-checked
            against the roles on today's business date (R-ROLE-2, R-ROLE-4).
    """

    model_config = ConfigDict(extra="forbid")

    name: PersonName | None = None
    enabled: bool | None = None
    password: Password | None = None
    id_number: IdNumber | None = None
    roles: list[StaffRole] | None = Field(default=None, min_length=1)
    engineer_level: EngineerLevel | None = None
    engineer_cert_no: CertNo | None = None
    engineer_valid_until: date | None = None
    operator_level: OperatorLevel | None = None
    operator_cert_no: CertNo | None = None


class StaffRead(Schema):
    """A staff member as the API shows it (never the password hash)."""

    id: uuid.UUID
    agency_id: uuid.UUID | None
    name: str
    phone: str
    id_number: str | None
    roles: list[str]
    enabled: bool
    has_password: bool
    engineer_level: int | None
    engineer_cert_no: str | None
    engineer_valid_until: date | None
    operator_level: int | None
    operator_cert_no: str | None
    created_at: datetime
