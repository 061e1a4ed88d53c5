"""Append steps to a fault's handling history in order."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from workflows.context import Ctx
from workflows.faults.models import FaultEvent


def add_event(
    ctx: Ctx,
    fault_id: uuid.UUID,
    step: str,
    *,
    person_id: uuid.UUID | None,
    disposition: str | None = None,
    note: str | None = None,
) -> FaultEvent:
    """Append one step (e.g. ``下达排查任务``) with the next sequence number."""
    seq = ctx.session.scalar(
        select(func.coalesce(func.max(FaultEvent.seq), 0)).where(FaultEvent.fault_id == fault_id)
    )
    event = FaultEvent(
        fault_id=fault_id,
        seq=int(seq or 0) + 1,
        at=ctx.clock.now(),
        person_id=person_id,
        disposition=disposition,
        step=step,
        note=note,
    )
    ctx.session.add(event)
    ctx.session.flush()
    return event
