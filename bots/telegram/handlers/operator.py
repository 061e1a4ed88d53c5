"""Field operator in chat: issued lines → task → item results, photos, selfie, location → submit;
rework after a rejection; investigation/repair tasks completed resolved/unresolved (R-TASK).

Everything a person types or sends while working on a task goes to the dialog ``op_task`` (stored in
the database, so a draft survives an interrupted chat or a restart); the results and photos
themselves are stored at once by the task services. Steps of ``op_task``: ``outcome`` (waiting for a
button), ``record`` (the measured record of line ``idx``), ``photos`` (photos of line ``idx``),
``selfie``, ``location``, ``ready`` (location known, waiting for the submit button). A location
sent at ``selfie`` (a rework keeps its first selfie), ``location`` or ``ready`` is the task's
position; a live location's updates (Telegram sends them as ``edited_message``) are taken at the
``location`` step and then move the position only while ``ready`` and only for the live message
that step took, so a live location still running from an earlier task never takes over the dialog.
"""

from __future__ import annotations

import uuid
from typing import Any

from telegram import Location
from telegram.ext import BaseHandler

from bots.core import dialogs
from bots.core.callbacks import Callback, encode
from bots.core.cards import Button, Card
from bots.core.field_cards import (
    OUTCOME_CODES,
    fault_task_card,
    item_card,
    line_systems,
    ordered_results,
    overview_card,
    plan_lines_card,
    recorded_card,
    work_card,
)
from bots.core.menus import MenuEntry, register_menu_entry
from bots.core.services import ChatServices
from bots.telegram.views import CHANNEL, Turn, callback_handler, fmt_time, image_file_id
from engine.errors import InvalidInput
from workflows.chat.lookups import open_plan_lines
from workflows.context import Ctx
from workflows.faults.service import complete_fault_task, read_fault, receive_fault_task
from workflows.people.models import Person
from workflows.people.rules import EXECUTOR_ROLES
from workflows.people.scope import get_project
from workflows.tasks.assigned import OPEN_TASK_STATES, assigned_work
from workflows.tasks.read import read_task
from workflows.tasks.schemas import TaskRead
from workflows.tasks.service import add_photo, create_task, record_result, submit_task

TASK_DIALOG = "op_task"
NOTE_DIALOG = "op_note"
FAULT_KINDS = frozenset({"investigation", "repair"})
LIVE_LOCATION_DIALOGS = frozenset({TASK_DIALOG})
"""The task dialog follows a shared live location (``edited_message`` updates), at its location step."""
LOCATION_STEPS = frozenset({"selfie", "location", "ready"})
"""Steps of ``op_task`` that take a sent location; elsewhere a location gets the step's hint."""


def _me(ctx: Ctx) -> Person:
    if ctx.actor is None:
        raise InvalidInput("actor", "需要登录用户 / an acting person is required")
    return ctx.actor


def _work_count(ctx: Ctx, _person: Person, _items: list[Any]) -> int:
    return assigned_work(ctx).count


register_menu_entry(MenuEntry("work", "op.menu", EXECUTOR_ROLES, count=_work_count, order=5))


async def download_photo(turn: Turn) -> bytes | None:
    """The largest size of the message's photo (or an image sent as a file), downloaded through the bot.

    Telegram's ``file_path`` carries the bot token: it is never logged or stored.
    """
    file_id = image_file_id(turn.update.effective_message)
    if file_id is None:
        return None
    tg_file = await turn.context.bot.get_file(file_id)
    return bytes(await tg_file.download_as_bytearray())


def _project_name(ctx: Ctx, project_id: uuid.UUID) -> str:
    return get_project(ctx, _me(ctx), project_id).name


async def on_work(turn: Turn, _cb: Callback) -> None:
    """Menu → my field work: plans with lines issued to me, open tasks."""
    lang = turn.user.lang
    await turn.send(await turn.call(lambda ctx: work_card(assigned_work(ctx), lang)))


async def on_line(turn: Turn, cb: Callback) -> None:
    """``line:list`` (the open lines of a plan) and ``line:start`` (a task of all, or of one system)."""
    lang = turn.user.lang
    if cb.verb == "list":

        def show(ctx: Ctx) -> Card:
            plan, lines = open_plan_lines(ctx, cb.id)
            return plan_lines_card(plan, lines, lang)

        await turn.send(await turn.call(show))
        return

    def start(ctx: Ctx) -> TaskRead:
        _plan, lines = open_plan_lines(ctx, cb.id)
        if cb.arg:
            systems = line_systems(lines)
            chosen = systems[int(cb.arg)] if cb.arg.isdigit() and int(cb.arg) < len(systems) else None
            lines = [x for x in lines if x.system == chosen]
        task = create_task(ctx, [x.id for x in lines])
        dialogs.start(ctx, CHANNEL, TASK_DIALOG, "outcome", {"task_id": str(task.id), "idx": 0})
        return read_task(ctx, task.id)

    task = await turn.call(start)
    await turn.close_card(turn.t("op.task_started", code=task.code, n=len(task.results)))
    await turn.send(item_card(task, 0, lang))


async def _open(turn: Turn, task_id: uuid.UUID) -> None:
    lang = turn.user.lang

    def load(ctx: Ctx) -> Card:
        task = read_task(ctx, task_id)
        project = _project_name(ctx, task.project_id)
        if task.kind in FAULT_KINDS and task.fault_id is not None:
            fault = read_fault(ctx, task.fault_id)
            info = {
                "code": fault.code,
                "facility": fault.facility,
                "item": fault.item,
                "record": fault.measured_record,
            }
            return fault_task_card(task, info, project, lang)
        if task.state in OPEN_TASK_STATES:  # the domain's "still to be worked on"
            dialogs.start(ctx, CHANNEL, TASK_DIALOG, "outcome", {"task_id": str(task.id), "idx": 0})
        return overview_card(task, project, lang)

    await turn.send(await turn.call(load))


async def _open_fault_task(turn: Turn, fault_id: uuid.UUID) -> None:
    """``task:flt:<fault>`` (the leader's push of a disposition): the open investigation/repair task of
    the fault, or the fault's history once nothing is open any more."""
    from bots.core.owner_cards import fault_card

    fault = await turn.call(lambda ctx: read_fault(ctx, fault_id))
    if fault.open_task_id is not None:
        await _open(turn, fault.open_task_id)
        return
    await turn.send(fault_card(fault, turn.user.lang, lambda at: fmt_time(turn, at)))


async def on_task(turn: Turn, cb: Callback) -> None:
    """Buttons of a task: ``open``, ``item``, ``res``, ``fin``, ``submit``, ``recv``, ``done``, and
    ``flt`` (by fault id: the leader's investigation/repair task)."""
    lang = turn.user.lang
    if cb.verb == "open":
        await _open(turn, cb.id)
    elif cb.verb == "flt":
        await _open_fault_task(turn, cb.id)
    elif cb.verb == "item":
        idx = int(cb.arg) if cb.arg and cb.arg.isdigit() else 0

        def show(ctx: Ctx) -> Card:
            task = read_task(ctx, cb.id)
            i = min(idx, max(len(task.results) - 1, 0))
            dialogs.start(ctx, CHANNEL, TASK_DIALOG, "outcome", {"task_id": str(task.id), "idx": i})
            return item_card(task, i, lang)

        await turn.send(await turn.call(show))
    elif cb.verb == "res":
        await _on_outcome(turn, cb)
    elif cb.verb == "fin":
        await turn.call(
            lambda ctx: (
                read_task(ctx, cb.id),
                dialogs.start(ctx, CHANNEL, TASK_DIALOG, "selfie", {"task_id": str(cb.id), "idx": 0}),
            )
        )
        await turn.say("op.ask_selfie")
    elif cb.verb == "submit":
        await _submit(turn, cb.id)
    elif cb.verb == "recv":
        task = await turn.call(lambda ctx: receive_fault_task(ctx, cb.id))
        await turn.say("op.received", code=task.code)
    elif cb.verb == "done":
        resolved = cb.arg == "1"
        await turn.call(
            lambda ctx: (
                read_task(ctx, cb.id),
                dialogs.start(
                    ctx, CHANNEL, NOTE_DIALOG, "note", {"task_id": str(cb.id), "resolved": resolved}
                ),
            )
        )
        await turn.say("op.ask_note", result=turn.t("op.btn_resolved" if resolved else "op.btn_unresolved"))


async def _on_outcome(turn: Turn, cb: Callback) -> None:
    """An outcome button: remember it and ask for the measured record."""
    idx_text, _, code = (cb.arg or "").partition(".")
    outcome = OUTCOME_CODES.get(code)
    if outcome is None or not idx_text.isdigit():
        await turn.say("callback.invalid")
        return
    idx = int(idx_text)

    def ask(ctx: Ctx) -> str:
        results = ordered_results(read_task(ctx, cb.id))
        if idx >= len(results):
            return ""
        dialogs.start(
            ctx, CHANNEL, TASK_DIALOG, "record", {"task_id": str(cb.id), "idx": idx, "outcome": outcome}
        )
        return results[idx].item

    item = await turn.call(ask)
    if not item:
        await turn.say("callback.invalid")
        return
    await turn.say("op.ask_record", item=item)


async def _submit(turn: Turn, task_id: uuid.UUID) -> None:
    def submit(ctx: Ctx) -> TaskRead | None:
        dialog = dialogs.get(ctx, CHANNEL)
        data = dialog.data if dialog and dialog.name == TASK_DIALOG else {}
        if data.get("task_id") != str(task_id) or data.get("latitude") is None:
            return None
        submit_task(ctx, task_id, latitude=float(data["latitude"]), longitude=float(data["longitude"]))
        dialogs.finish(ctx, CHANNEL)
        return read_task(ctx, task_id)

    task = await turn.call(submit)
    if task is None:
        await turn.say("op.no_location")
        return
    meters = round(task.distance_m) if task.distance_m is not None else "?"
    await turn.close_card(
        turn.t(
            "op.submitted", code=task.code, round=task.round, m=meters, at=fmt_time(turn, task.submitted_at)
        )
    )


async def on_task_input(turn: Turn, dialog: dialogs.Dialog) -> None:
    """Text, photos and locations sent while working on a task (dialog ``op_task``)."""
    message = turn.update.effective_message
    if message is None:
        return
    edited = turn.update.edited_message is not None
    task_id = uuid.UUID(str(dialog.data["task_id"]))
    idx = int(dialog.data.get("idx", 0))
    lang = turn.user.lang
    if message.location is not None and (edited or dialog.step in LOCATION_STEPS):
        await _on_location(turn, task_id, message.location, message.message_id, edited=edited)
        return
    if edited:
        return
    if dialog.step == "record" and message.text is not None:
        text = "" if message.text.strip() in ("-", "—", "无") else message.text

        def record(ctx: Ctx) -> Card:
            task = read_task(ctx, task_id)
            line = ordered_results(task)[idx]
            record_result(
                ctx,
                task_id,
                line.plan_line_id,
                outcome=str(dialog.data["outcome"]),
                measured_record=text,
                brand=line.brand,
            )
            dialogs.advance(ctx, CHANNEL, "photos")
            return recorded_card(read_task(ctx, task_id), idx, lang)

        await turn.send(await turn.call(record))
        return
    if dialog.step in ("photos", "outcome", "selfie") and (message.photo or message.document):
        content = await download_photo(turn)
        if content is None:
            await turn.say("op.ask_photo")
            return
        if dialog.step == "selfie":
            await turn.call(
                lambda ctx: (
                    add_photo(ctx, task_id, content, line_id=None, kind="selfie"),
                    dialogs.advance(ctx, CHANNEL, "location"),
                )
            )
            await turn.say("op.selfie_saved")
            return

        def store(ctx: Ctx) -> int:
            line = ordered_results(read_task(ctx, task_id))[idx]
            add_photo(ctx, task_id, content, line_id=line.plan_line_id, kind="item")
            return ordered_results(read_task(ctx, task_id))[idx].photo_count

        await turn.say("op.photo_saved", n=await turn.call(store))
        return
    hint = {
        "record": "dialog.expect_text",
        "selfie": "op.ask_selfie",
        "location": "op.ask_location",
        "ready": "op.ask_location",
    }.get(dialog.step)
    if hint is None:
        task = await turn.call(lambda ctx: read_task(ctx, task_id))
        await turn.send(
            item_card(task, min(idx, max(len(task.results) - 1, 0)), lang)
            if task.results
            else Card(turn.t("dialog.nothing"))
        )
        return
    await turn.say(hint)


async def _on_location(
    turn: Turn, task_id: uuid.UUID, location: Location, message_id: int, *, edited: bool
) -> None:
    """A location sent at the selfie or location step, or a live location's update at the location
    step: the task's position, then the submit button.

    Once ``ready``, a newly sent location replaces the position (and offers the button again) and
    the updates of the live location the step took (``live_message_id``) move it silently. An
    update of any other live location — one shared for an earlier task, or arriving while the
    dialog is on another step — is not input and changes nothing. Decided on the dialog as it is
    in the transaction (another update of the person may have moved it on).
    """
    position = {"latitude": location.latitude, "longitude": location.longitude}

    def take(ctx: Ctx) -> str | None:
        now = dialogs.get(ctx, CHANNEL)
        if now is None or now.name != TASK_DIALOG or now.data.get("task_id") != str(task_id):
            return None
        if edited and now.step == "ready" and now.data.get("live_message_id") == message_id:
            dialogs.advance(ctx, CHANNEL, "ready", **position)  # the taken live location moved on
            return None
        if now.step not in LOCATION_STEPS or (edited and now.step != "location"):
            return None
        # a live location has a live period (read from the dict: PTB 22 deprecates the int attribute)
        live = message_id if location.to_dict().get("live_period") else None
        dialogs.advance(ctx, CHANNEL, "ready", **position, live_message_id=live)
        return read_task(ctx, task_id).code

    code = await turn.call(take)
    if code is None:
        return
    await turn.send(
        Card(
            turn.t("op.located", lat=location.latitude, lon=location.longitude, code=code),
            buttons=[[Button(turn.t("op.btn_submit"), encode("task", "submit", task_id))]],
        )
    )


async def on_note_input(turn: Turn, dialog: dialogs.Dialog) -> None:
    """The note of an investigation/repair task completed resolved or unresolved (dialog ``op_note``)."""
    message = turn.update.effective_message
    if message is None or message.text is None or turn.update.edited_message is not None:
        await turn.say("dialog.expect_text")
        return
    task_id = uuid.UUID(str(dialog.data["task_id"]))
    resolved = bool(dialog.data.get("resolved"))
    note = message.text

    def complete(ctx: Ctx) -> TaskRead:
        complete_fault_task(ctx, task_id, resolved=resolved, note=note)
        dialogs.finish(ctx, CHANNEL)
        return read_task(ctx, task_id)

    task = await turn.call(complete)
    await turn.say(
        "op.completed",
        kind=turn.t(f"op.kind.{task.kind}"),
        code=task.code,
        result=turn.t("op.btn_resolved" if resolved else "op.btn_unresolved"),
        at=fmt_time(turn, task.submitted_at),
    )


DIALOG_INPUTS = {TASK_DIALOG: on_task_input, NOTE_DIALOG: on_note_input}


def build_handlers(services: ChatServices) -> list[BaseHandler[Any, Any, Any]]:
    """The operator's menu entry, plan-line and task buttons."""
    return [
        callback_handler("menu", on_work, verbs="work"),
        callback_handler("line", on_line, verbs="list|start"),
        callback_handler("task", on_task, verbs="open|flt|item|res|fin|submit|recv|done"),
    ]
