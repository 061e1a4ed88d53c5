"""Shapes of repair requests (R-OWN)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from workflows.schema import Schema


class RepairClose(Schema):
    """``POST /repair-requests/{id}/close`` — the owner closes an internally handled request."""

    note: str = Field(default="", max_length=2000)


class RepairRequestRead(Schema):
    """A repair request with its facility, photo and (when sent to the agency) its fault."""

    id: uuid.UUID
    code: str
    project_id: uuid.UUID
    facility_id: uuid.UUID
    facility: str
    system: str
    location: str
    description: str
    route: str
    status: str
    has_photo: bool
    fault_id: uuid.UUID | None
    fault_code: str | None
    fault_status: str | None
    requested_by: uuid.UUID
    requested_by_name: str
    created_at: datetime
    closed_at: datetime | None
    close_note: str | None
