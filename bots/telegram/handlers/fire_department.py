"""Fire department (消防监督员): pending suspension requests (R-LIFE) and jurisdiction statistics (R-SUP).

Buttons: ``susp:open|ap|rj:<suspension>``; menus ``susp``, ``stats``. Dialog ``susp_reject``.
"""

from __future__ import annotations

import uuid
from typing import Any

from telegram.ext import BaseHandler

from bots.core import dialogs
from bots.core.callbacks import Callback, encode
from bots.core.cards import Button, Card
from bots.core.dialogs import Dialog
from bots.core.i18n import status_label
from bots.core.menus import MenuEntry, register_menu_entry
from bots.core.services import ChatRefusal, ChatServices
from bots.telegram.views import CHANNEL, Turn, callback_handler, edit_decided, fmt_time
from workflows.chat.actions import can_decide_suspension, suspension_decision
from workflows.chat.lookups import pending_suspensions
from workflows.context import Ctx
from workflows.lifecycle.schemas import SuspensionRead
from workflows.lifecycle.service import decide_suspension, read_suspension
from workflows.supervision.service import supervision_stats

register_menu_entry(
    MenuEntry(
        "susp",
        "menu.suspensions",
        frozenset({"fire_supervisor"}),
        count=lambda ctx, _person, _items: len(pending_suspensions(ctx)),
        order=80,
    )
)


async def on_suspension_list(turn: Turn, _cb: Callback) -> None:
    """Menu "suspension requests": pending requests of the jurisdiction."""

    def load(ctx: Ctx) -> list[SuspensionRead]:
        return [read_suspension(ctx, i) for i in pending_suspensions(ctx)]

    items = await turn.call(load)
    if not items:
        await turn.say("list.none")
        return
    rows = [[Button(f"{s.code} {s.project_name} {s.month}", encode("susp", "open", s.id))] for s in items]
    await turn.send(Card(turn.t("susp.list"), rows))


async def on_suspension_open(turn: Turn, cb: Callback) -> None:
    """The request card with ✅ / ❌ while the viewer may decide it (the domain says so)."""
    s, can_decide = await turn.call(
        lambda ctx: (read_suspension(ctx, cb.id), can_decide_suspension(ctx, cb.id))
    )
    text = turn.t("susp.card", project=s.project_name, reason=s.reason, period=s.month)
    rows: list[list[Button]] = []
    if can_decide:
        rows = [
            [
                Button(turn.t("btn.approve"), encode("susp", "ap", s.id)),
                Button(turn.t("btn.reject"), encode("susp", "rj", s.id)),
            ]
        ]
    else:
        text += f"\n{status_label(s.state, turn.user.lang)} {s.opinion or ''}".rstrip()
    await turn.send(Card(text, rows))


async def on_suspension_approve(turn: Turn, cb: Callback) -> None:
    """✅: approve; a request decided meanwhile closes the card."""

    def approve(ctx: Ctx) -> Any:
        decide_suspension(ctx, cb.id, approve=True, opinion="")
        return ctx.clock.now()

    try:
        at = await turn.call(approve)
    except ChatRefusal as refusal:
        if refusal.code != "conflict":
            raise
        await turn.close_card(await _decided_text(turn, cb.id, refusal.text))
        return
    await turn.close_card(turn.t("susp.approved", who=turn.user.name, at=fmt_time(turn, at)))


async def _decided_text(turn: Turn, suspension_id: uuid.UUID, fallback: str) -> str:
    """The "already decided by X at HH:MM (approved)" text for a press on a decided request's card."""
    decision = await turn.call(lambda ctx: suspension_decision(ctx, suspension_id))
    if decision is None:
        return fallback
    return turn.t(
        "susp.already",
        who=decision.by,
        at=fmt_time(turn, decision.at),
        state=status_label(decision.what, turn.user.lang),
    )


async def on_suspension_reject(turn: Turn, cb: Callback) -> None:
    """❌: ask for the reason (dialog ``susp_reject``)."""
    query = turn.update.callback_query
    message_id = query.message.message_id if query and query.message else None
    await turn.call(
        lambda ctx: (
            read_suspension(ctx, cb.id),
            dialogs.start(
                ctx,
                CHANNEL,
                "susp_reject",
                "opinion",
                {"suspension_id": str(cb.id), "message_id": message_id},
            ),
        )
    )
    await turn.say("susp.ask_reject")


async def on_reject_reason(turn: Turn, dialog: Dialog) -> None:
    """The reason typed for refusing: decide, close the dialog and the card."""
    message = turn.update.effective_message
    text = (message.text or "").strip() if message else ""
    if not text:
        await turn.say("dialog.expect_text")
        return
    suspension_id = uuid.UUID(dialog.data["suspension_id"])

    def reject(ctx: Ctx) -> Any:
        decide_suspension(ctx, suspension_id, approve=False, opinion=text)
        dialogs.finish(ctx, CHANNEL)
        return ctx.clock.now()

    try:
        at = await turn.call(reject)
    except ChatRefusal:
        await turn.call(lambda ctx: dialogs.finish(ctx, CHANNEL))
        raise
    done = turn.t("susp.rejected", who=turn.user.name, at=fmt_time(turn, at), opinion=text)
    if dialog.data.get("message_id"):
        await edit_decided(turn.context.bot, turn.chat_id, int(dialog.data["message_id"]), done)
    await turn.send(Card(done))


async def on_stats(turn: Turn, _cb: Callback) -> None:
    """Menu "jurisdiction statistics": this month's numbers per agency."""
    stats = await turn.call(lambda ctx: supervision_stats(ctx, jurisdiction=None, month=None))
    lines = [
        turn.t("stats.card", jurisdiction=stats.jurisdiction or "—", month=stats.month, as_of=stats.as_of)
    ]
    for a in stats.agencies:
        faults = a.open_faults_le_30d + a.open_faults_31_90d + a.open_faults_over_90d
        lines.append(
            turn.t(
                "stats.agency",
                name=a.agency_name,
                projects=a.projects,
                due=a.due,
                on_time=a.on_time,
                filed_late=a.filed_late,
                unfiled=a.unfiled,
                overdue=a.overdue,
                in_progress=a.in_progress,
                faults=faults,
            )
        )
    await turn.send(Card("\n".join(lines)))


DIALOG_INPUTS = {"susp_reject": on_reject_reason}


def build_handlers(services: ChatServices) -> list[BaseHandler[Any, Any, Any]]:
    """Suspension decisions and statistics."""
    return [
        callback_handler("menu", on_suspension_list, verbs="susp"),
        callback_handler("menu", on_stats, verbs="stats"),
        callback_handler("susp", on_suspension_open, verbs="open"),
        callback_handler("susp", on_suspension_approve, verbs="ap"),
        callback_handler("susp", on_suspension_reject, verbs="rj"),
    ]
