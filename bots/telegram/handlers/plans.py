"""Project lead: issue a plan's lines to executors (by system or all remaining).

Buttons: ``plan:open:<plan>``, ``plan:grp:<plan>:<group index|a>``, ``plan:ex:<plan>:<executor index>``;
menu ``issue``. The choice lists live in the ``issue`` dialog (indexes on buttons, ids in the DB).
"""

from __future__ import annotations

import uuid
from typing import Any

from telegram.ext import BaseHandler

from bots.core import dialogs
from bots.core.callbacks import Callback, encode
from bots.core.cards import Button, Card
from bots.core.menus import work_items
from bots.core.services import ChatServices
from bots.telegram.views import CHANNEL, Turn, callback_handler, edit_decided, fmt_time
from workflows.chat.lookups import agency_executors
from workflows.context import Ctx
from workflows.plans.schemas import PlanRead
from workflows.plans.service import issue_plan, read_plan


async def on_issue_list(turn: Turn, _cb: Callback) -> None:
    """Menu "plans to issue"."""

    def load(ctx: Ctx) -> list[PlanRead]:
        if ctx.actor is None:
            return []
        return [read_plan(ctx, w.subject_id) for w in work_items(ctx, ctx.actor, "issue_plan")]

    plans = await turn.call(load)
    if not plans:
        await turn.say("list.none")
        return
    rows = [[Button(f"{p.code} {p.name}", encode("plan", "open", p.id))] for p in plans]
    await turn.send(Card(turn.t("plan.list"), rows))


def _groups(plan: PlanRead) -> list[tuple[str, list[str]]]:
    groups: dict[str, list[str]] = {}
    for line in plan.lines:
        if line.state == "unissued":
            groups.setdefault(line.system, []).append(str(line.id))
    return list(groups.items())


async def on_plan_open(turn: Turn, cb: Callback) -> None:
    """The plan card: unissued lines grouped by system."""

    def load(ctx: Ctx) -> tuple[PlanRead, list[tuple[str, list[str]]]]:
        plan = read_plan(ctx, cb.id)
        groups = _groups(plan)
        dialogs.start(ctx, CHANNEL, "issue", "group", {"plan_id": str(plan.id), "groups": groups})
        return plan, groups

    plan, groups = await turn.call(load)
    if not groups:
        await turn.say("plan.nothing_left", code=plan.code)
        return
    left = sum(len(ids) for _, ids in groups)
    rows = [
        [Button(f"{name} ({len(ids)})", encode("plan", "grp", plan.id, i))]
        for i, (name, ids) in enumerate(groups)
    ]
    rows.append([Button(turn.t("plan.all", n=left), encode("plan", "grp", plan.id, "a"))])
    text = turn.t(
        "plan.card",
        code=plan.code,
        name=plan.name,
        total=plan.line_count,
        issued=plan.issued_count,
        left=left,
    )
    await turn.send(Card(text, rows))


async def _dialog_for(turn: Turn, plan_id: uuid.UUID) -> dialogs.Dialog | None:
    dialog = await turn.call(lambda ctx: dialogs.get(ctx, CHANNEL))
    if dialog is None or dialog.name != "issue" or dialog.data.get("plan_id") != str(plan_id):
        await turn.say("callback.invalid")
        return None
    return dialog


async def on_plan_group(turn: Turn, cb: Callback) -> None:
    """A group (or all) was picked: offer the executors."""
    dialog = await _dialog_for(turn, cb.id)
    if dialog is None:
        return
    groups: list[list[Any]] = dialog.data["groups"]
    if cb.arg == "a":
        line_ids = [lid for _, ids in groups for lid in ids]
    elif (cb.arg or "").isdigit() and int(cb.arg or 0) < len(groups):
        line_ids = list(groups[int(cb.arg or 0)][1])
    else:
        await turn.say("callback.invalid")
        return
    query = turn.update.callback_query
    message_id = query.message.message_id if query and query.message else None

    def pick(ctx: Ctx) -> list[tuple[uuid.UUID, str]]:
        plan = read_plan(ctx, cb.id)
        people = agency_executors(ctx, plan.project_id)
        dialogs.advance(
            ctx,
            CHANNEL,
            "executor",
            line_ids=line_ids,
            message_id=message_id,
            executors=[[str(p), n] for p, n in people],
        )
        return people

    people = await turn.call(pick)
    rows = [[Button(name, encode("plan", "ex", cb.id, i))] for i, (_, name) in enumerate(people)]
    await turn.send(Card(turn.t("plan.pick_executor", n=len(line_ids)), rows))


async def on_plan_executor(turn: Turn, cb: Callback) -> None:
    """An executor was picked: issue the chosen lines to them."""
    dialog = await _dialog_for(turn, cb.id)
    if dialog is None:
        return
    executors: list[list[str]] = dialog.data.get("executors", [])
    if dialog.step != "executor" or not (cb.arg or "").isdigit() or int(cb.arg or 0) >= len(executors):
        await turn.say("callback.invalid")
        return
    executor_id, name = executors[int(cb.arg or 0)]
    line_ids = [uuid.UUID(x) for x in dialog.data["line_ids"]]

    def issue(ctx: Ctx) -> tuple[PlanRead, Any]:
        plan = issue_plan(ctx, cb.id, line_ids, uuid.UUID(executor_id))
        dialogs.finish(ctx, CHANNEL)
        return plan, ctx.clock.now()

    plan, at = await turn.call(issue)
    left = sum(1 for line in plan.lines if line.state == "unissued")
    done = turn.t(
        "plan.issued",
        n=len(line_ids),
        executor=name,
        code=plan.code,
        left=left,
        who=turn.user.name,
        at=fmt_time(turn, at),
    )
    if dialog.data.get("message_id"):
        await edit_decided(turn.context.bot, turn.chat_id, int(dialog.data["message_id"]), done)
    await turn.send(Card(done))


def build_handlers(services: ChatServices) -> list[BaseHandler[Any, Any, Any]]:
    """Plan issuing handlers."""
    return [
        callback_handler("menu", on_issue_list, verbs="issue"),
        callback_handler("plan", on_plan_open, verbs="open"),
        callback_handler("plan", on_plan_group, verbs="grp"),
        callback_handler("plan", on_plan_executor, verbs="ex"),
    ]
