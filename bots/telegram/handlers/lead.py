"""Project lead / technical lead: review submitted tasks and dispose faults (R-REV, R-FAULT).

Buttons: ``rev:open|ap|rj:<task>``, ``fault:open:<fault>``, ``fault:dk:<fault>:<kind>.<version>``,
``fault:ld:<fault>:<leader index>``; menu ``review``, ``faults``. Dialogs: ``review_reject``
(opinion text), ``dispose`` (explanation / repair plan text, then leader).

What a card offers comes from the domain (:mod:`workflows.chat.actions`): the review buttons only
for a reviewer while the task waits for review, the five dispositions only for someone who may
dispose the fault now, the owner's card (history, no staff list) for an owner contact. A fault card
carries the fault's history ``version``: a press on an older card (a double tap, a second reviewer)
is refused with who decided and when, and changes nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

from telegram.ext import BaseHandler

from bots.core import dialogs
from bots.core.callbacks import Callback, encode
from bots.core.cards import Button, Card
from bots.core.dialogs import Dialog
from bots.core.i18n import status_label, t
from bots.core.menus import work_items
from bots.core.owner_cards import fault_card
from bots.core.services import ChatRefusal, ChatServices
from bots.telegram.views import CHANNEL, Turn, callback_handler, edit_decided, fmt_time
from workflows.chat.actions import (
    FaultView,
    disposal_leaders,
    fault_view,
    prepare_disposal,
    require_reviewable,
)
from workflows.chat.actions import review_card as review_card_view
from workflows.chat.lookups import undisposed_task_faults
from workflows.context import Ctx
from workflows.faults.service import dispose_fault, read_fault
from workflows.people.models import Person
from workflows.reviews.service import review_task
from workflows.tasks.schemas import TaskRead
from workflows.tasks.service import read_task

KINDS = {
    "inv": "investigate",
    "oar": "owner_approved_repair",
    "orr": "owner_refused_repair",
    "oos": "out_of_scope",
    "neg": "negotiating",
}
SHORT = {v: k for k, v in KINDS.items()}
MAX_PASS_SHOWN = 5


def _me(ctx: Ctx) -> Person:
    if ctx.actor is None:
        raise RuntimeError("no actor")
    return ctx.actor


# --- review ---------------------------------------------------------------------------------------


async def on_review_list(turn: Turn, _cb: Callback) -> None:
    """Menu "tasks to review": one button per submitted task."""

    def load(ctx: Ctx) -> list[TaskRead]:
        return [read_task(ctx, w.subject_id) for w in work_items(ctx, _me(ctx), "review_task")]

    tasks = await turn.call(load)
    if not tasks:
        await turn.say("list.none")
        return
    rows = [
        [Button(f"{x.code} · {x.executor_name} · {len(x.fault_ids)}⚠️", encode("rev", "open", x.id))]
        for x in tasks
    ]
    await turn.send(Card(turn.t("review.list"), rows))


def review_card(task: TaskRead, lang: str, where: str, submitted: str, *, can_review: bool = True) -> Card:
    """The review card: failed and cannot-test items first with records, passes summarised; ✅ / ❌
    only when the viewer may review the task now."""
    lines = [
        t(
            "review.header",
            lang,
            code=task.code,
            round=task.round,
            executor=task.executor_name,
            submitted=submitted,
            where=where,
        ),
        "",
    ]
    passed = [r for r in task.results if r.outcome == "pass"]
    for r in task.results:
        if r.outcome == "pass":
            continue
        outcome = t(f"outcome.{r.outcome or 'none'}", lang)
        photos = f" 📷{r.photo_count}" if r.photo_count else ""
        lines.append(f"{outcome} {r.facility}·{r.item}{photos}\n    {r.measured_record or ''}".rstrip())
    for r in passed[:MAX_PASS_SHOWN]:
        lines.append(f"{t('outcome.pass', lang)} {r.facility}·{r.item}：{r.measured_record or ''}")
    if len(passed) > MAX_PASS_SHOWN:
        lines.append(t("review.passed_more", lang, n=len(passed) - MAX_PASS_SHOWN))
    lines.append(t("review.photos", lang, n=len(task.photos)))
    buttons = [
        [
            Button(t("btn.approve", lang), encode("rev", "ap", task.id)),
            Button(t("btn.reject", lang), encode("rev", "rj", task.id)),
        ]
    ]
    return Card("\n".join(lines)[:4000], buttons if can_review else [])


async def on_review_open(turn: Turn, cb: Callback) -> None:
    """Open a review card, after the photos of the failed items."""
    task, photos, can = await turn.call(lambda ctx: review_card_view(ctx, cb.id))
    if task.distance_m is None:
        where = turn.t("review.where_none")
    else:
        where = turn.t(
            "review.where_in" if task.within_geofence else "review.where_out", m=round(task.distance_m)
        )
    await turn.send_photos(photos)
    submitted = fmt_time(turn, task.submitted_at)
    await turn.send(review_card(task, turn.user.lang, where, submitted, can_review=can))


async def on_review_approve(turn: Turn, cb: Callback) -> None:
    """✅: approve; R-REV-1 lists the undisposed faults; a decided task closes the card."""

    def approve(ctx: Ctx) -> tuple[str, Any]:
        task = review_task(ctx, cb.id, verdict="approve", opinion="")
        return task.code, ctx.clock.now()

    try:
        code, at = await turn.call(approve)
    except ChatRefusal as refusal:
        await _review_refused(turn, cb.id, refusal)
        return
    await turn.close_card(turn.t("review.approved", code=code, who=turn.user.name, at=fmt_time(turn, at)))


async def _review_refused(turn: Turn, task_id: uuid.UUID, refusal: ChatRefusal) -> None:
    if refusal.code == "task_already_reviewed":
        await turn.close_card(refusal.text)
        return
    if refusal.code != "R-REV-1":
        raise refusal
    task_code, faults = await turn.call(lambda ctx: undisposed_task_faults(ctx, task_id))
    rows = [[Button(f"⚠️ {code} {record[:24]}", encode("fault", "open", fid))] for fid, code, record in faults]
    await turn.send(Card(turn.t("review.rev1", code=task_code), rows))


async def on_review_reject(turn: Turn, cb: Callback) -> None:
    """❌: ask for the opinion (dialog ``review_reject``)."""
    query = turn.update.callback_query
    message_id = query.message.message_id if query and query.message else None

    def start(ctx: Ctx) -> None:
        require_reviewable(ctx, cb.id)
        dialogs.start(
            ctx, CHANNEL, "review_reject", "opinion", {"task_id": str(cb.id), "message_id": message_id}
        )

    try:
        await turn.call(start)
    except ChatRefusal as refusal:
        if refusal.code != "task_already_reviewed":
            raise
        await turn.close_card(refusal.text)
        return
    await turn.say("review.ask_opinion")


async def on_reject_opinion(turn: Turn, dialog: Dialog) -> None:
    """The opinion typed for a rejection: reject, close the dialog, close the card."""
    message = turn.update.effective_message
    text = (message.text or "").strip() if message else ""
    if not text:
        await turn.say("dialog.expect_text")
        return
    task_id = uuid.UUID(dialog.data["task_id"])

    def reject(ctx: Ctx) -> tuple[str, Any]:
        task = review_task(ctx, task_id, verdict="reject", opinion=text)
        dialogs.finish(ctx, CHANNEL)
        return task.code, ctx.clock.now()

    try:
        code, at = await turn.call(reject)
    except ChatRefusal as refusal:
        if refusal.code != "invalid_input":
            await turn.call(lambda ctx: dialogs.finish(ctx, CHANNEL))
        raise
    done = turn.t("review.rejected", code=code, who=turn.user.name, at=fmt_time(turn, at), opinion=text)
    if dialog.data.get("message_id"):
        await edit_decided(turn.context.bot, turn.chat_id, int(dialog.data["message_id"]), done)
    await turn.send(Card(done))


# --- faults ---------------------------------------------------------------------------------------


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
                    turn.t(f"kind.{kind}"),
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
        await turn.say("fault.ask_explanation", kind=turn.t(f"kind.{kind}"))


async def _disposal_refused(turn: Turn, refusal: ChatRefusal, message_id: int | None) -> None:
    """A stale card is closed with who decided (the press changed nothing); other refusals are shown."""
    if refusal.code != "stale_decision" or refusal.error is None:
        await turn.send(Card(refusal.text))
        return
    params = dict(getattr(refusal.error, "params", {}))
    what = str(params.get("what", ""))
    if t(f"kind.{what}", turn.user.lang) != f"kind.{what}":
        params["what"] = turn.t(f"kind.{what}")
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
    await turn.send(Card(turn.t("fault.pick_leader", kind=turn.t(f"kind.{data['kind']}")), rows))


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
        kind=turn.t(f"kind.{data['kind']}"),
        who=turn.user.name,
        at=fmt_time(turn, at),
    )
    if data.get("message_id"):
        await edit_decided(turn.context.bot, turn.chat_id, int(data["message_id"]), done)
    await turn.send(Card(done))


DIALOG_INPUTS = {"review_reject": on_reject_opinion, "dispose": on_dispose_text}


def build_handlers(services: ChatServices) -> list[BaseHandler[Any, Any, Any]]:
    """Review and fault-disposition handlers."""
    return [
        callback_handler("menu", on_review_list, verbs="review"),
        callback_handler("menu", on_fault_list, verbs="faults"),
        callback_handler("rev", on_review_open, verbs="open"),
        callback_handler("rev", on_review_approve, verbs="ap"),
        callback_handler("rev", on_review_reject, verbs="rj"),
        callback_handler("fault", on_fault_open, verbs="open"),
        callback_handler("fault", on_fault_kind, verbs="dk"),
        callback_handler("fault", on_fault_leader, verbs="ld"),
    ]
