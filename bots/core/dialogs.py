"""Multi-step dialogs stored in the database (table ``chat_dialog``), one open dialog per person and channel.

A dialog has a ``name`` (which feature owns it, e.g. ``review_reject``), a ``step`` and JSON
``data`` (ids as strings, texts typed so far). Because it lives in the database, a draft survives a
restart and works with several processes behind one webhook. Call these inside
:meth:`bots.core.services.ChatServices.call` (they use ``ctx.actor`` and the session; the call commits).
Starting a dialog replaces any other open dialog of the person in that channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workflows.chat.models import ChatDialog
from workflows.context import Ctx


@dataclass(frozen=True)
class Dialog:
    """A snapshot of an open dialog."""

    name: str
    step: str
    data: dict[str, Any]


def _actor_id(ctx: Ctx) -> Any:
    if ctx.actor is None:
        raise RuntimeError("dialogs need an acting person")
    return ctx.actor.id


def start(ctx: Ctx, channel: str, name: str, step: str, data: dict[str, Any] | None = None) -> Dialog:
    """Open dialog ``name`` at ``step`` (replacing any open dialog)."""
    row = ctx.session.get(ChatDialog, (_actor_id(ctx), channel))
    payload = dict(data or {})
    if row is None:
        row = ChatDialog(
            person_id=_actor_id(ctx),
            channel=channel,
            name=name,
            step=step,
            data=payload,
            updated_at=ctx.clock.now(),
        )
        ctx.session.add(row)
    else:
        row.name, row.step, row.data, row.updated_at = name, step, payload, ctx.clock.now()
    ctx.session.flush()
    return Dialog(name, step, payload)


def get(ctx: Ctx, channel: str) -> Dialog | None:
    """The person's open dialog, if any."""
    row = ctx.session.get(ChatDialog, (_actor_id(ctx), channel))
    return None if row is None else Dialog(row.name, row.step, dict(row.data))


def advance(ctx: Ctx, channel: str, step: str, **data: Any) -> Dialog:
    """Move the open dialog to ``step`` and merge ``data`` into its data.

    Raises:
        LookupError: no dialog is open (programming error: check with :func:`get` first).
    """
    row = ctx.session.get(ChatDialog, (_actor_id(ctx), channel))
    if row is None:
        raise LookupError("no open dialog")
    row.step, row.data, row.updated_at = step, {**row.data, **data}, ctx.clock.now()
    ctx.session.flush()
    return Dialog(row.name, row.step, dict(row.data))


def finish(ctx: Ctx, channel: str) -> Dialog | None:
    """Close the open dialog; returns what it was."""
    row = ctx.session.get(ChatDialog, (_actor_id(ctx), channel))
    if row is None:
        return None
    snapshot = Dialog(row.name, row.step, dict(row.data))
    ctx.session.delete(row)
    ctx.session.flush()
    return snapshot
