"""Cards of the owner contact's flows (channel-neutral): projects, reports, faults, one-tap repair, rating.

Callback nouns: ``owner`` (``proj``, ``rpts``, ``rpt``, ``flts``, ``flt``, ``rate``, ``star``) and ``repair``
(``new``, ``fac``, ``nophoto``, ``route``, ``ok``, ``no``, ``list``). Facilities are addressed by
their index in the project's selected facilities (catalog order).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from bots.core.callbacks import encode
from bots.core.cards import Button, Card
from bots.core.i18n import register, t
from workflows.faults.schemas import FaultRead
from workflows.projects.schemas import ProjectRead
from workflows.ratings.schemas import ServiceRatingRead
from workflows.repairs.schemas import RepairRequestRead
from workflows.reports.schemas import ReportRead

register(
    {
        "own.menu_projects": ("🏢 我的项目", "🏢 My projects"),
        "own.menu_repair": ("🛠 一键报修", "🛠 Report a problem"),
        "own.projects": ("您的项目：", "Your projects:"),
        "own.projects_none": ("没有可查看的项目。", "No projects to show."),
        "own.project": (
            "项目 {code} {name}\n地址：{address}\n维保负责人：{lead}\n状态：{status}",
            "Project {code} {name}\nAddress: {address}\nProject lead: {lead}\nStatus: {status}",
        ),
        "own.btn_reports": ("📄 报告", "📄 Reports"),
        "own.btn_faults": ("⚠️ 故障", "⚠️ Faults"),
        "own.btn_repair": ("🛠 一键报修", "🛠 Report a problem"),
        "own.btn_repairs": ("📋 报修记录", "📋 My repair requests"),
        "own.pick_project": ("请选择报修的项目：", "Choose the project:"),
        "own.reports": ("项目报告：", "Reports of the project:"),
        "own.reports_none": ("该项目还没有报告。", "The project has no report yet."),
        "own.report_btn": ("📄 {code} {title}（{status}）", "📄 {code} {title} ({status})"),
        "own.report": (
            "报告 {code}（第 {revision} 版）\n{title}\n状态：{status}{rating}",
            "Report {code} (revision {revision})\n{title}\nStatus: {status}{rating}",
        ),
        "own.rated": ("\n服务评价：{stars} {comment}", "\nRating: {stars} {comment}"),
        "own.btn_rate": ("⭐ 确认服务并评价", "⭐ Confirm and rate the service"),
        "own.ask_stars": ("请为报告 {code} 的服务评分：", "Rate the service of report {code}:"),
        "own.ask_comment": (
            "您选择了 {stars}。请输入评价意见（发送 - 不填写）：",
            "You chose {stars}. Type a comment (- for none):",
        ),
        "own.confirmed": (
            "✅ 已确认报告 {code} 的服务：{stars} — {at}",
            "✅ Service of report {code} confirmed: {stars} — {at}",
        ),
        "own.faults": ("项目 {name}：未关闭故障 {n} 项", "Project {name}: {n} open faults"),
        "own.fault": (
            "故障 {code}（{status}）\n{system} / {facility}\n{item}\n记录：{record}\n处理经过：\n{history}",
            "Fault {code} ({status})\n{system} / {facility}\n{item}\nRecord: {record}\nHandling:\n{history}",
        ),
        "own.pick_facility": ("一键报修：请选择设施", "Report a problem: choose the facility"),
        "own.no_facility": ("该项目没有登记消防设施。", "The project has no facility."),
        "own.ask_location": (
            "设施：{facility}\n请输入具体位置（如：B1 消防水泵房）：",
            "Facility: {facility}\nType where exactly (e.g. B1 pump room):",
        ),
        "own.ask_description": ("请描述问题：", "Describe the problem:"),
        "own.ask_photo": ("请发送一张现场照片，或点击跳过：", "Send a photo, or skip:"),
        "own.btn_nophoto": ("跳过照片", "Skip photo"),
        "own.photo_kept": ("📷 照片已收到。", "📷 Photo received."),
        "own.ask_route": ("请选择处理方式：", "How should it be handled?"),
        "own.btn_internal": ("🏠 内部处理", "🏠 Handle internally"),
        "own.btn_agency": ("📤 发送给维保单位", "📤 Send to the agency"),
        "own.confirm": (
            "请确认报修：\n设施：{facility}\n位置：{location}\n问题：{description}\n照片：{photo}\n处理：{route}",
            "Please confirm:\nFacility: {facility}\nWhere: {location}\nProblem: {description}\n"
            "Photo: {photo}\n"
            "Handling: {route}",
        ),
        "own.btn_confirm": ("✅ 确认提交", "✅ Submit"),
        "own.btn_cancel": ("取消", "Cancel"),
        "own.yes": ("有", "yes"),
        "own.no": ("无", "no"),
        "own.filed_agency": (
            "✅ 已报修 {code}，已发送维保单位（故障 {fault}）— {at}",
            "✅ Repair request {code} sent to the agency (fault {fault}) — {at}",
        ),
        "own.filed_internal": (
            "✅ 已报修 {code}（内部处理）— {at}",
            "✅ Repair request {code} recorded (internal) — {at}",
        ),
        "own.repairs": ("报修记录：", "Repair requests:"),
        "own.repairs_none": ("还没有报修记录。", "No repair requests yet."),
        "own.repair_line": (
            "• {code} {facility}（{location}）：{status}",
            "• {code} {facility} ({location}): {status}",
        ),
        "own.expect_photo": ("请发送照片，或点击跳过。", "Send a photo, or skip."),
        "own.expect_button": ("请点击上方按钮选择。", "Please use the buttons above."),
        "own.rs.generated": ("待备案", "awaiting filing"),
        "own.rs.filed": ("已备案", "filed"),
        "own.ps.active": ("服务中", "active"),
        "own.ps.terminated": ("已终止", "terminated"),
        "own.ps.completed": ("已完成", "completed"),
        "own.fs.pending": ("待处理", "pending"),
        "own.fs.investigating": ("排查中", "investigating"),
        "own.fs.repairing": ("维修中", "repairing"),
        "own.fs.resolved": ("已解决", "resolved"),
        "own.fs.refused": ("业主不同意维修", "repair refused"),
        "own.fs.out_of_scope": ("不在合同范围内", "out of scope"),
        "own.fs.negotiating": ("与业主沟通中", "negotiating"),
        "own.qs.handled_internally": ("内部处理中", "handled internally"),
        "own.qs.sent_to_agency": ("已发送维保单位", "sent to the agency"),
        "own.qs.closed": ("已关闭", "closed"),
    }
)

Fmt = Callable[[datetime | None], str]


def label(prefix: str, value: str, lang: str) -> str:
    """``prefix.value`` from the catalog, or the raw value when it has no entry."""
    text = t(f"{prefix}.{value}", lang)
    return value if text == f"{prefix}.{value}" else text


def stars(n: int) -> str:
    """``★★★★☆`` for 4 of 5."""
    return "★" * n + "☆" * (5 - n)


def projects_card(projects: list[ProjectRead], lang: str, *, verb: str = "proj") -> Card:
    """One button per project (``owner:proj`` or, for the repair menu, ``repair:new``)."""
    noun = "repair" if verb == "new" else "owner"
    rows = [[Button(f"🏢 {p.name}", encode(noun, verb, p.id))] for p in projects]
    key = ("own.pick_project" if verb == "new" else "own.projects") if rows else "own.projects_none"
    return Card(t(key, lang), buttons=rows)


def project_card(p: ProjectRead, lang: str) -> Card:
    """A project with buttons to its reports, faults, one-tap repair and repair requests."""
    text = t(
        "own.project",
        lang,
        code=p.code,
        name=p.name,
        address=p.address,
        lead=p.lead_name,
        status=label("own.ps", p.status, lang),
    )
    rows = [
        [
            Button(t("own.btn_reports", lang), encode("owner", "rpts", p.id)),
            Button(t("own.btn_faults", lang), encode("owner", "flts", p.id)),
        ],
        [
            Button(t("own.btn_repair", lang), encode("repair", "new", p.id)),
            Button(t("own.btn_repairs", lang), encode("repair", "list", p.id)),
        ],
    ]
    return Card(text, buttons=rows)


def reports_card(reports: list[ReportRead], lang: str) -> Card:
    """One button per live report."""
    rows = [
        [
            Button(
                t(
                    "own.report_btn",
                    lang,
                    code=r.code,
                    title=r.title,
                    status=label("own.rs", r.status, lang),
                ),
                encode("owner", "rpt", r.id),
            )
        ]
        for r in reports
    ]
    return Card(t("own.reports" if rows else "own.reports_none", lang), buttons=rows)


def report_card(
    report: ReportRead,
    name: str,
    pdf: bytes,
    rating: ServiceRatingRead | None,
    lang: str,
    *,
    can_rate: bool = False,
) -> Card:
    """The report as a PDF document; ``can_rate`` (the domain's answer: an owner contact, the report
    filed and not rated yet) adds the confirm-and-rate button."""
    rated = t("own.rated", lang, stars=stars(rating.rating), comment=rating.comment) if rating else ""
    text = t(
        "own.report",
        lang,
        code=report.code,
        revision=report.revision,
        title=report.title,
        status=label("own.rs", report.status, lang),
        rating=rated,
    )
    rows = []
    if can_rate:
        rows.append([Button(t("own.btn_rate", lang), encode("owner", "rate", report.id))])
    return Card(text, buttons=rows, document=(name, pdf))


def stars_card(report_id: uuid.UUID, code: str, lang: str) -> Card:
    """Five buttons, one to five stars."""
    return Card(
        t("own.ask_stars", lang, code=code),
        buttons=[[Button(stars(n), encode("owner", "star", report_id, n))] for n in range(5, 0, -1)],
    )


def fault_card(f: FaultRead, lang: str, fmt: Fmt) -> Card:
    """A fault with its handling history (处理经过)."""
    history = "\n".join(
        f"{fmt(e.at)} {e.step}"
        + (f"（{e.person_name}）" if e.person_name else "")
        + (f"：{e.note}" if e.note else "")
        for e in f.history
    )
    return Card(
        t(
            "own.fault",
            lang,
            code=f.code,
            status=label("own.fs", f.status, lang),
            system=f.system,
            facility=f.facility,
            item=f.item,
            record=f.measured_record,
            history=history or "—",
        )
    )


def facilities_card(project_id: uuid.UUID, facilities: list[tuple[uuid.UUID, str, str]], lang: str) -> Card:
    """The project's facilities, two per row (button ``arg`` = index)."""
    if not facilities:
        return Card(t("own.no_facility", lang))
    buttons = [
        Button(name, encode("repair", "fac", project_id, i)) for i, (_, name, _sys) in enumerate(facilities)
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([Button(t("own.btn_cancel", lang), encode("repair", "no", project_id))])
    return Card(t("own.pick_facility", lang), buttons=rows)


def photo_prompt(project_id: uuid.UUID, lang: str) -> Card:
    """Ask for a photo, with a skip button."""
    return Card(
        t("own.ask_photo", lang),
        buttons=[[Button(t("own.btn_nophoto", lang), encode("repair", "nophoto", project_id))]],
    )


def route_card(project_id: uuid.UUID, lang: str) -> Card:
    """Internal or to the agency."""
    return Card(
        t("own.ask_route", lang),
        buttons=[
            [Button(t("own.btn_internal", lang), encode("repair", "route", project_id, "internal"))],
            [Button(t("own.btn_agency", lang), encode("repair", "route", project_id, "agency"))],
        ],
    )


def confirm_card(project_id: uuid.UUID, data: dict[str, object], lang: str) -> Card:
    """Everything typed so far, with submit and cancel."""
    route = t("own.btn_agency" if data.get("route") == "agency" else "own.btn_internal", lang)
    text = t(
        "own.confirm",
        lang,
        facility=data.get("facility", ""),
        location=data.get("location", ""),
        description=data.get("description", ""),
        photo=t("own.yes" if data.get("file_id") else "own.no", lang),
        route=route,
    )
    return Card(
        text,
        buttons=[
            [
                Button(t("own.btn_confirm", lang), encode("repair", "ok", project_id)),
                Button(t("own.btn_cancel", lang), encode("repair", "no", project_id)),
            ]
        ],
    )


def repairs_card(requests: list[RepairRequestRead], lang: str) -> Card:
    """The project's repair requests, one line each."""
    if not requests:
        return Card(t("own.repairs_none", lang))
    lines = [
        t(
            "own.repair_line",
            lang,
            code=r.code,
            facility=r.facility,
            location=r.location,
            status=label("own.qs", r.status, lang)
            + (f" · {r.fault_code} {label('own.fs', r.fault_status or '', lang)}" if r.fault_code else ""),
        )
        for r in requests
    ]
    return Card("\n".join([t("own.repairs", lang), *lines]))
