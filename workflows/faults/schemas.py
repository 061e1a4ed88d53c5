"""Shapes of faults and dispositions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from workflows.schema import Schema


class DispositionWrite(Schema):
    """``POST /faults/{id}/disposition`` — the five dispositions of R-FAULT."""

    kind: Literal[
        "investigate", "owner_approved_repair", "owner_refused_repair", "out_of_scope", "negotiating"
    ]
    explanation: str | None = Field(default=None, max_length=2000)
    leader_id: uuid.UUID | None = None
    repair_plan: str | None = Field(default=None, max_length=2000)


class FaultEventRead(Schema):
    """One step of the handling history."""

    at: datetime
    person_name: str | None
    disposition: str | None
    step: str
    note: str | None


class FaultRead(Schema):
    """A fault with its catalog context, disposition and history."""

    id: uuid.UUID
    code: str
    project_id: uuid.UUID
    task_id: uuid.UUID | None
    source: str
    system: str
    facility: str
    item: str
    criterion: str
    measured_record: str
    location: str | None
    status: str
    disposition: str | None
    explanation: str | None
    repair_plan: str | None
    leader_id: uuid.UUID | None
    found_at: datetime
    closed_at: datetime | None
    open_task_id: uuid.UUID | None
    history: list[FaultEventRead]
