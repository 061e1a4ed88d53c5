"""Gather a report's :class:`ReportData` from the database (the renderer never touches the DB)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from sqlalchemy import or_, select

from engine.clock import business_date
from workflows.agencies.models import Agency
from workflows.catalog.models import CatalogCategory, CatalogFacility, CatalogSystem, TestItem
from workflows.context import Ctx
from workflows.faults.labels import fault_labels
from workflows.faults.models import OPEN_STATUSES, Fault, FaultEvent, FaultStatus
from workflows.owners.models import Owner
from workflows.people.models import Person
from workflows.people.rules import Role
from workflows.plans.models import Plan, PlanLine
from workflows.plans.rules import period_label
from workflows.projects.models import Building, Project
from workflows.reports.models import Report, ReportStatus, ReportTask
from workflows.reports.report_data import (
    BuildingInfo,
    EvidenceEntry,
    FaultEntry,
    HistoryEntry,
    PhotoRef,
    ReportData,
    ResultRow,
    SignOff,
)
from workflows.tasks.models import ItemResult, Photo, PhotoKind, Task, TaskKind

MAX_PHOTOS_PER_TASK = 6


def _catalog_of(ctx: Ctx, item_ids: set[uuid.UUID]) -> dict[uuid.UUID, tuple[TestItem, str, str]]:
    """``{test_item_id: (item, facility name, system name)}``."""
    rows = ctx.session.execute(
        select(TestItem, CatalogFacility.name, CatalogSystem.name)
        .join(CatalogFacility, CatalogFacility.id == TestItem.facility_id)
        .join(CatalogCategory, CatalogCategory.id == CatalogFacility.category_id)
        .join(CatalogSystem, CatalogSystem.id == CatalogCategory.system_id)
        .where(TestItem.id.in_(item_ids))
    )
    return {item.id: (item, fac, sys) for item, fac, sys in rows}


EXTRA_ROW_LABELS = {TaskKind.SUPPLEMENTARY: "补充测试项", TaskKind.MISMATCH: "设施与当前规范不匹配"}
"""How a result row of a ticked supplementary/mismatch task is marked in the report (R-TASK-2)."""


def _result_rows(ctx: Ctx, tasks: Sequence[Task]) -> tuple[ResultRow, ...]:
    """The recorded results of ``tasks``: plan lines in plan order, then each ticked extra task's
    lines in the order the tasks were given, marked with their kind (R-TASK-2)."""
    by_id = {t.id: (i, t) for i, t in enumerate(tasks)}
    rows = sorted(
        ctx.session.execute(
            select(ItemResult, PlanLine)
            .join(PlanLine, PlanLine.id == ItemResult.plan_line_id)
            .where(ItemResult.task_id.in_(list(by_id)))
        ).all(),
        key=lambda r: (0, 0, r[1].position) if r[1].plan_id else (1, by_id[r[0].task_id][0], r[1].position),
    )
    cat = _catalog_of(ctx, {line.test_item_id for _, line in rows if line.test_item_id is not None})
    out = []
    for res, line in rows:
        mark = EXTRA_ROW_LABELS.get(TaskKind(by_id[res.task_id][1].kind))
        if line.test_item_id is not None:
            item, facility, system = cat[line.test_item_id]
            label, criterion = item.label, item.criterion
        else:
            system = line.free_system or EXTRA_ROW_LABELS[TaskKind.MISMATCH]
            facility, label = line.free_facility or "", line.free_item or ""
            criterion = line.free_criterion or ""
        out.append(
            ResultRow(
                system=system,
                facility=f"{facility}（{mark}）" if mark else facility,
                item=label,
                criterion=criterion,
                outcome=res.outcome,  # type: ignore[arg-type]
                measured_record=res.measured_record,
                location=line.location,
                brand=res.brand,
            )
        )
    return tuple(out)


def _fault_entries(
    ctx: Ctx, faults: Sequence[Fault], source: dict[uuid.UUID, str] | None = None
) -> tuple[FaultEntry, ...]:
    labels = fault_labels(ctx.session, faults)
    names: dict[uuid.UUID, str] = dict(ctx.session.execute(select(Person.id, Person.name)).all())
    out = []
    for f in faults:
        lab = labels[f.id]
        events = ctx.session.scalars(
            select(FaultEvent).where(FaultEvent.fault_id == f.id).order_by(FaultEvent.seq)
        )
        history = tuple(
            HistoryEntry(
                at=e.at,
                person=names.get(e.person_id, "系统") if e.person_id else "系统",
                disposition=e.disposition,
                step=e.step,
                note=e.note,
            )
            for e in events
        )
        out.append(
            FaultEntry(
                code=f.code,
                system=lab.system,
                facility=lab.facility,
                item=lab.item,
                criterion=lab.criterion,
                measured_record=f.measured_record,
                found_at=f.found_at,
                status=f.status,  # type: ignore[arg-type]
                disposition=f.disposition,  # type: ignore[arg-type]
                explanation=f.explanation or f.repair_plan,
                history=history,
                source_label=(source or {}).get(f.id),
            )
        )
    return tuple(out)


def build_report_data(
    ctx: Ctx,
    *,
    plan: Plan,
    project: Project,
    tasks: Sequence[Task],
    report_number: str,
    report_date: date,
    service_date: date,
    verify_url: str,
    title: str,
) -> ReportData:
    """Everything the PDF shows, read from the database.

    Results come from the plan tasks; faults of this period are those raised by the covered tasks;
    previous faults are the project's faults found before the period that are still open (R-FAULT-1:
    carried over until resolved or out of scope).
    """
    session = ctx.session
    agency = session.get(Agency, project.agency_id)
    owner = session.get(Owner, project.owner_id)
    assert agency is not None and owner is not None
    task_ids = [t.id for t in tasks]
    results = _result_rows(ctx, tasks)
    systems = tuple(dict.fromkeys(r.system for r in results))
    this_faults = list(
        session.scalars(
            select(Fault)
            .where(Fault.task_id.in_(task_ids), Fault.status != FaultStatus.VOID)
            .order_by(Fault.found_at)
        )
    )
    previous = list(
        session.scalars(
            select(Fault)
            .where(
                Fault.project_id == project.id,
                Fault.status.in_(list(OPEN_STATUSES)),
                or_(Fault.task_id.is_(None), Fault.task_id.not_in(task_ids)),
            )
            .order_by(Fault.found_at)
        )
    )
    previous = [f for f in previous if business_date(f.found_at) < plan.period_start]
    source = _previous_sources(ctx, previous)
    buildings = tuple(
        BuildingInfo(
            name=b.name,
            total_area_m2=b.total_area_m2,
            above_ground_area_m2=b.above_ground_area_m2,
            underground_area_m2=b.underground_area_m2,
            floors_above=b.floors_above,
            floors_below=b.floors_below,
            height_m=b.height_m,
            water_storage=(
                f"{b.water_storage_type}（{b.water_storage_location or ''}，{b.water_storage_capacity_m3}m³）"
                if b.water_storage_type
                else None
            ),
            remark=b.remark,
        )
        for b in session.scalars(
            select(Building).where(Building.project_id == project.id).order_by(Building.name)
        )
    )
    people = {p.id: p for p in session.scalars(select(Person).where(Person.agency_id == project.agency_id))}
    evidence = tuple(_evidence(ctx, t, people, project) for t in tasks if t.submitted_at is not None)
    tech = next((p.name for p in people.values() if Role.TECHNICAL_LEAD.value in p.roles), None)
    manager = next((p.name for p in people.values() if Role.ENTERPRISE_MANAGER.value in p.roles), None)
    lead = people.get(project.lead_id)
    return ReportData(
        report_number=report_number,
        title=title,
        project_name=project.name,
        project_address=project.address,
        owner_name=owner.name,
        agency_name=agency.name,
        agency_address=agency.address,
        period_label=period_label(plan.nature, plan.period_start),
        report_date=report_date,
        service_date=service_date,
        verify_url=verify_url,
        buildings=buildings,
        systems=systems,
        results=results,
        faults=_fault_entries(ctx, this_faults),
        previous_faults=_fault_entries(ctx, previous, source),
        evidence=evidence,
        signoff=SignOff(
            project_lead=lead.name if lead else None, technical_lead=tech, enterprise_manager=manager
        ),
    )


def _previous_sources(ctx: Ctx, faults: Sequence[Fault]) -> dict[uuid.UUID, str]:
    """The title of the report that first listed each carried-over fault."""
    out: dict[uuid.UUID, str] = {}
    for f in faults:
        if f.task_id is None:
            out[f.id] = "业主一键报修"
            continue
        row = ctx.session.execute(
            select(Report, Plan)
            .join(ReportTask, ReportTask.report_id == Report.id)
            .join(Plan, Plan.id == Report.plan_id)
            .where(ReportTask.task_id == f.task_id, Report.status != ReportStatus.DELETED)
            .order_by(Report.generated_at)
        ).first()
        if row is not None:
            out[f.id] = f"{period_label(row[1].nature, row[1].period_start)}报告 {row[0].code}"
    return out


def _evidence(ctx: Ctx, task: Task, people: dict[uuid.UUID, Person], project: Project) -> EvidenceEntry:
    photos = list(
        ctx.session.scalars(select(Photo).where(Photo.task_id == task.id).order_by(Photo.created_at))
    )
    selfie = next((p for p in photos if p.kind == PhotoKind.SELFIE), None)
    items = [p for p in photos if p.kind == PhotoKind.ITEM][:MAX_PHOTOS_PER_TASK]
    submitter = people.get(task.executor_id)
    return EvidenceEntry(
        task_code=task.code,
        submitter=submitter.name if submitter else "",
        submitted_at=task.submitted_at,  # type: ignore[arg-type]
        latitude=task.latitude,
        longitude=task.longitude,
        distance_m=task.distance_m,
        geofence_radius_m=project.geofence_radius_m,
        within_geofence=task.within_geofence,
        selfie=PhotoRef("提交人自拍", selfie.content, selfie.media_type) if selfie else None,
        photos=tuple(
            PhotoRef(f"{task.code} 照片{i + 1}", p.content, p.media_type) for i, p in enumerate(items)
        ),
    )


def with_verify_url(data: ReportData, url: str) -> ReportData:
    """The same data with the QR's verification URL filled in."""
    return replace(data, verify_url=url)
