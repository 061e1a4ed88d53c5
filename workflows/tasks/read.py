"""Reading a task as its card and the API show it (R-TASK): lines with results, photos, reviews, faults."""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam, select
from sqlalchemy.orm import defer

from workflows.catalog.models import CatalogCategory, CatalogFacility, CatalogSystem, TestItem
from workflows.context import Ctx
from workflows.faults.models import Fault, FaultStatus
from workflows.people.models import Person
from workflows.plans.models import PlanLine
from workflows.reviews.models import ReviewEntry
from workflows.tasks.models import ItemResult, Photo, Task, TaskLine
from workflows.tasks.schemas import PhotoRead, ResultRead, ReviewRead, TaskRead
from workflows.tasks.service import get_task

# Built once with bind parameters (every task card reads them; bench/bench_telegram.py): a statement
# built per call costs more in SQLAlchemy than the query costs in the database.
_EXECUTOR_NAME = select(Person.name).where(Person.id == bindparam("person_id"))
_RESULTS = (  # columns, not entities: a card shows these and nothing else of the five rows
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
    .outerjoin(
        ItemResult, (ItemResult.plan_line_id == PlanLine.id) & (ItemResult.task_id == bindparam("task_id"))
    )
    .where(TaskLine.task_id == bindparam("task_id"))
    .order_by(PlanLine.position)
)
_PHOTOS = (  # the blobs stay in the database: TaskRead lists photos, content is served apart
    select(Photo)
    .options(defer(Photo.content))
    .where(Photo.task_id == bindparam("task_id"))
    .order_by(Photo.created_at)
)
_REVIEWS = (
    select(ReviewEntry, Person.name)
    .join(Person, Person.id == ReviewEntry.reviewer_id)
    .where(ReviewEntry.task_id == bindparam("task_id"))
    .order_by(ReviewEntry.at, ReviewEntry.round)
)
_FAULT_IDS = (
    select(Fault.id)
    .where(Fault.task_id == bindparam("task_id"), Fault.status != FaultStatus.VOID)
    .order_by(Fault.found_at)
)


def read_task(ctx: Ctx, task_id: uuid.UUID) -> TaskRead:
    """The task with lines (fail and cannot-test first), results, photos, reviews and faults.

    Raises:
        NotFound: no such task or not visible to ``ctx.actor`` (404, see
            :func:`~workflows.tasks.service.get_task`).
    """
    task, _ = get_task(ctx, task_id)
    return task_read(ctx, task)


def task_read(ctx: Ctx, task: Task) -> TaskRead:
    """:func:`read_task` of a task the caller has loaded and checked visible already."""
    params = {"task_id": task.id}
    executor_name = ctx.session.scalar(_EXECUTOR_NAME, {"person_id": task.executor_id})
    photos = list(ctx.session.scalars(_PHOTOS, params))
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
            ) in ctx.session.execute(_RESULTS, params)
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
        for e, name in ctx.session.execute(_REVIEWS, params)
    ]
    fault_ids = list(ctx.session.scalars(_FAULT_IDS, params))
    return TaskRead(
        id=task.id,
        code=task.code,
        kind=task.kind,
        state=task.state,
        project_id=task.project_id,
        plan_id=task.plan_id,
        fault_id=task.fault_id,
        executor_id=task.executor_id,
        executor_name=executor_name or "",
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
