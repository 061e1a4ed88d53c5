"""Project lead / technical lead: dispose faults the five ways of R-FAULT.

Buttons: ``fault:open:<fault>``, ``fault:dk:<fault>:<kind>.<version>``, ``fault:ld:<fault>:<leader
index>``; menu ``faults``. Dialog: ``dispose`` (explanation / repair plan text, then the leader).

What a card offers comes from the domain (:mod:`workflows.chat.actions`): the five dispositions only
for someone who may dispose the fault now, the owner's card (history, no staff list) for an owner
contact. A fault card carries the fault's history ``version``: a press on an older card (a double
tap, a second lead) is refused with who decided and when, and changes nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

from telegram.ext import BaseHandler

from bots.core import dialogs
from bots.core.callbacks import Callback, encode
from bots.core.cards import Button, Card
from bots.core.dialogs import Dialog
from bots.core.i18n import DISPOSITION_ICONS, disposition_label, status_label
from bots.core.menus import work_items
from bots.core.owner_cards import fault_card
from bots.core.services import ChatRefusal, ChatServices
from bots.telegram.views import CHANNEL, Turn, callback_handler, edit_decided, fmt_time
from workflows.chat.actions import FaultView, disposal_leaders, fault_view, prepare_disposal
from workflows.context import Ctx
from workflows.faults.service import dispose_fault, read_fault
from workflows.people.models import Person

KINDS = {
    "inv": "investigate",
    "oar": "owner_approved_repair",
    "orr": "owner_refused_repair",
    "oos": "out_of_scope",
    "neg": "negotiating",
}
"""Short codes of the dispositions in callback data (``fault:dk:<fault>:<code>.<version>``)."""
SHORT = {v: k for k, v in KINDS.items()}


def _me(ctx: Ctx) -> Person:
    if ctx.actor is None:
        raise RuntimeError("no actor")
    return ctx.actor


async def on_fault_list(turn: Turn, _cb: Callback) -> None:
    """Menu "faults to dispose"."""

    def load(ctx: Ctx) -> list[tuple[uuid.UUID, str, str]]:
        out = []
        for w in work_items(ctx, _me(ctx), "dispose_fault", "track_fault"):
            f = read_fault(ctx, w.subject_id)
            out.append((f.id, f.code, f.measured_record))
        return out

    faults = await turn.call(load)
    if not faults:
        await turn.say("list.none")
        return
    rows = [[Button(f"⚠️ {code} {record[:24]}", encode("fault", "open", fid))] for fid, code, record in faults]
    await turn.send(Card(turn.t("fault.list"), rows))


def _fault_text(turn: Turn, view: FaultView) -> str:
    f = view.fault
    text = turn.t(
        "fault.card",
        code=f.code,
        system=f.system,
        facility=f.facility,
        item=f.item,
        record=f.measured_record,
        status=status_label(f.status, turn.user.lang),
    )
    for h in f.history:
        text += f"\n· {fmt_time(turn, h.at)} {h.step} {h.person_name or ''} {h.note or ''}".rstrip()
    return text


async def on_fault_open(turn: Turn, cb: Callback) -> None:
    """The fault card for the viewer: the five dispositions for someone who may dispose it now, the
    owner's card (handling history) for an owner contact, the read-only card for anyone else."""
    view = await turn.call(lambda ctx: fault_view(ctx, cb.id))
    if view.owner_view:
        await turn.send(fault_card(view.fault, turn.user.lang, lambda at: fmt_time(turn, at)))
        return
    text = _fault_text(turn, view)
    rows: list[list[Button]] = []
    if view.can_dispose:
        text += "\n\n" + turn.t("fault.pick_kind")
        rows = [
            [
                Button(
                    disposition_label(kind, turn.user.lang, icon=True),
                    encode("fault", "dk", view.fault.id, f"{SHORT[kind]}.{view.version}"),
                )
            ]
            for kind in view.kinds
        ]
    await turn.send(Card(text, rows))


def _kind_arg(arg: str | None) -> tuple[str, int] | None:
    """``inv.3`` → ``("investigate", 3)``; ``None`` for anything else."""
    short, _, version = (arg or "").partition(".")
    kind = KINDS.get(short)
    return (kind, int(version)) if kind and version.isdigit() else None


async def on_fault_kind(turn: Turn, cb: Callback) -> None:
    """A disposition kind was picked: check the card is current and the viewer may dispose, then
    dispose (negotiating) or ask for the text / the leader."""
    picked = _kind_arg(cb.arg)
    if picked is None:
        await turn.say("callback.invalid")
        return
    kind, version = picked
    query = turn.update.callback_query
    message_id = query.message.message_id if query and query.message else None
    data: dict[str, Any] = {
        "fault_id": str(cb.id),
        "kind": kind,
        "version": version,
        "message_id": message_id,
    }
    try:
        if kind == "negotiating":
            await _dispose(turn, data)
            return
        if kind == "investigate":
            await _ask_leader(turn, data)
            return

        def start(ctx: Ctx) -> None:
            prepare_disposal(ctx, cb.id, version)
            dialogs.start(ctx, CHANNEL, "dispose", "text", data)

        await turn.call(start)
    except ChatRefusal as refusal:
        await _disposal_refused(turn, refusal, message_id)
        return
    if kind == "owner_approved_repair":
        await turn.say("fault.ask_repair_plan")
    else:
        await turn.say("fault.ask_explanation", kind=disposition_label(kind, turn.user.lang, icon=True))


async def _disposal_refused(turn: Turn, refusal: ChatRefusal, message_id: int | None) -> None:
    """A stale card is closed with who decided (the press changed nothing); other refusals are shown."""
    if refusal.code != "stale_decision" or refusal.error is None:
        await turn.send(Card(refusal.text))
        return
    params = dict(getattr(refusal.error, "params", {}))
    what = str(params.get("what", ""))
    if what in DISPOSITION_ICONS:
        params["what"] = disposition_label(what, turn.user.lang, icon=True)
    text = turn.t("error.stale_decision", **params)
    if message_id is not None:
        await edit_decided(turn.context.bot, turn.chat_id, message_id, text)
    else:
        await turn.send(Card(text))


async def _ask_leader(turn: Turn, data: dict[str, Any]) -> None:
    fault_id = uuid.UUID(data["fault_id"])

    def start(ctx: Ctx) -> list[tuple[uuid.UUID, str]]:
        people = disposal_leaders(ctx, fault_id, int(data["version"]))
        dialogs.start(ctx, CHANNEL, "dispose", "leader", {**data, "leaders": [str(p[0]) for p in people]})
        return people

    people = await turn.call(start)
    if not people:
        await turn.say("fault.no_leader")
        return
    rows = [[Button(name, encode("fault", "ld", fault_id, i))] for i, (_, name) in enumerate(people)]
    await turn.send(
        Card(
            turn.t("fault.pick_leader", kind=disposition_label(data["kind"], turn.user.lang, icon=True)), rows
        )
    )


async def on_dispose_text(turn: Turn, dialog: Dialog) -> None:
    """Explanation or repair plan typed in the ``dispose`` dialog."""
    message = turn.update.effective_message
    text = (message.text or "").strip() if message else ""
    if dialog.step != "text" or not text:
        await turn.say("dialog.expect_text")
        return
    try:
        if dialog.data["kind"] == "owner_approved_repair":
            await _ask_leader(turn, {**dialog.data, "repair_plan": text})
            return
        await _dispose(turn, {**dialog.data, "explanation": text})
    except ChatRefusal as refusal:
        if refusal.code == "stale_decision":
            await turn.call(lambda ctx: dialogs.finish(ctx, CHANNEL))
        await _disposal_refused(turn, refusal, dialog.data.get("message_id"))


async def on_fault_leader(turn: Turn, cb: Callback) -> None:
    """A leader was picked (index into the dialog's candidate list)."""
    dialog = await turn.call(lambda ctx: dialogs.get(ctx, CHANNEL))
    if (
        dialog is None
        or dialog.name != "dispose"
        or dialog.data.get("fault_id") != str(cb.id)
        or not (cb.arg or "").isdigit()
        or int(cb.arg or 0) >= len(dialog.data.get("leaders", []))
    ):
        await turn.say("callback.invalid")
        return
    try:
        await _dispose(turn, {**dialog.data, "leader_id": dialog.data["leaders"][int(cb.arg or 0)]})
    except ChatRefusal as refusal:
        if refusal.code == "stale_decision":
            await turn.call(lambda ctx: dialogs.finish(ctx, CHANNEL))
        await _disposal_refused(turn, refusal, dialog.data.get("message_id"))


async def _dispose(turn: Turn, data: dict[str, Any]) -> None:
    """Dispose in one transaction: the card must still be current (``version``), then the service.

    Raises:
        ChatRefusal: refused (stale card, not allowed, missing text …); nothing was changed.
    """
    fault_id = uuid.UUID(data["fault_id"])
    leader = uuid.UUID(data["leader_id"]) if data.get("leader_id") else None

    def dispose(ctx: Ctx) -> tuple[str, Any]:
        prepare_disposal(ctx, fault_id, int(data["version"]))
        fault = dispose_fault(
            ctx,
            fault_id,
            kind=data["kind"],
            explanation=data.get("explanation"),
            leader_id=leader,
            repair_plan=data.get("repair_plan"),
        )
        dialogs.finish(ctx, CHANNEL)
        return fault.code, ctx.clock.now()

    code, at = await turn.call(dispose)
    done = turn.t(
        "fault.disposed",
        code=code,
        kind=disposition_label(data["kind"], turn.user.lang, icon=True),
        who=turn.user.name,
        at=fmt_time(turn, at),
    )
    if data.get("message_id"):
        await edit_decided(turn.context.bot, turn.chat_id, int(data["message_id"]), done)
    await turn.send(Card(done))


DIALOG_INPUTS = {"dispose": on_dispose_text}


def build_handlers(services: ChatServices) -> list[BaseHandler[Any, Any, Any]]:
    """The fault list, the fault card and the disposition buttons."""
    return [
        callback_handler("menu", on_fault_list, verbs="faults"),
        callback_handler("fault", on_fault_open, verbs="open"),
        callback_handler("fault", on_fault_kind, verbs="dk"),
        callback_handler("fault", on_fault_leader, verbs="ld"),
    ]
