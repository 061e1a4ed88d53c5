"""``GET /api/v1/me/notifications``: the caller's notifications (what a web console shows)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CtxDep, PersonDep
from workflows.notifications.service import NotificationRead, list_notifications, mark_read

router = APIRouter(prefix="/api/v1/me", tags=["notifications"])


@router.get("/notifications", response_model=list[NotificationRead])
def my_notifications(
    ctx: CtxDep,
    me: PersonDep,
    unread: Annotated[bool, Query(description="only notifications not yet marked read")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[NotificationRead]:
    """The caller's notifications, newest first."""
    return list_notifications(ctx, me, unread=unread, limit=limit)


@router.post("/notifications/{notification_id}/read", response_model=NotificationRead)
def read_notification(ctx: CtxDep, me: PersonDep, notification_id: uuid.UUID) -> NotificationRead:
    """Mark one of the caller's notifications read (idempotent)."""
    return mark_read(ctx, me, notification_id)
