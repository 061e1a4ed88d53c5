"""Catalog services: seed the shipped default catalog, read the tree (SPEC §4)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.catalog.loader import load_default_catalog
from workflows.catalog.models import CatalogCategory, CatalogFacility, CatalogSystem, TestItem
from workflows.catalog.schemas import CategoryNode, FacilityNode, SystemNode, TestItemNode


def seed_default_catalog(session: Session) -> int:
    """Insert the shipped catalog rows that are not there yet (matched by item code). Idempotent.

    Returns:
        The number of test items inserted.
    """
    existing_codes = set(session.scalars(select(TestItem.code)))
    rows = load_default_catalog()
    if existing_codes and all(r.item_code in existing_codes for r in rows):
        return 0
    systems = {s.name: s for s in session.scalars(select(CatalogSystem))}
    categories = {(c.system_id, c.name): c for c in session.scalars(select(CatalogCategory))}
    facilities = {(f.category_id, f.name): f for f in session.scalars(select(CatalogFacility))}
    inserted = 0
    for position, row in enumerate(rows):
        system = systems.get(row.system)
        if system is None:
            system = CatalogSystem(id=uuid.uuid4(), name=row.system, position=len(systems))
            session.add(system)
            session.flush()
            systems[row.system] = system
        category = categories.get((system.id, row.category))
        if category is None:
            category = CatalogCategory(
                id=uuid.uuid4(), system_id=system.id, name=row.category, position=position
            )
            session.add(category)
            session.flush()
            categories[(system.id, row.category)] = category
        facility = facilities.get((category.id, row.facility))
        if facility is None:
            facility = CatalogFacility(
                id=uuid.uuid4(), category_id=category.id, name=row.facility, position=position
            )
            session.add(facility)
            session.flush()
            facilities[(category.id, row.facility)] = facility
        if row.item_code in existing_codes:
            continue
        session.add(
            TestItem(
                facility_id=facility.id,
                code=row.item_code,
                label=row.item,
                criterion=row.criterion,
                period=row.period,
                source=row.source,
                origin=row.origin,
                position=position,
            )
        )
        existing_codes.add(row.item_code)
        inserted += 1
    session.flush()
    return inserted


def catalog_tree(session: Session) -> list[SystemNode]:
    """The whole catalog as a tree system → category → facility → test item, in source order."""
    systems = list(
        session.scalars(select(CatalogSystem).order_by(CatalogSystem.position, CatalogSystem.name))
    )
    categories = list(session.scalars(select(CatalogCategory).order_by(CatalogCategory.position)))
    facilities = list(session.scalars(select(CatalogFacility).order_by(CatalogFacility.position)))
    items = list(session.scalars(select(TestItem).order_by(TestItem.position)))
    items_by_facility: dict[uuid.UUID, list[TestItemNode]] = {}
    for item in items:
        items_by_facility.setdefault(item.facility_id, []).append(TestItemNode.model_validate(item))
    facilities_by_category: dict[uuid.UUID, list[FacilityNode]] = {}
    for f in facilities:
        node = FacilityNode(id=f.id, name=f.name, items=items_by_facility.get(f.id, []))
        facilities_by_category.setdefault(f.category_id, []).append(node)
    categories_by_system: dict[uuid.UUID, list[CategoryNode]] = {}
    for c in categories:
        cnode = CategoryNode(id=c.id, name=c.name, facilities=facilities_by_category.get(c.id, []))
        categories_by_system.setdefault(c.system_id, []).append(cnode)
    return [SystemNode(id=s.id, name=s.name, categories=categories_by_system.get(s.id, [])) for s in systems]
