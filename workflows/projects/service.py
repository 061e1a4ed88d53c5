"""Project services: create, read, change; buildings (R-PRJ-1) and facility selection (R-CAT-1).

Scope (R-ROLE-3) comes from ``workflows.people.scope``: a project outside the caller's scope is
reported as not found (404).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, select

from engine.clock import business_date
from engine.codes import next_code
from engine.errors import Forbidden, InvalidInput, RuleViolation
from workflows.agencies.service import acting_person
from workflows.audit.service import record_audit, snapshot
from workflows.catalog.models import CatalogFacility
from workflows.context import Ctx
from workflows.contracts.models import Contract, ContractType
from workflows.lifecycle.closure import start_lifecycle
from workflows.owners.models import Owner
from workflows.people.models import Person
from workflows.people.rules import Role
from workflows.people.scope import get_project, has_role, manages_project, require_role, visible_projects
from workflows.projects.models import Building, Project, ProjectFacility, ProjectStatus
from workflows.projects.rules import FirstPlanMonthFrozen, first_plan_month
from workflows.projects.schemas import (
    BuildingCreate,
    BuildingRead,
    FacilitySelection,
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
    WaterStorage,
)

PROJECT_FIELDS = (
    "code",
    "agency_id",
    "contract_id",
    "owner_id",
    "lead_id",
    "name",
    "city",
    "address",
    "safety_responsible",
    "safety_manager",
    "control_room_phone",
    "price_cny",
    "unit_type",
    "industry",
    "jurisdiction",
    "key_unit",
    "latitude",
    "longitude",
    "geofence_radius_m",
    "first_plan_month",
    "status",
)
BUILDING_FIELDS = (
    "project_id",
    "name",
    "total_area_m2",
    "above_ground_area_m2",
    "underground_area_m2",
    "floors_above",
    "floors_below",
    "height_m",
    "remark",
    "water_storage_type",
    "water_storage_location",
    "water_storage_capacity_m3",
)
NOT_NULL_FIELDS = (
    "name",
    "city",
    "address",
    "lead_id",
    "jurisdiction",
    "key_unit",
    "latitude",
    "longitude",
    "geofence_radius_m",
)


def _check_lead(ctx: Ctx, agency_id: uuid.UUID, lead_id: uuid.UUID) -> Person:
    """The project lead: a staff member of ``agency_id`` holding ``project_lead`` (else 422 ``lead_id``)."""
    lead = ctx.session.get(Person, lead_id)
    if lead is None or lead.agency_id != agency_id or not has_role(lead, Role.PROJECT_LEAD):
        raise InvalidInput(
            "lead_id", "项目负责人须为本机构的项目负责人 / the lead must be a project lead of the agency"
        )
    return lead


def _require_project_manager(actor: Person, project: Project, *, action: str) -> None:
    """403 unless the actor is an agency admin of the project's agency or manages it."""
    if has_role(actor, Role.AGENCY_ADMIN) and actor.agency_id == project.agency_id:
        return
    if not manages_project(actor, project):
        raise Forbidden(f"无权{action}：仅机构管理员或项目管理人员可操作 / not allowed to {action}")


def _require_active(project: Project) -> None:
    if project.status != ProjectStatus.ACTIVE:
        raise RuleViolation("R-LIFE", f"项目状态为 {project.status}，不能修改 / the project is not active")


def _building_read(b: Building) -> BuildingRead:
    storage = None
    if b.water_storage_type and b.water_storage_location and b.water_storage_capacity_m3 is not None:
        storage = WaterStorage(
            type=b.water_storage_type,
            location=b.water_storage_location,
            capacity_m3=b.water_storage_capacity_m3,
        )
    return BuildingRead(
        id=b.id,
        project_id=b.project_id,
        name=b.name,
        total_area_m2=b.total_area_m2,
        above_ground_area_m2=b.above_ground_area_m2,
        underground_area_m2=b.underground_area_m2,
        floors_above=b.floors_above,
        floors_below=b.floors_below,
        height_m=b.height_m,
        remark=b.remark,
        water_storage=storage,
    )


def describe_projects(ctx: Ctx, projects: Sequence[Project]) -> list[ProjectRead]:
    """Read shapes of ``projects`` with contract, owner, lead, buildings and facility ids (5 queries)."""
    ids = [p.id for p in projects]
    if not ids:
        return []
    session = ctx.session
    contracts = {
        c.id: c
        for c in session.scalars(select(Contract).where(Contract.id.in_({p.contract_id for p in projects})))
    }
    owners: dict[uuid.UUID, str] = dict(
        session.execute(
            select(Owner.id, Owner.name).where(Owner.id.in_({p.owner_id for p in projects}))
        ).all()
    )
    leads: dict[uuid.UUID, str] = dict(
        session.execute(
            select(Person.id, Person.name).where(Person.id.in_({p.lead_id for p in projects}))
        ).all()
    )
    buildings: dict[uuid.UUID, list[BuildingRead]] = {}
    for b in session.scalars(select(Building).where(Building.project_id.in_(ids)).order_by(Building.name)):
        buildings.setdefault(b.project_id, []).append(_building_read(b))
    facilities: dict[uuid.UUID, list[uuid.UUID]] = {}
    stmt = (
        select(ProjectFacility.project_id, ProjectFacility.facility_id)
        .join(CatalogFacility, CatalogFacility.id == ProjectFacility.facility_id)
        .where(ProjectFacility.project_id.in_(ids))
        .order_by(CatalogFacility.position, CatalogFacility.name)
    )
    for project_id, facility_id in session.execute(stmt):
        facilities.setdefault(project_id, []).append(facility_id)
    out = []
    for p in projects:
        contract = contracts[p.contract_id]
        values: dict[str, Any] = {f: getattr(p, f) for f in (*PROJECT_FIELDS, "id", "created_at")}
        out.append(
            ProjectRead(
                **values,
                contract_name=contract.name,
                contract_type=ContractType(contract.type),
                owner_name=owners.get(p.owner_id, ""),
                lead_name=leads.get(p.lead_id, ""),
                buildings=buildings.get(p.id, []),
                facility_ids=facilities.get(p.id, []),
            )
        )
    return out


def create_project(ctx: Ctx, data: ProjectCreate) -> ProjectRead:
    """Create a project under a contract of the actor's agency.

    The owner comes from the contract; the code is ``P-<year>-NNNN``; the first plan month follows
    R-PRJ-2 and is immutable afterwards. The project's ``project_lifecycle`` instance starts in the
    same transaction (R-LIFE: termination, and completion once the contract has ended).

    Args:
        ctx: Acting person: an agency admin.
        data: See :class:`ProjectCreate`.

    Returns:
        The project as :class:`ProjectRead` (no buildings, no facilities yet).

    Raises:
        Forbidden: the actor is not an agency admin (403).
        InvalidInput: unknown ``contract_id`` (422), ``lead_id`` not a project lead of the agency (422).
        FirstPlanMonthRefused: ``next_month`` not allowed (422, code ``R-PRJ-2``, field ``first_plan_month``).
    """
    actor = acting_person(ctx)
    require_role(actor, Role.AGENCY_ADMIN, action="创建项目 / create projects")
    contract = ctx.session.get(Contract, data.contract_id)
    if contract is None or contract.agency_id != actor.agency_id:
        raise InvalidInput("contract_id", "合同不存在或不属于本机构 / unknown contract")
    _check_lead(ctx, contract.agency_id, data.lead_id)
    month = first_plan_month(
        ContractType(contract.type), contract.signed_on, contract.ends_on, data.first_plan_month
    )
    fields = data.model_dump(exclude={"contract_id", "first_plan_month"})
    project = Project(
        id=uuid.uuid4(),
        code=next_code(ctx.session, f"P-{business_date(ctx.clock.now()).year}"),
        agency_id=contract.agency_id,
        contract_id=contract.id,
        owner_id=contract.owner_id,
        first_plan_month=month,
        status=ProjectStatus.ACTIVE.value,
        created_at=ctx.clock.now(),
        **fields,
    )
    ctx.session.add(project)
    ctx.session.flush()
    record_audit(ctx, "project.created", "project", project.id, after=snapshot(project, PROJECT_FIELDS))
    start_lifecycle(ctx, project, contract)  # R-LIFE: termination step and contract-end timer from day one
    return describe_projects(ctx, [project])[0]


def list_projects(ctx: Ctx) -> list[ProjectRead]:
    """The projects the actor may see (R-ROLE-3), ordered by code."""
    actor = acting_person(ctx)
    projects = list(ctx.session.scalars(visible_projects(actor).order_by(Project.code)))
    return describe_projects(ctx, projects)


def read_project(ctx: Ctx, project_id: uuid.UUID) -> ProjectRead:
    """One project the actor may see.

    Raises:
        NotFound: no such project or outside the actor's scope (404, R-ROLE-3).
    """
    return describe_projects(ctx, [get_project(ctx, acting_person(ctx), project_id)])[0]


def _refuse_first_month_change(project: Project, contract: Contract, value: str | date) -> None:
    """409 R-PRJ-2 unless ``value`` (a choice or a date) names the stored first plan month."""
    if isinstance(value, date):
        wanted = value.replace(day=1)
    else:
        try:
            wanted = first_plan_month(
                ContractType(contract.type),
                contract.signed_on,
                contract.ends_on,
                "next_month" if value == "next_month" else "signing_month",
            )
        except InvalidInput as exc:
            raise FirstPlanMonthFrozen() from exc
    if wanted != project.first_plan_month:
        raise FirstPlanMonthFrozen()


def update_project(ctx: Ctx, project_id: uuid.UUID, data: ProjectUpdate) -> ProjectRead:
    """Change a project's descriptive fields, lead or geofence; the first plan month never changes.

    Args:
        ctx: Acting person: an agency admin of its agency, or a manager of the project; only an agency
            admin may change ``lead_id``.
        project_id: ``Project.id``.
        data: The fields to change.

    Returns:
        The project as :class:`ProjectRead`.

    Raises:
        NotFound: not visible (404). Forbidden: not a manager / lead change by a non-admin (403).
        InvalidInput: ``null`` for a required field, bad ``lead_id`` (422).
        FirstPlanMonthFrozen: a different ``first_plan_month`` (409, R-PRJ-2).
        RuleViolation: ``R-LIFE`` the project is not active (409).
    """
    actor = acting_person(ctx)
    project = get_project(ctx, actor, project_id, for_update=True)
    _require_project_manager(actor, project, action="修改项目 / change the project")
    sent = data.model_dump(include=data.model_fields_set)
    if sent.get("first_plan_month") is not None:
        contract = ctx.session.get_one(Contract, project.contract_id)
        _refuse_first_month_change(project, contract, sent["first_plan_month"])
    sent.pop("first_plan_month", None)
    for field in NOT_NULL_FIELDS:
        if field in sent and sent[field] is None:
            raise InvalidInput(field, "不能为空 / may not be null")
    _require_active(project)
    if "lead_id" in sent and sent["lead_id"] != project.lead_id:
        if not has_role(actor, Role.AGENCY_ADMIN, Role.PLATFORM_ADMIN):
            raise Forbidden("只有机构管理员可更换项目负责人 / only the agency admin may change the lead")
        _check_lead(ctx, project.agency_id, sent["lead_id"])
    before = snapshot(project, tuple(sent))
    for field, value in sent.items():
        setattr(project, field, value)
    ctx.session.flush()
    after = snapshot(project, tuple(sent))
    changed = [f for f in sent if before[f] != after[f]]
    if changed:  # a PATCH that changes nothing leaves no audit row
        record_audit(
            ctx,
            "project.updated",
            "project",
            project.id,
            before={f: before[f] for f in changed},
            after={f: after[f] for f in changed},
        )
    return describe_projects(ctx, [project])[0]


def add_building(ctx: Ctx, project_id: uuid.UUID, data: BuildingCreate) -> BuildingRead:
    """Add a building to a project (R-PRJ-1: it shares the project's facility set).

    Args:
        ctx: Acting person: an agency admin of the project's agency, or a manager of the project.
        project_id: ``Project.id``.
        data: Name, areas (m²), floors, height (m), remark (≤ 100 chars), water storage or none.

    Returns:
        The building as :class:`BuildingRead`.

    Raises:
        NotFound: not visible (404). Forbidden: not a manager (403).
        RuleViolation: ``R-LIFE`` the project is not active (409).
    """
    actor = acting_person(ctx)
    project = get_project(ctx, actor, project_id, for_update=True)
    _require_project_manager(actor, project, action="登记建筑 / add buildings")
    _require_active(project)
    storage = data.water_storage
    building = Building(
        id=uuid.uuid4(),
        project_id=project.id,
        **data.model_dump(exclude={"water_storage"}),
        water_storage_type=storage.type if storage else None,
        water_storage_location=storage.location if storage else None,
        water_storage_capacity_m3=storage.capacity_m3 if storage else None,
    )
    ctx.session.add(building)
    ctx.session.flush()
    record_audit(ctx, "building.created", "building", building.id, after=snapshot(building, BUILDING_FIELDS))
    return _building_read(building)


def select_facilities(ctx: Ctx, project_id: uuid.UUID, data: FacilitySelection) -> ProjectRead:
    """Replace the project's selection of catalog facilities (R-CAT-1: only what is really installed).

    Args:
        ctx: Acting person: an agency admin of the project's agency, or a manager of the project.
        project_id: ``Project.id``.
        data: ``facility_ids``: ``CatalogFacility.id`` values; duplicates are ignored.

    Returns:
        The project as :class:`ProjectRead` with the new ``facility_ids``.

    Raises:
        NotFound: not visible (404). Forbidden: not a manager (403).
        InvalidInput: an id that is no catalog facility (422, field ``facility_ids``, R-CAT-1).
        RuleViolation: ``R-LIFE`` the project is not active (409).
    """
    actor = acting_person(ctx)
    project = get_project(ctx, actor, project_id, for_update=True)
    _require_project_manager(actor, project, action="选择消防设施 / select facilities")
    _require_active(project)
    wanted = list(dict.fromkeys(data.facility_ids))
    known = set(ctx.session.scalars(select(CatalogFacility.id).where(CatalogFacility.id.in_(wanted))))
    unknown = [str(i) for i in wanted if i not in known]
    if unknown:
        raise InvalidInput(
            "facility_ids", f"R-CAT-1: 目录中没有这些设施 / not catalog facilities: {', '.join(unknown)}"
        )
    current = set(
        ctx.session.scalars(
            select(ProjectFacility.facility_id).where(ProjectFacility.project_id == project.id)
        )
    )
    removed, added = current - set(wanted), [i for i in wanted if i not in current]
    if removed:
        ctx.session.execute(
            delete(ProjectFacility).where(
                ProjectFacility.project_id == project.id, ProjectFacility.facility_id.in_(removed)
            )
        )
    ctx.session.add_all(ProjectFacility(project_id=project.id, facility_id=i) for i in added)
    ctx.session.flush()
    record_audit(
        ctx,
        "project.facilities_selected",
        "project",
        project.id,
        before={"facility_ids": sorted(str(i) for i in current)},
        after={"facility_ids": sorted(str(i) for i in wanted)},
    )
    return describe_projects(ctx, [project])[0]
