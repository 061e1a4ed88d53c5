"""Write audit entries: one for every state change."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from workflows.audit.models import AuditEntry
from workflows.context import Ctx


def _jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: Any, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The named attributes of ``obj`` as a JSON-able dict (for ``before``/``after``)."""
    return {f: _jsonable(getattr(obj, f)) for f in fields}


def record_audit(
    ctx: Ctx,
    action: str,
    subject_type: str,
    subject_id: uuid.UUID,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit entry in the current transaction.

    Args:
        ctx: The action context; ``ctx.actor`` is recorded as who (``None`` = system).
        action: Dotted past-tense event name, e.g. ``"task.submitted"``.
        subject_type: Table name of the subject, e.g. ``"task"``.
        subject_id: The subject's id.
        before: Changed fields before the change (``None`` for a creation).
        after: Changed fields after the change (``None`` for a deletion).
    """
    entry = AuditEntry(
        at=ctx.clock.now(),
        actor_id=ctx.actor.id if ctx.actor is not None else None,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
    )
    ctx.session.add(entry)
    return entry
