"""Owners and their contacts: ``/api/v1/owners``, ``/api/v1/owners/{id}/contacts``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from api.deps import CtxDep, PersonDep
from workflows.owners import service
from workflows.owners.schemas import ContactCreate, ContactRead, OwnerCreate, OwnerRead

router = APIRouter(prefix="/api/v1", tags=["owners"])


@router.post("/owners", response_model=OwnerRead, status_code=201)
def create_owner(ctx: CtxDep, _me: PersonDep, body: OwnerCreate) -> OwnerRead:
    """Register an owner of the caller's agency (agency admin); ``uscc`` may be ``"NULL"``."""
    return service.create_owner(ctx, body)


@router.get("/owners", response_model=list[OwnerRead])
def list_owners(ctx: CtxDep, _me: PersonDep) -> list[OwnerRead]:
    """The owners the caller may see, with their contacts."""
    return service.list_owners(ctx)


@router.post("/owners/{owner_id}/contacts", response_model=ContactRead, status_code=201)
def add_contact(ctx: CtxDep, _me: PersonDep, owner_id: uuid.UUID, body: ContactCreate) -> ContactRead:
    """Add an owner contact; enabled at once only when a password is given."""
    return service.add_contact(ctx, owner_id, body)
