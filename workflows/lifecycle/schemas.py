"""API shapes of the project lifecycle (R-LIFE)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field

from workflows.schema import Schema


class SuspensionCreate(Schema):
    """``{month: "2026-12", reason}``: one month per request (files come as multipart parts)."""

    month: str = Field(description="The month to suspend, ``YYYY-MM``.", examples=["2026-12"])
    reason: str = Field(min_length=1, max_length=500, description="Why (暂停原因), 1-500 characters.")


class SuspensionDecision(Schema):
    """``{approve, opinion}``: the fire department's decision; an opinion is required to reject."""

    approve: bool
    opinion: str = Field(default="", max_length=500)


class TerminationCreate(Schema):
    """``{reason}`` of an irreversible termination (终止原因)."""

    reason: str = Field(min_length=1, max_length=500)


class SuspensionFileRead(Schema):
    """A supporting file's metadata (the bytes are not returned here)."""

    id: uuid.UUID
    name: str
    media_type: str
    size_bytes: int
    sha256: str


class SuspensionRead(Schema):
    """A suspension request and where it stands.

    ``month`` is ``YYYY-MM``; ``state`` is pending, approved, rejected, withdrawn or cancelled (the
    project was terminated while the request was pending).
    """

    id: uuid.UUID
    code: str
    project_id: uuid.UUID
    project_name: str
    jurisdiction: str
    month: str
    month_start: date
    reason: str
    state: str
    requested_by: uuid.UUID
    requested_at: datetime
    decided_by: uuid.UUID | None
    decided_at: datetime | None
    opinion: str | None
    withdrawn_at: datetime | None
    files: list[SuspensionFileRead]


class ProjectClosureRead(Schema):
    """The end of a project: ``kind`` terminated or completed, with reason, operator and time.

    ``cancelled_processes`` and ``cancelled_tasks`` count what a termination cancelled (0 on completion).
    """

    project_id: uuid.UUID
    status: str
    kind: str
    reason: str | None
    closed_by: uuid.UUID
    closed_at: datetime
    cancelled_processes: int = 0
    cancelled_tasks: int = 0
