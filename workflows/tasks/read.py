"""Reading a task as its card and the API show it (R-TASK): lines with results, photos, reviews, faults."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import defer

from workflows.catalog.models import CatalogCategory, CatalogFacility, CatalogSystem, TestItem
from workflows.context import Ctx
from workflows.faults.models import Fault, FaultStatus
from workflows.people.models import Person
from workflows.plans.models import PlanLine
from workflows.reviews.models import ReviewEntry
from workflows.tasks.models import ItemResult, Photo, TaskLine
from workflows.tasks.schemas import PhotoRead, ResultRead, ReviewRead, TaskRead
from workflows.tasks.service import get_task


def read_task(ctx: Ctx, task_id: uuid.UUID) -> TaskRead:
    """The task with lines (fail and cannot-test first), results, photos, reviews and faults."""
    task, _ = get_task(ctx, task_id)
    executor = ctx.session.get(Person, task.executor_id)
    stmt = (  # columns, not entities: a card shows these and nothing else of the five rows
        select(
            PlanLine.id,
            TestItem.code,
            CatalogSystem.name,
            CatalogFacility.name,
            TestItem.label,
            TestItem.criterion,
            PlanLine.free_system,
            PlanLine.free_facility,
            PlanLine.free_item,
            PlanLine.free_criterion,
            ItemResult.outcome,
            ItemResult.measured_record,
            ItemResult.brand,
        )
        .select_from(PlanLine)
        .join(TaskLine, TaskLine.plan_line_id == PlanLine.id)
        .outerjoin(TestItem, TestItem.id == PlanLine.test_item_id)  # mismatch lines have no item
        .outerjoin(CatalogFacility, CatalogFacility.id == TestItem.facility_id)
        .outerjoin(CatalogCategory, CatalogCategory.id == CatalogFacility.category_id)
        .outerjoin(CatalogSystem, CatalogSystem.id == CatalogCategory.system_id)
        .outerjoin(ItemResult, (ItemResult.plan_line_id == PlanLine.id) & (ItemResult.task_id == task.id))
        .where(TaskLine.task_id == task.id)
        .order_by(PlanLine.position)
    )
    photos = list(  # the blobs stay in the database: TaskRead lists photos, content is served apart
        ctx.session.scalars(
            select(Photo)
            .options(defer(Photo.content))
            .where(Photo.task_id == task.id)
            .order_by(Photo.created_at)
        )
    )
    per_line: dict[uuid.UUID | None, int] = {}
    for p in photos:
        per_line[p.plan_line_id] = per_line.get(p.plan_line_id, 0) + 1
    rank = {"fail": 0, "cannot_test": 1, None: 2, "pass": 3}
    results = sorted(
        (
            ResultRead(
                plan_line_id=line_id,
                item_code=code or "",
                system=system or free_system or "",
                facility=facility or free_facility or "",
                item=label or free_item or "",
                criterion=criterion or free_criterion or "",
                outcome=outcome,
                measured_record=measured_record,
                brand=brand,
                photo_count=per_line.get(line_id, 0),
            )
            for (
                line_id,
                code,
                system,
                facility,
                label,
                criterion,
                free_system,
                free_facility,
                free_item,
                free_criterion,
                outcome,
                measured_record,
                brand,
            ) in ctx.session.execute(stmt)
        ),
        key=lambda r: rank.get(r.outcome, 2),
    )
    reviews = [
        ReviewRead(
            reviewer_id=e.reviewer_id,
            reviewer_name=name,
            round=e.round,
            verdict=e.verdict,
            opinion=e.opinion,
            at=e.at,
        )
        for e, name in ctx.session.execute(
            select(ReviewEntry, Person.name)
            .join(Person, Person.id == ReviewEntry.reviewer_id)
            .where(ReviewEntry.task_id == task.id)
            .order_by(ReviewEntry.at, ReviewEntry.round)
        )
    ]
    fault_ids = list(
        ctx.session.scalars(
            select(Fault.id)
            .where(Fault.task_id == task.id, Fault.status != FaultStatus.VOID)
            .order_by(Fault.found_at)
        )
    )
    return TaskRead(
        id=task.id,
        code=task.code,
        kind=task.kind,
        state=task.state,
        project_id=task.project_id,
        plan_id=task.plan_id,
        fault_id=task.fault_id,
        executor_id=task.executor_id,
        executor_name=executor.name if executor else "",
        round=task.round,
        created_at=task.created_at,
        submitted_at=task.submitted_at,
        latitude=task.latitude,
        longitude=task.longitude,
        distance_m=task.distance_m,
        within_geofence=task.within_geofence,
        resolved=task.resolved,
        note=task.note,
        repair_plan=task.repair_plan,
        results=results,
        photos=[PhotoRead.model_validate(p) for p in photos],
        reviews=reviews,
        fault_ids=fault_ids,
    )
