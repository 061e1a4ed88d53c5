"""R-CON-1: a contract's signed and end dates never change after save — refused at the ORM level.

Two doors are guarded: a flush of a changed ``Contract`` object (``before_update``) and an ORM bulk
``update(Contract)`` that sets a date (``do_orm_execute``). Raw SQL needs a database trigger.

Installed on import; ``workflows.contracts.service`` imports this module so every code path that
uses contracts has the guard.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Mapper, ORMExecuteState, Session
from sqlalchemy.orm.attributes import get_history

from engine.errors import RuleViolation
from workflows.contracts.models import Contract

FROZEN_FIELDS = ("signed_on", "ends_on")


def changed_frozen_fields(target: Contract) -> list[str]:
    """The frozen fields (``signed_on``, ``ends_on``) whose value differs from the stored one."""
    changed = []
    for field in FROZEN_FIELDS:
        history = get_history(target, field)
        if history.deleted and list(history.deleted) != list(history.added):
            changed.append(field)
    return changed


@event.listens_for(Contract, "before_update")
def _refuse_date_change(_mapper: Mapper[Any], _conn: Any, target: Contract) -> None:
    changed = changed_frozen_fields(target)
    if changed:
        raise RuleViolation(
            "R-CON-1",
            f"合同签订日期和截止日期保存后不能修改 / contract dates cannot change ({', '.join(changed)})",
        )


def _bulk_keys(state: ORMExecuteState) -> set[str]:
    """Column keys an ORM ``UPDATE`` statement sets, from its ``values()`` and its parameter rows."""
    keys = {str(getattr(col, "key", col)) for col in (getattr(state.statement, "_values", None) or {})}
    params = state.parameters
    rows = params if isinstance(params, list) else [params] if params else []
    for row in rows:
        keys.update(str(k) for k in row)
    return keys


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_date_change(state: ORMExecuteState) -> None:
    if not state.is_update or state.bind_mapper is not Contract.__mapper__:
        return
    changed = sorted(_bulk_keys(state) & set(FROZEN_FIELDS))
    if changed:
        raise RuleViolation(
            "R-CON-1",
            f"合同签订日期和截止日期保存后不能修改 / contract dates cannot change ({', '.join(changed)})",
        )
