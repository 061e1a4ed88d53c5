"""API shapes of direct-upload requests (R-SPEC)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from workflows.schema import Schema

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Opinion = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class DirectUploadRequestCreate(Schema):
    """``POST /projects/{id}/direct-upload-requests``: why the site cannot use phones (涉密、易燃易爆 …)."""

    reason: Reason


class DirectUploadDecision(Schema):
    """``POST /direct-upload-requests/{id}/decision``: the fire department's verdict and opinion."""

    approve: bool
    opinion: Opinion = ""


class AttachmentRead(Schema):
    """A supporting file's metadata (the bytes stay in the database)."""

    id: uuid.UUID
    file_name: str
    media_type: str
    size_bytes: int
    sha256: str


class DirectUploadRequestRead(Schema):
    """A request as the API shows it."""

    id: uuid.UUID
    code: str
    project_id: uuid.UUID
    reason: str
    state: str
    requested_by: uuid.UUID
    requested_at: datetime
    decided_by: uuid.UUID | None
    decided_at: datetime | None
    opinion: str | None
    attachments: list[AttachmentRead] = Field(default_factory=list)
