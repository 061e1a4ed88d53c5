"""``GET /api/v1/inbox``: the caller's ready work items."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CtxDep, PersonDep
from workflows.inbox.service import WorkItemRead, inbox

router = APIRouter(prefix="/api/v1", tags=["inbox"])


@router.get("/inbox", response_model=list[WorkItemRead])
def my_inbox(ctx: CtxDep, me: PersonDep) -> list[WorkItemRead]:
    """What to do next, with links to read and act."""
    return inbox(ctx, me)
