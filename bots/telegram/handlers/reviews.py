"""Project lead / technical lead: review submitted tasks (R-REV).

Buttons: ``rev:open|ap|rj:<task>``; menu ``review``. Dialog: ``review_reject`` (the opinion text).

What a card offers comes from the domain (:mod:`workflows.chat.actions`): the ✅ / ❌ buttons only
for a reviewer while the task waits for review. Approving while faults of the task wait for a
disposition (R-REV-1) lists them, each opening its fault card (:mod:`bots.telegram.handlers.faults`);
a press on a task someone decided meanwhile closes the card with who decided and when.
"""

from __future__ import annotations

import uuid
from typing import Any

from telegram.ext import BaseHandler

from bots.core import dialogs
from bots.core.callbacks import Callback, encode
from bots.core.cards import Button, Card
from bots.core.dialogs import Dialog
from bots.core.i18n import t
from bots.core.menus import work_items
from bots.core.services import ChatRefusal, ChatServices
from bots.telegram.views import CHANNEL, Turn, callback_handler, edit_decided, fmt_time
from workflows.chat.actions import require_reviewable
from workflows.chat.actions import review_card as review_card_view
from workflows.chat.lookups import undisposed_task_faults
from workflows.context import Ctx
from workflows.people.models import Person
from workflows.reviews.service import review_task
from workflows.tasks.read import read_task
from workflows.tasks.schemas import TaskRead

MAX_PASS_SHOWN = 5


def _me(ctx: Ctx) -> Person:
    if ctx.actor is None:
        raise RuntimeError("no actor")
    return ctx.actor


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


DIALOG_INPUTS = {"review_reject": on_reject_opinion}


def build_handlers(services: ChatServices) -> list[BaseHandler[Any, Any, Any]]:
    """The review list, the review card and its ✅ / ❌ buttons."""
    return [
        callback_handler("menu", on_review_list, verbs="review"),
        callback_handler("rev", on_review_open, verbs="open"),
        callback_handler("rev", on_review_approve, verbs="ap"),
        callback_handler("rev", on_review_reject, verbs="rj"),
    ]
