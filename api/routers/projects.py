"""Projects, buildings and facility selection: ``/api/v1/projects``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from api.deps import CtxDep, PersonDep
from workflows.projects import service
from workflows.projects.schemas import (
    BuildingCreate,
    BuildingRead,
    FacilitySelection,
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["projects"])


@router.post("/projects", response_model=ProjectRead, status_code=201)
def create_project(ctx: CtxDep, _me: PersonDep, body: ProjectCreate) -> ProjectRead:
    """Create a project under a contract (agency admin); ``first_plan_month`` per R-PRJ-2."""
    return service.create_project(ctx, body)


@router.get("/projects", response_model=list[ProjectRead])
def list_projects(ctx: CtxDep, _me: PersonDep) -> list[ProjectRead]:
    """The projects the caller may see (R-ROLE-3)."""
    return service.list_projects(ctx)


@router.get("/projects/{project_id}", response_model=ProjectRead)
def read_project(ctx: CtxDep, _me: PersonDep, project_id: uuid.UUID) -> ProjectRead:
    """One project with buildings and selected facilities; 404 outside the caller's scope."""
    return service.read_project(ctx, project_id)


@router.patch("/projects/{project_id}", response_model=ProjectRead)
def update_project(ctx: CtxDep, _me: PersonDep, project_id: uuid.UUID, body: ProjectUpdate) -> ProjectRead:
    """Change descriptive fields, lead or geofence; changing ``first_plan_month`` gives 409 R-PRJ-2."""
    return service.update_project(ctx, project_id, body)


@router.post("/projects/{project_id}/buildings", response_model=BuildingRead, status_code=201)
def add_building(ctx: CtxDep, _me: PersonDep, project_id: uuid.UUID, body: BuildingCreate) -> BuildingRead:
    """Add a building (R-PRJ-1)."""
    return service.add_building(ctx, project_id, body)


@router.put("/projects/{project_id}/facilities", response_model=ProjectRead)
def select_facilities(
    ctx: CtxDep, _me: PersonDep, project_id: uuid.UUID, body: FacilitySelection
) -> ProjectRead:
    """Replace the selected catalog facilities `{facility_ids}` (R-CAT-1)."""
    return service.select_facilities(ctx, project_id, body)
