"""People: agency staff, owner contacts, fire-department supervisors, platform admins."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, IdMixin


class Person(IdMixin, Base):
    """Anyone who logs in. ``roles`` holds :class:`workflows.people.rules.Role` values.

    Staff belong to an agency; owner contacts to an owner; supervisors to a jurisdiction.
    New staff start disabled (R-ROLE-1). ``session_version`` is bumped by every login so that only
    the newest bearer token is live (R-ROLE-6).
    """

    __tablename__ = "person"

    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    id_number: Mapped[str | None] = mapped_column(String(18))
    password_hash: Mapped[str | None] = mapped_column(String(100))
    roles: Mapped[list[str]]
    enabled: Mapped[bool] = mapped_column(default=False)
    agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"), index=True)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("owner.id"), index=True)
    jurisdiction: Mapped[str | None] = mapped_column(String(100), index=True)
    engineer_level: Mapped[int | None]
    engineer_cert_no: Mapped[str | None] = mapped_column(String(50))
    engineer_valid_until: Mapped[date | None]
    operator_level: Mapped[int | None]
    operator_cert_no: Mapped[str | None] = mapped_column(String(50))
    session_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
