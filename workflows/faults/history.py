"""Append steps to a fault's handling history in order."""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam, func, select

from workflows.context import Ctx
from workflows.faults.models import FaultEvent

_LAST_SEQ = select(func.coalesce(func.max(FaultEvent.seq), 0)).where(
    FaultEvent.fault_id == bindparam("fault_id")
)
"""The fault's last step number (built once: every step of every fault appends with it)."""


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
    seq = ctx.session.scalar(_LAST_SEQ, {"fault_id": fault_id})
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
