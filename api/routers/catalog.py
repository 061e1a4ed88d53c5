"""The catalog tree: ``GET /api/v1/catalog``."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CtxDep, PersonDep
from workflows.catalog.schemas import SystemNode
from workflows.catalog.service import catalog_tree

router = APIRouter(prefix="/api/v1", tags=["catalog"])


@router.get("/catalog", response_model=list[SystemNode])
def read_catalog(ctx: CtxDep, _me: PersonDep) -> list[SystemNode]:
    """System → category → facility → test items (any logged-in person)."""
    return catalog_tree(ctx.session)
