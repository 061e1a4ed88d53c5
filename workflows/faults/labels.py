"""Catalog labels of faults: system, facility, test item and criterion (repair requests have no item;
a fault of a spec-mismatch line shows the executor's free text, R-TASK-2)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.catalog.models import CatalogCategory, CatalogFacility, CatalogSystem, TestItem
from workflows.faults.models import Fault
from workflows.plans.models import PlanLine


@dataclass(frozen=True)
class FaultLabels:
    """What a fault is about, in words."""

    system: str
    facility: str
    item: str
    criterion: str


def fault_labels(session: Session, faults: Sequence[Fault]) -> dict[uuid.UUID, FaultLabels]:
    """``{fault.id: FaultLabels}``; a repair-request fault shows its location as the item ("一键报修"),
    a mismatch fault the free text of its line."""
    item_ids = {f.test_item_id for f in faults if f.test_item_id is not None}
    free_line_ids = {f.plan_line_id for f in faults if f.test_item_id is None and f.plan_line_id is not None}
    free_lines = (
        {line.id: line for line in session.scalars(select(PlanLine).where(PlanLine.id.in_(free_line_ids)))}
        if free_line_ids
        else {}
    )
    facility_ids = {f.facility_id for f in faults if f.facility_id is not None}
    items = (
        {
            item.id: (item, fac, sys)
            for item, fac, sys in session.execute(
                select(TestItem, CatalogFacility.name, CatalogSystem.name)
                .join(CatalogFacility, CatalogFacility.id == TestItem.facility_id)
                .join(CatalogCategory, CatalogCategory.id == CatalogFacility.category_id)
                .join(CatalogSystem, CatalogSystem.id == CatalogCategory.system_id)
                .where(TestItem.id.in_(item_ids))
            )
        }
        if item_ids
        else {}
    )
    facilities = (
        {
            fid: (fac, sys)
            for fid, fac, sys in session.execute(
                select(CatalogFacility.id, CatalogFacility.name, CatalogSystem.name)
                .join(CatalogCategory, CatalogCategory.id == CatalogFacility.category_id)
                .join(CatalogSystem, CatalogSystem.id == CatalogCategory.system_id)
                .where(CatalogFacility.id.in_(facility_ids))
            )
        }
        if facility_ids
        else {}
    )
    out: dict[uuid.UUID, FaultLabels] = {}
    for f in faults:
        if f.test_item_id is not None and f.test_item_id in items:
            item, fac, sys = items[f.test_item_id]
            out[f.id] = FaultLabels(system=sys, facility=fac, item=item.label, criterion=item.criterion)
        elif f.plan_line_id is not None and f.plan_line_id in free_lines:
            line = free_lines[f.plan_line_id]
            out[f.id] = FaultLabels(
                system=line.free_system or "",
                facility=line.free_facility or "",
                item=line.free_item or "",
                criterion=line.free_criterion or "",
            )
        else:
            fac, sys = facilities.get(f.facility_id, ("", "")) if f.facility_id else ("", "")
            out[f.id] = FaultLabels(
                system=sys, facility=fac, item=f"一键报修：{f.location or ''}", criterion=""
            )
    return out
