"""Multi-step chat dialogs stored in the database (table ``chat_dialog``), one per person and channel.

A dialog has a ``name`` (which feature owns it, e.g. ``review_reject``), a ``step`` and JSON
``data`` (ids as strings, texts typed so far). Because it lives in the database, a draft survives a
restart and works with several processes behind one webhook. Every function works on the acting
person of ``ctx`` (``ctx.actor``) in the caller's transaction and never commits. Starting a dialog
replaces any other open dialog of the person in that channel.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select

from workflows.chat.models import ChatDialog
from workflows.context import Ctx


@dataclass(frozen=True)
class Dialog:
    """A snapshot of an open dialog: ``name``, ``step`` and a copy of its JSON ``data``."""

    name: str
    step: str
    data: dict[str, Any]


def _actor_id(ctx: Ctx) -> uuid.UUID:
    if ctx.actor is None:
        raise RuntimeError("dialogs need an acting person")
    return ctx.actor.id


# Built once (every dialog step reads the row; ``Session.get`` builds a new statement for each miss).
_DIALOG = select(ChatDialog).where(
    ChatDialog.person_id == bindparam("person_id"), ChatDialog.channel == bindparam("channel")
)


def _row(ctx: Ctx, channel: str) -> ChatDialog | None:
    return ctx.session.scalars(_DIALOG, {"person_id": _actor_id(ctx), "channel": channel}).first()


def start(ctx: Ctx, channel: str, name: str, step: str, data: dict[str, Any] | None = None) -> Dialog:
    """Open dialog ``name`` at ``step`` with ``data`` (JSON-serialisable), replacing any open dialog.

    Raises:
        RuntimeError: no acting person (programming error).
    """
    row = _row(ctx, channel)
    payload = dict(data or {})
    now = ctx.clock.now()
    if row is None:
        row = ChatDialog(
            person_id=_actor_id(ctx), channel=channel, name=name, step=step, data=payload, updated_at=now
        )
        ctx.session.add(row)
    else:
        row.name, row.step, row.data, row.updated_at = name, step, payload, now
    ctx.session.flush()
    return Dialog(name, step, payload)


def get(ctx: Ctx, channel: str) -> Dialog | None:
    """The person's open dialog in ``channel``, if any."""
    row = _row(ctx, channel)
    return None if row is None else Dialog(row.name, row.step, dict(row.data))


def advance(ctx: Ctx, channel: str, step: str, **data: Any) -> Dialog:
    """Move the open dialog to ``step`` and merge ``data`` into its data.

    Raises:
        LookupError: no dialog is open (programming error: check with :func:`get` first).
    """
    row = _row(ctx, channel)
    if row is None:
        raise LookupError("no open dialog")
    row.step, row.data, row.updated_at = step, {**row.data, **data}, ctx.clock.now()
    ctx.session.flush()
    return Dialog(row.name, row.step, dict(row.data))


def finish(ctx: Ctx, channel: str) -> Dialog | None:
    """Close the open dialog; returns what it was (``None`` when none was open)."""
    row = _row(ctx, channel)
    if row is None:
        return None
    snapshot = Dialog(row.name, row.step, dict(row.data))
    ctx.session.delete(row)
    ctx.session.flush()
    return snapshot
