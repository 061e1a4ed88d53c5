"""Owners (业主): the buildings' owners who sign contracts with agencies."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, IdMixin


class Owner(IdMixin, Base):
    """An owner as on its business licence (SPEC §3); ``uscc`` is ``None`` for non-enterprise units."""

    __tablename__ = "owner"

    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(300))
    uscc: Mapped[str | None] = mapped_column(String(18))
    created_at: Mapped[datetime]
