"""Pydantic shapes of people."""

from __future__ import annotations

import uuid

from workflows.schema import Schema


class MeRead(Schema):
    """The caller as ``GET /api/v1/me`` shows it."""

    id: uuid.UUID
    name: str
    phone: str
    roles: list[str]
    agency_id: uuid.UUID | None
    agency_name: str | None
    owner_id: uuid.UUID | None
    jurisdiction: str | None
