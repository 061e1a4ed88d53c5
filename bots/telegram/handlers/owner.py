"""Owner contact in chat (R-OWN): projects, reports as PDF documents (each opening recorded, R-ROLE-5),
open faults with their handling history, one-tap repair (facility → location → description →
photo → internal or agency → confirm), confirming and rating a filed report's service.

The repair draft is the dialog ``own_repair`` (in the database: it survives restarts); a photo is
kept as Telegram's ``file_id`` in the draft and downloaded when the request is submitted. Rating
comments go through the dialog ``own_rate``.
"""

from __future__ import annotations

import uuid
from typing import Any

from telegram.ext import BaseHandler

from bots.core import dialogs
from bots.core.callbacks import Callback
from bots.core.cards import Card
from bots.core.menus import MenuEntry, register_menu_entry
from bots.core.owner_cards import (
    confirm_card,
    facilities_card,
    fault_card,
    photo_prompt,
    project_card,
    projects_card,
    repairs_card,
    report_card,
    reports_card,
    route_card,
    stars,
    stars_card,
)
from bots.core.services import ChatServices
from bots.telegram.views import CHANNEL, Turn, callback_handler, fmt_time, image_file_id
from workflows.chat.lookups import owner_report
from workflows.context import Ctx
from workflows.faults.service import list_faults, read_fault
from workflows.projects.service import list_projects, read_project
from workflows.ratings.service import confirm_service, list_project_reports, report_document
from workflows.repairs.service import (
    create_repair_request,
    describe_repair_requests,
    list_repair_requests,
    project_facilities,
)

REPAIR_DIALOG = "own_repair"
RATE_DIALOG = "own_rate"
OWNERS = frozenset({"owner_contact"})
MAX_FAULT_CARDS = 10

register_menu_entry(MenuEntry("oproj", "own.menu_projects", OWNERS, always=True, order=60))
register_menu_entry(MenuEntry("orepair", "own.menu_repair", OWNERS, always=True, order=61))


async def on_menu(turn: Turn, cb: Callback) -> None:
    """Menu → my projects (``oproj``) or one-tap repair (``orepair``: pick the project first)."""
    lang = turn.user.lang
    projects = await turn.call(list_projects)
    if cb.verb == "orepair" and len(projects) == 1:
        await _start_repair(turn, projects[0].id)
        return
    await turn.send(projects_card(projects, lang, verb="new" if cb.verb == "orepair" else "proj"))


async def on_owner(turn: Turn, cb: Callback) -> None:
    """``owner:proj|rpts|rpt|flts|flt|rate|star``."""
    lang = turn.user.lang
    if cb.verb == "proj":
        await turn.send(await turn.call(lambda ctx: project_card(read_project(ctx, cb.id), lang)))
    elif cb.verb == "rpts":
        await turn.send(await turn.call(lambda ctx: reports_card(list_project_reports(ctx, cb.id), lang)))
    elif cb.verb == "rpt":
        report, name, pdf, confirmation, can_rate = await turn.call(lambda ctx: owner_report(ctx, cb.id))
        await turn.send(report_card(report, name, pdf, confirmation, lang, can_rate=can_rate))
    elif cb.verb == "flts":
        await _faults(turn, cb.id)
    elif cb.verb == "flt":
        fault = await turn.call(lambda ctx: read_fault(ctx, cb.id))  # the read is recorded (R-ROLE-5)
        await turn.send(fault_card(fault, lang, lambda at: fmt_time(turn, at)))
    elif cb.verb == "rate":
        report, _name, _pdf, _rating = await turn.call(lambda ctx: report_document(ctx, cb.id))
        await turn.send(stars_card(report.id, report.code, lang))
    elif cb.verb == "star":
        score = int(cb.arg) if cb.arg and cb.arg.isdigit() else 0
        await turn.call(
            lambda ctx: dialogs.start(
                ctx, CHANNEL, RATE_DIALOG, "comment", {"report_id": str(cb.id), "rating": score}
            )
        )
        await turn.say("own.ask_comment", stars=stars(min(max(score, 0), 5)))


async def _faults(turn: Turn, project_id: uuid.UUID) -> None:
    """The project's open faults, one card each with the handling history (each read is recorded)."""
    lang = turn.user.lang

    def load(ctx: Ctx) -> tuple[str, list[Any]]:
        name = read_project(ctx, project_id).name
        return name, [f for f in list_faults(ctx, project_id) if f.closed_at is None]

    name, faults = await turn.call(load)
    await turn.say("own.faults", name=name, n=len(faults))
    for fault in faults[:MAX_FAULT_CARDS]:
        await turn.send(fault_card(fault, lang, lambda at: fmt_time(turn, at)))


async def _start_repair(turn: Turn, project_id: uuid.UUID) -> None:
    lang = turn.user.lang

    def start(ctx: Ctx) -> Card:
        facilities = project_facilities(ctx, project_id)
        dialogs.start(ctx, CHANNEL, REPAIR_DIALOG, "facility", {"project_id": str(project_id)})
        return facilities_card(project_id, facilities, lang)

    await turn.send(await turn.call(start))


async def on_repair(turn: Turn, cb: Callback) -> None:
    """``repair:new|fac|nophoto|route|ok|no|list``."""
    lang = turn.user.lang
    if cb.verb == "new":
        await _start_repair(turn, cb.id)
    elif cb.verb == "list":
        await turn.send(await turn.call(lambda ctx: repairs_card(list_repair_requests(ctx, cb.id), lang)))
    elif cb.verb == "fac":
        idx = int(cb.arg) if cb.arg and cb.arg.isdigit() else -1

        def pick(ctx: Ctx) -> str | None:
            facilities = project_facilities(ctx, cb.id)
            if not 0 <= idx < len(facilities) or not _in_draft(ctx, cb.id):
                return None
            fid, name, _system = facilities[idx]
            dialogs.advance(ctx, CHANNEL, "location", facility_id=str(fid), facility=name)
            return name

        name = await turn.call(pick)
        if name is None:
            await turn.say("callback.invalid")
            return
        await turn.close_card(turn.t("own.ask_location", facility=name))
    elif cb.verb in ("nophoto", "route"):
        route = cb.arg if cb.verb == "route" else None
        step = "confirm" if route else "route"
        card = await turn.call(lambda ctx: _advance(ctx, cb.id, step, lang, route=route))
        await turn.send(card or Card(turn.t("callback.invalid")))
    elif cb.verb == "ok":
        await _submit_repair(turn, cb.id)
    elif cb.verb == "no":
        await turn.call(lambda ctx: _in_draft(ctx, cb.id) and dialogs.finish(ctx, CHANNEL))
        await turn.close_card(turn.t("dialog.cancelled"))


def _in_draft(ctx: Ctx, project_id: uuid.UUID) -> bool:
    dialog = dialogs.get(ctx, CHANNEL)
    return (
        dialog is not None
        and dialog.name == REPAIR_DIALOG
        and dialog.data.get("project_id") == str(project_id)
    )


def _advance(ctx: Ctx, project_id: uuid.UUID, step: str, lang: str, **data: Any) -> Card | None:
    if not _in_draft(ctx, project_id):
        return None
    dialog = dialogs.advance(ctx, CHANNEL, step, **{k: v for k, v in data.items() if v is not None})
    return route_card(project_id, lang) if step == "route" else confirm_card(project_id, dialog.data, lang)


async def _submit_repair(turn: Turn, project_id: uuid.UUID) -> None:
    draft = await turn.call(lambda ctx: dialogs.get(ctx, CHANNEL) if _in_draft(ctx, project_id) else None)
    if draft is None or draft.step != "confirm":
        await turn.say("callback.invalid")
        return
    data = draft.data
    photo = None
    if data.get("file_id"):
        tg_file = await turn.context.bot.get_file(str(data["file_id"]))
        photo = bytes(await tg_file.download_as_bytearray())

    def submit(ctx: Ctx) -> tuple[str, str | None, Any]:
        request = create_repair_request(
            ctx,
            project_id,
            facility_id=uuid.UUID(str(data["facility_id"])),
            location=str(data["location"]),
            description=str(data["description"]),
            photo=photo,
            route=str(data["route"]),
        )
        read = describe_repair_requests(ctx, [request])[0]
        dialogs.finish(ctx, CHANNEL)
        return read.code, read.fault_code, read.created_at

    code, fault_code, at = await turn.call(submit)
    if fault_code:
        await turn.close_card(turn.t("own.filed_agency", code=code, fault=fault_code, at=fmt_time(turn, at)))
    else:
        await turn.close_card(turn.t("own.filed_internal", code=code, at=fmt_time(turn, at)))


async def on_repair_input(turn: Turn, dialog: dialogs.Dialog) -> None:
    """Typed location and description, and the photo, of the repair draft."""
    message = turn.update.effective_message
    if message is None or turn.update.edited_message is not None:
        return
    project_id = uuid.UUID(str(dialog.data["project_id"]))
    lang = turn.user.lang
    if dialog.step in ("location", "description") and message.text:
        text = message.text

        def save(ctx: Ctx) -> str:
            if dialog.step == "location":
                dialogs.advance(ctx, CHANNEL, "description", location=text)
                return "description"
            dialogs.advance(ctx, CHANNEL, "photo", description=text)
            return "photo"

        nxt = await turn.call(save)
        await (
            turn.say("own.ask_description")
            if nxt == "description"
            else turn.send(photo_prompt(project_id, lang))
        )
        return
    file_id = image_file_id(message)
    if dialog.step == "photo" and file_id is not None:
        card = await turn.call(lambda ctx: _advance(ctx, project_id, "route", lang, file_id=file_id))
        await turn.say("own.photo_kept")
        await turn.send(card or Card(turn.t("callback.invalid")))
        return
    hint = {
        "location": "dialog.expect_text",
        "description": "dialog.expect_text",
        "photo": "own.expect_photo",
    }
    await turn.say(hint.get(dialog.step, "own.expect_button"))


async def on_rate_input(turn: Turn, dialog: dialogs.Dialog) -> None:
    """The comment of a service rating (``-`` for none), then the confirmation is stored."""
    message = turn.update.effective_message
    if message is None or message.text is None or turn.update.edited_message is not None:
        await turn.say("dialog.expect_text")
        return
    comment = "" if message.text.strip() in ("-", "—") else message.text
    report_id = uuid.UUID(str(dialog.data["report_id"]))
    rating = int(dialog.data.get("rating", 0))

    def confirm(ctx: Ctx) -> Any:
        dialogs.finish(ctx, CHANNEL)
        return confirm_service(ctx, report_id, rating=rating, comment=comment)

    done = await turn.call(confirm)
    await turn.say(
        "own.confirmed", code=done.report_code, stars=stars(done.rating), at=fmt_time(turn, done.rated_at)
    )


DIALOG_INPUTS = {REPAIR_DIALOG: on_repair_input, RATE_DIALOG: on_rate_input}


def build_handlers(services: ChatServices) -> list[BaseHandler[Any, Any, Any]]:
    """The owner's menu entries, project/report/fault buttons and the one-tap repair buttons."""
    return [
        callback_handler("menu", on_menu, verbs="oproj|orepair"),
        callback_handler("owner", on_owner, verbs="proj|rpts|rpt|flts|flt|rate|star"),
        callback_handler("repair", on_repair, verbs="new|list|fac|nophoto|route|ok|no"),
    ]
