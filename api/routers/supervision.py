"""The fire department: supervisors (platform admin) and supervision statistics (R-SUP)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CtxDep, PersonDep
from workflows.supervision.service import SupervisionStats, supervision_stats
from workflows.supervision.supervisors import (
    SupervisorCreate,
    SupervisorRead,
    create_supervisor,
    list_supervisors,
)

router = APIRouter(prefix="/api/v1", tags=["supervision"])


@router.post("/supervisors", response_model=SupervisorRead, status_code=201)
def create(ctx: CtxDep, _me: PersonDep, body: SupervisorCreate) -> SupervisorRead:
    """Create an enabled fire supervisor `{name, phone, password, jurisdiction}` (platform admin)."""
    return SupervisorRead.model_validate(create_supervisor(ctx, body))


@router.get("/supervisors", response_model=list[SupervisorRead])
def list_all(ctx: CtxDep, _me: PersonDep) -> list[SupervisorRead]:
    """Every fire supervisor (platform admin)."""
    return list_supervisors(ctx)


@router.get("/supervision/stats", response_model=SupervisionStats)
def stats(ctx: CtxDep, _me: PersonDep, jurisdiction: str = "", month: str = "") -> SupervisionStats:
    """Per-agency statistics `?jurisdiction=&month=2026-10` (supervisors: own jurisdiction; admin: any)."""
    return supervision_stats(ctx, jurisdiction=jurisdiction, month=month)
