"""Agencies and their staff: ``/api/v1/agencies``, ``/api/v1/agencies/{id}/staff``, ``/api/v1/staff/{id}``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from api.deps import CtxDep, PersonDep
from workflows.agencies import service
from workflows.agencies.schemas import AgencyCreate, AgencyRead
from workflows.people import staff
from workflows.people.staff_schemas import StaffCreate, StaffRead, StaffUpdate

router = APIRouter(prefix="/api/v1", tags=["agencies"])


@router.post("/agencies", response_model=AgencyRead, status_code=201)
def create_agency(ctx: CtxDep, _me: PersonDep, body: AgencyCreate) -> AgencyRead:
    """Register an agency (platform admin; USCC checked per GB 32100)."""
    return service.create_agency(ctx, body)


@router.get("/agencies", response_model=list[AgencyRead])
def list_agencies(ctx: CtxDep, _me: PersonDep) -> list[AgencyRead]:
    """All agencies for the platform admin; otherwise the caller's own."""
    return service.list_agencies(ctx)


@router.post("/agencies/{agency_id}/staff", response_model=StaffRead, status_code=201)
def create_staff(ctx: CtxDep, _me: PersonDep, agency_id: uuid.UUID, body: StaffCreate) -> StaffRead:
    """Create a staff account; it starts disabled (R-ROLE-1); certificates fit the roles (R-ROLE-2/4)."""
    return staff.create_staff(ctx, agency_id, body)


@router.get("/agencies/{agency_id}/staff", response_model=list[StaffRead])
def list_staff(ctx: CtxDep, _me: PersonDep, agency_id: uuid.UUID) -> list[StaffRead]:
    """The agency's staff (agency-wide roles and the platform admin)."""
    return staff.list_staff(ctx, agency_id)


@router.patch("/staff/{person_id}", response_model=StaffRead)
def update_staff(ctx: CtxDep, _me: PersonDep, person_id: uuid.UUID, body: StaffUpdate) -> StaffRead:
    """Enable/disable, set the password, change roles or certificates (R-ROLE-1/2/4)."""
    return staff.update_staff(ctx, person_id, body)
