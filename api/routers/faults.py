"""Faults: list, read, dispose."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from api.deps import CtxDep, PersonDep
from workflows.faults import service
from workflows.faults.schemas import DispositionWrite, FaultRead

router = APIRouter(prefix="/api/v1", tags=["faults"])


@router.get("/faults", response_model=list[FaultRead])
def list_faults(ctx: CtxDep, _me: PersonDep, project_id: uuid.UUID | None = None) -> list[FaultRead]:
    """Faults of a project (or of every visible project) with their handling history."""
    return service.list_faults(ctx, project_id)


@router.get("/faults/{fault_id}", response_model=FaultRead)
def read_fault(ctx: CtxDep, _me: PersonDep, fault_id: uuid.UUID) -> FaultRead:
    """One fault with its history."""
    return service.read_fault(ctx, fault_id)


@router.post("/faults/{fault_id}/disposition", response_model=FaultRead)
def dispose(ctx: CtxDep, _me: PersonDep, fault_id: uuid.UUID, body: DispositionWrite) -> FaultRead:
    """Dispose a fault one of five ways (R-FAULT)."""
    service.dispose_fault(
        ctx,
        fault_id,
        kind=body.kind,
        explanation=body.explanation,
        leader_id=body.leader_id,
        repair_plan=body.repair_plan,
    )
    return service.read_fault(ctx, fault_id)
