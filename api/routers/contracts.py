"""Contracts: ``/api/v1/contracts``; the dates never change (R-CON-1)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from api.deps import CtxDep, PersonDep
from workflows.contracts import service
from workflows.contracts.schemas import ContractCreate, ContractRead, ContractUpdate

router = APIRouter(prefix="/api/v1", tags=["contracts"])


@router.post("/contracts", response_model=ContractRead, status_code=201)
def create_contract(ctx: CtxDep, _me: PersonDep, body: ContractCreate) -> ContractRead:
    """Record a contract with an owner of the caller's agency (agency admin)."""
    return service.create_contract(ctx, body)


@router.get("/contracts", response_model=list[ContractRead])
def list_contracts(ctx: CtxDep, _me: PersonDep) -> list[ContractRead]:
    """The contracts the caller may see."""
    return service.list_contracts(ctx)


@router.patch("/contracts/{contract_id}", response_model=ContractRead)
def update_contract(
    ctx: CtxDep, _me: PersonDep, contract_id: uuid.UUID, body: ContractUpdate
) -> ContractRead:
    """Change ``name``/``price_cny``; a date change is refused with 409 ``R-CON-1``."""
    return service.update_contract(ctx, contract_id, body)
