"""The catalog tree: system → category → facility → test item (SPEC §4)."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, IdMixin


class CatalogSystem(IdMixin, Base):
    """A fire system (消防系统), e.g. 火灾自动报警系统, or a pseudo-system such as 消防检测现场记录."""

    __tablename__ = "catalog_system"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    position: Mapped[int] = mapped_column(default=0)


class CatalogCategory(IdMixin, Base):
    """A category (分类) of a system; often 无分类."""

    __tablename__ = "catalog_category"
    __table_args__ = (UniqueConstraint("system_id", "name"),)

    system_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_system.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)


class CatalogFacility(IdMixin, Base):
    """A facility (消防设施), e.g. 报警控制器. Projects select facilities (R-CAT-1)."""

    __tablename__ = "catalog_facility"
    __table_args__ = (UniqueConstraint("category_id", "name"),)

    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_category.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)


class TestItem(IdMixin, Base):
    """A test item (测试项) with its acceptance criterion and period; ``code`` is the source's stable id."""

    __tablename__ = "test_item"

    facility_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_facility.id"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(Text)
    criterion: Mapped[str] = mapped_column(Text, default="")
    period: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str] = mapped_column(String(16), default="standard")
    position: Mapped[int] = mapped_column(default=0)
