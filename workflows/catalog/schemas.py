"""Shapes of the catalog tree (``GET /api/v1/catalog``)."""

from __future__ import annotations

import uuid

from workflows.schema import Schema


class TestItemNode(Schema):
    """A test item: ``code`` is the source's stable id, ``period`` the catalog period (or ``None``)."""

    id: uuid.UUID
    code: str
    label: str
    criterion: str
    period: str | None
    source: str


class FacilityNode(Schema):
    """A facility and its test items."""

    id: uuid.UUID
    name: str
    items: list[TestItemNode]


class CategoryNode(Schema):
    """A category and its facilities."""

    id: uuid.UUID
    name: str
    facilities: list[FacilityNode]


class SystemNode(Schema):
    """A system and its categories."""

    id: uuid.UUID
    name: str
    categories: list[CategoryNode]
