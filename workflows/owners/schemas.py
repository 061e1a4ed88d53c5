"""Pydantic shapes of owners and their contacts (``/api/v1/owners``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, StringConstraints

from workflows.people.staff_schemas import MobilePhone, Password, PersonName
from workflows.schema import Schema

OwnerName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
City = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class OwnerCreate(Schema):
    """A new owner of the acting agency admin's agency.

    Attributes:
        name: Name exactly as on the business licence.
        city: City, e.g. ``西宁市``.
        address: Detailed address (road + number).
        uscc: 统一社会信用代码 (GB 32100), or ``"NULL"``/``null`` for a non-enterprise unit.
    """

    model_config = ConfigDict(extra="forbid")

    name: OwnerName
    city: City
    address: Address
    uscc: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, max_length=18)] | None = None


class ContactCreate(Schema):
    """A new owner contact; enabled at once only when a password is given.

    Attributes:
        name: Full name.
        phone: 11-digit mobile number, unique among all people.
        password: Optional password, 8-72 characters. Without one the contact binds a chat account
            later with a one-time code (SPEC §9).
    """

    model_config = ConfigDict(extra="forbid")

    name: PersonName
    phone: MobilePhone
    password: Password | None = None


class ContactRead(Schema):
    """An owner contact (never the password hash)."""

    id: uuid.UUID
    owner_id: uuid.UUID
    name: str
    phone: str
    enabled: bool


class OwnerRead(Schema):
    """An owner with its contacts; ``uscc`` is ``None`` for a non-enterprise unit."""

    id: uuid.UUID
    agency_id: uuid.UUID
    name: str
    city: str
    address: str
    uscc: str | None
    contacts: list[ContactRead]
    created_at: datetime
