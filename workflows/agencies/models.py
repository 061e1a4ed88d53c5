"""Agencies (消防技术服务机构)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, IdMixin


class Agency(IdMixin, Base):
    """A fire-protection technical service agency (SPEC §3)."""

    __tablename__ = "agency"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    legal_representative: Mapped[str] = mapped_column(String(100))
    service_types: Mapped[list[str]]
    address: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]
