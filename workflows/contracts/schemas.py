"""Pydantic shapes of contracts (``/api/v1/contracts``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from workflows.contracts.models import ContractType
from workflows.schema import Schema

ContractName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
PriceCny = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
"""A price in CNY (元) with at most 2 decimals."""


class ContractCreate(Schema):
    """A new contract of the acting agency admin's agency with one of its owners.

    Attributes:
        name: Contract name.
        type: ``maintenance``, ``annual_inspection``, ``completion_inspection``, ``special_inspection``
            or ``safety_assessment``.
        owner_id: ``Owner.id`` of an owner of the same agency.
        signed_on: Signing date; never changes after save (R-CON-1).
        ends_on: End date, after ``signed_on``; never changes after save (R-CON-1).
        price_cny: Contract price in CNY.
    """

    model_config = ConfigDict(extra="forbid")

    name: ContractName
    type: ContractType
    owner_id: uuid.UUID
    signed_on: date
    ends_on: date
    price_cny: PriceCny | None = None


class ContractUpdate(Schema):
    """A change of a contract: only ``name`` and ``price_cny`` may change.

    ``signed_on``/``ends_on`` are accepted only to refuse a change of them with 409 ``R-CON-1``
    (sending the stored value is a no-op).
    """

    model_config = ConfigDict(extra="forbid")

    name: ContractName | None = None
    price_cny: PriceCny | None = None
    signed_on: date | None = None
    ends_on: date | None = None


class ContractRead(Schema):
    """A contract as the API shows it; ``type_label`` is the Chinese name of the type."""

    id: uuid.UUID
    agency_id: uuid.UUID
    owner_id: uuid.UUID
    owner_name: str
    name: str
    type: ContractType
    type_label: str
    signed_on: date
    ends_on: date
    price_cny: Decimal | None
    created_at: datetime
