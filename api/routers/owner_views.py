"""Owner contacts' recorded views of reports and faults (R-ROLE-5), for the agency."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from api.deps import CtxDep, PersonDep
from workflows.owners.views import OwnerViewRead, list_owner_views

router = APIRouter(prefix="/api/v1", tags=["owners"])


@router.get("/projects/{project_id}/owner-views", response_model=list[OwnerViewRead])
def owner_views(ctx: CtxDep, _me: PersonDep, project_id: uuid.UUID) -> list[OwnerViewRead]:
    """Who of the owner's contacts saw which report or fault, and when (newest first)."""
    return list_owner_views(ctx, project_id)
