"""Reports: the lead generates a plan's report and receives the PDF; the technical lead files it.

Buttons: ``rpt:gen:<plan>``, ``rpt:open|pdf|file:<report>``; menus ``report``, ``file``. Dialog
``file_report`` (the filing opinion).
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
from bots.core.menus import work_items
from bots.core.services import ChatServices
from bots.telegram.views import CHANNEL, Turn, callback_handler, edit_decided, fmt_time
from engine.clock import business_date
from workflows.chat.lookups import report_view, reports_to_file
from workflows.context import Ctx
from workflows.filings.service import file_report
from workflows.plans.schemas import PlanRead
from workflows.plans.service import read_plan
from workflows.reports.schemas import ReportRead
from workflows.reports.service import generate_report, read_report, report_pdf


async def on_report_list(turn: Turn, _cb: Callback) -> None:
    """Menu "reports to generate": plans whose lines are all approved."""

    def load(ctx: Ctx) -> list[PlanRead]:
        if ctx.actor is None:
            return []
        return [read_plan(ctx, w.subject_id) for w in work_items(ctx, ctx.actor, "generate_report")]

    plans = await turn.call(load)
    if not plans:
        await turn.say("list.none")
        return
    rows = [[Button(turn.t("report.generate", code=p.code), encode("rpt", "gen", p.id))] for p in plans]
    await turn.send(Card(turn.t("report.list"), rows))


async def on_report_generate(turn: Turn, cb: Callback) -> None:
    """Generate (一键生成) and send the PDF as a document."""

    def generate(ctx: Ctx) -> tuple[ReportRead, tuple[str, bytes], Any]:
        today = business_date(ctx.clock.now())
        report = generate_report(ctx, cb.id, report_date=today, service_date=today, extra_task_ids=[])
        return read_report(ctx, report.id), report_pdf(ctx, report.id), ctx.clock.now()

    report, pdf, at = await turn.call(generate, slow=True)  # renders the PDF: off the event loop
    text = turn.t(
        "report.generated",
        code=report.code,
        revision=report.revision,
        due=report.filing_deadline,
        who=turn.user.name,
        at=fmt_time(turn, at),
    )
    await turn.close_card(text)
    await turn.send(Card(report.title, document=pdf))


async def on_file_list(turn: Turn, _cb: Callback) -> None:
    """Menu "reports to file" (technical lead): the generated reports of the plans whose
    ``file_report`` step is in the inbox."""
    reports = await turn.call(reports_to_file)
    if not reports:
        await turn.say("list.none")
        return
    rows = [[Button(f"{r.code} {r.title}", encode("rpt", "open", r.id))] for r in reports]
    await turn.send(Card(turn.t("report.file_list"), rows))


async def on_report_open(turn: Turn, cb: Callback) -> None:
    """The report card: PDF, and the file button when the viewer may file it now (R-FILE)."""
    report, can_file = await turn.call(lambda ctx: report_view(ctx, cb.id))
    text = turn.t(
        "report.card",
        code=report.code,
        revision=report.revision,
        title=report.title,
        status=status_label(report.status, turn.user.lang),
        due=report.filing_deadline,
    )
    row = [Button(turn.t("btn.pdf"), encode("rpt", "pdf", report.id))]
    if can_file:
        row.append(Button(turn.t("btn.file"), encode("rpt", "file", report.id)))
    await turn.send(Card(text, [row]))


async def on_report_pdf(turn: Turn, cb: Callback) -> None:
    """Send the report PDF as a document."""
    name, content = await turn.call(lambda ctx: report_pdf(ctx, cb.id))
    await turn.send(Card(name, document=(name, content)))


async def on_report_file(turn: Turn, cb: Callback) -> None:
    """🗂: ask for the filing opinion (dialog ``file_report``)."""
    query = turn.update.callback_query
    message_id = query.message.message_id if query and query.message else None

    def start(ctx: Ctx) -> bool:
        _report, can_file = report_view(ctx, cb.id)
        if can_file:
            dialogs.start(
                ctx, CHANNEL, "file_report", "opinion", {"report_id": str(cb.id), "message_id": message_id}
            )
        return can_file

    if not await turn.call(start):
        await turn.say("report.cannot_file")
        return
    await turn.say("report.ask_opinion")


async def on_filing_opinion(turn: Turn, dialog: Dialog) -> None:
    """The filing opinion: file the report (R-FILE), close the card."""
    message = turn.update.effective_message
    text = (message.text or "").strip() if message else ""
    if not text:
        await turn.say("dialog.expect_text")
        return
    report_id = uuid.UUID(dialog.data["report_id"])

    def file(ctx: Ctx) -> tuple[str, Any]:
        report = file_report(ctx, report_id, opinion=text)
        dialogs.finish(ctx, CHANNEL)
        return report.code, ctx.clock.now()

    code, at = await turn.call(file)
    done = turn.t("report.filed", code=code, who=turn.user.name, at=fmt_time(turn, at))
    if dialog.data.get("message_id"):
        await edit_decided(turn.context.bot, turn.chat_id, int(dialog.data["message_id"]), done)
    await turn.send(Card(done))


DIALOG_INPUTS = {"file_report": on_filing_opinion}


def build_handlers(services: ChatServices) -> list[BaseHandler[Any, Any, Any]]:
    """Report generation and filing handlers."""
    return [
        callback_handler("menu", on_report_list, verbs="report"),
        callback_handler("menu", on_file_list, verbs="file"),
        callback_handler("rpt", on_report_generate, verbs="gen"),
        callback_handler("rpt", on_report_open, verbs="open"),
        callback_handler("rpt", on_report_pdf, verbs="pdf"),
        callback_handler("rpt", on_report_file, verbs="file"),
    ]
