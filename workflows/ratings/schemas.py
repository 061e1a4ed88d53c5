"""Shapes of service confirmations and ratings."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from workflows.schema import Schema


class RatingWrite(Schema):
    """``POST /reports/{id}/confirmation`` — confirm the service and rate it 1-5 stars."""

    rating: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=1000)


class ServiceRatingRead(Schema):
    """A stored confirmation."""

    report_id: uuid.UUID
    report_code: str
    project_id: uuid.UUID
    person_id: uuid.UUID
    person_name: str
    rating: int
    comment: str
    rated_at: datetime
