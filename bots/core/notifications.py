"""Render outbox notifications (``OutboxMessage.kind`` + ``payload``) to cards, channel-neutral.

Every kind the domain sends (:data:`workflows.notifications.events.NOTIFICATION_KINDS`) has a
:class:`KindSpec` here: a title and a body from the message catalog (``notify.<kind>…``, Chinese and
English) filled from the payload's raw fields, and the button(s) that fit the **recipient**: the
person the card is for, with their roles. A fault's disposition reaches its investigation leader as
"open your task", the project lead as the lead's fault card and owner contacts as the owner's fault
card with its handling history; a filed report reaches the lead as the lead's report card and owner
contacts as the PDF they can confirm and rate. A kind without a spec (added to the domain later)
falls back to the payload's own Chinese title and body with a menu button.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bots.core.callbacks import encode
from bots.core.cards import Button, Card
from bots.core.i18n import register, t
from workflows.chat.service import ChatRecipient

Payload = Mapping[str, Any]
Params = Callable[[Payload, str], dict[str, object]]
Text = Callable[[Payload, ChatRecipient, str], str]
Actions = Callable[[Payload, ChatRecipient, str], list[Button]]

register(
    {
        "notify.btn.menu": ("打开待办", "Open my work"),
        "notify.btn.lines": ("📋 查看计划项", "📋 Open the lines"),
        "notify.btn.review": ("📥 审核", "📥 Review"),
        "notify.btn.task": ("🔧 查看任务", "🔧 Open the task"),
        "notify.btn.rework": ("✏️ 返工", "✏️ Rework"),
        "notify.btn.my_fault_task": ("🔧 打开我的任务", "🔧 Open my task"),
        "notify.btn.fault": ("⚠️ 查看故障", "⚠️ Open the fault"),
        "notify.btn.dispose": ("⚠️ 处理故障", "⚠️ Dispose the fault"),
        "notify.btn.history": ("📜 查看处理经过", "📜 See the handling"),
        "notify.btn.report": ("📄 查看报告", "📄 Open the report"),
        "notify.btn.file": ("🗂 查看并备案", "🗂 Open and file"),
        "notify.btn.owner_report": ("📄 查看报告（PDF）", "📄 Open the report (PDF)"),
        "notify.btn.plan": ("📋 下发计划", "📋 Issue the plan"),
        "notify.btn.suspension": ("⏸ 审批", "⏸ Decide"),
        "notify.btn.faults": ("⚠️ 查看故障", "⚠️ See the faults"),
        "notify.task.issued.title": ("📋 新的计划任务", "📋 New plan lines"),
        "notify.task.issued.body": (
            "{project}：{plan}下发给您 {n} 个计划项，请于 {end} 前执行。",
            "{project}: {n} lines of {plan} were issued to you; carry them out by {end}.",
        ),
        "notify.task.submitted.title": ("📥 任务待审核", "📥 Task to review"),
        "notify.task.submitted.body": (
            "{project}：{executor} 提交了任务 {code}（第 {round} 轮）{faults}，请审核。",
            "{project}: {executor} submitted task {code} (round {round}){faults}; please review it.",
        ),
        "notify.task.submitted.faults": ("，发现 {n} 项故障", ", {n} faults found"),
        "notify.task.reviewed.approve.title": ("✅ 任务审核通过", "✅ Task approved"),
        "notify.task.reviewed.approve.body": (
            "{project}：任务 {code} 已由 {reviewer} 审核通过。",
            "{project}: task {code} was approved by {reviewer}.",
        ),
        "notify.task.reviewed.reject.title": ("↩️ 任务被退回", "↩️ Task returned"),
        "notify.task.reviewed.reject.body": (
            "{project}：任务 {code} 未通过审核（{reviewer}）。\n意见：{opinion}\n请修改后重新提交。",
            "{project}: task {code} was returned by {reviewer}.\nOpinion: {opinion}\n"
            "Please fix it and submit again.",
        ),
        "notify.fault.disposed.title": ("⚠️ 故障已处理", "⚠️ Fault disposed"),
        "notify.fault.disposed.body": (
            "{project}：故障 {code} 的处理方式：{kind}。{detail}",
            "{project}: fault {code} was disposed: {kind}. {detail}",
        ),
        "notify.fault.disposed.led.investigate.title": ("🔍 新的排查任务", "🔍 New investigation task"),
        "notify.fault.disposed.led.owner_approved_repair.title": ("🛠 新的维修任务", "🛠 New repair task"),
        "notify.fault.disposed.led.body": (
            "{project}：故障 {code}（{kind}）由您负责。{detail}",
            "{project}: you lead fault {code} ({kind}). {detail}",
        ),
        "notify.report.generated.title": ("📄 报告待备案", "📄 Report to file"),
        "notify.report.generated.body": (
            "{project}：{plan}的报告 {code}（第 {revision} 版）已生成，请于 {due} 前备案（R-FILE-1）。",
            "{project}: report {code} of {plan} (revision {revision}) was generated; "
            "file it by {due} (R-FILE-1).",
        ),
        "notify.report.filed.title": ("🗂 报告已备案", "🗂 Report filed"),
        "notify.report.filed.body": (
            "{project}：报告 {code} 已由 {who} 备案{late}。",
            "{project}: report {code} was filed by {who}{late}.",
        ),
        "notify.report.filed.late": ("（逾期备案）", " (filed late)"),
        "notify.suspension.decided.approved.title": ("⏸ 暂停申请已批准", "⏸ Suspension approved"),
        "notify.suspension.decided.rejected.title": ("⏸ 暂停申请已驳回", "⏸ Suspension rejected"),
        "notify.suspension.decided.approved.body": (
            "{project}：{month} 的暂停申请已批准，该月不做计划和报告。{opinion}",
            "{project}: the suspension of {month} was approved; the month gets no plan and no "
            "report. {opinion}",
        ),
        "notify.suspension.decided.rejected.body": (
            "{project}：{month} 的暂停申请已驳回。{opinion}",
            "{project}: the suspension of {month} was rejected. {opinion}",
        ),
        "notify.opinion": ("审批意见：{opinion}", "Opinion: {opinion}"),
        "notify.repair_request.received.title": ("🛠 业主报修 {code}", "🛠 Owner repair request {code}"),
        "notify.repair_request.received.body": (
            "{project}：业主报修「{facility}」（{location}），请处理故障 {code}。",
            "{project}: the owner reports a problem with “{facility}” ({location}); dispose fault {code}.",
        ),
        "notify.reminder.plan_issue_due.title": ("⏰ 请按时下发本月计划", "⏰ Issue this month's plan"),
        "notify.reminder.plan_issue_overdue.title": ("⏰ 计划下发已逾期", "⏰ Plan issue overdue"),
        "notify.reminder.plan_issue.body": (
            "{project}：{month} 的维护保养计划{state}，应于 {due} 前下发。",
            "{project}: the maintenance plan of {month} {state}; it is due by {due}.",
        ),
        "notify.reminder.plan_issue.missing": ("尚未制定", "has not been made"),
        "notify.reminder.plan_issue.partial": ("尚未全部下发", "is not fully issued"),
        "notify.reminder.tasks_due.title": ("⏰ 本月任务即将到期", "⏰ Plan tasks due soon"),
        "notify.reminder.tasks_due.today_title": ("⏰ 本月任务今天到期", "⏰ Plan tasks due today"),
        "notify.reminder.tasks_due.body": (
            "{project}：{plan}还有 {n} 个计划项未提交，{when}截止；逾期当月报告不能生成（R-RPT-1）。",
            "{project}: {n} lines of {plan} are not submitted; they are due {when}. After that the "
            "month's report cannot be generated (R-RPT-1).",
        ),
        "notify.reminder.tasks_due.today": ("今天", "today"),
        "notify.reminder.tasks_due.in_days": ("{d} 天后（{end}）", "in {d} days ({end})"),
        "notify.reminder.review_due.title": ("⏰ 任务待审核已超时", "⏰ Review overdue"),
        "notify.reminder.review_due.body": (
            "{project}：任务 {code}（第 {round} 轮）提交已超过审核期限，请尽快审核。",
            "{project}: task {code} (round {round}) has waited longer than the review deadline; "
            "please review it.",
        ),
        "notify.reminder.filing_due.title": ("⏰ 报告待备案提醒", "⏰ Report filing due"),
        "notify.reminder.filing_due.body": (
            "{project}：报告 {code} 请于 {due} 前备案（R-FILE-1）。",
            "{project}: file report {code} by {due} (R-FILE-1).",
        ),
        "notify.reminder.filing_overdue.title": ("⏰ 报告备案已逾期", "⏰ Report filing overdue"),
        "notify.reminder.filing_overdue.body": (
            "{project}：报告 {code} 备案已逾期（期限 {due}），请立即备案（R-FILE-1）。",
            "{project}: report {code} is overdue for filing (deadline {due}); file it now (R-FILE-1).",
        ),
        "notify.reminder.suspension_decision_due.title": (
            "⏰ 暂停申请今天到期",
            "⏰ Suspension decision due today",
        ),
        "notify.reminder.suspension_decision_overdue.title": (
            "⏰ 暂停申请审批已超时",
            "⏰ Suspension decision overdue",
        ),
        "notify.reminder.suspension.body": (
            "{project}：{month} 的暂停申请 {code} 等待您审批。",
            "{project}: suspension request {code} for {month} waits for your decision.",
        ),
        "notify.reminder.fault_digest.title": ("📊 未解决故障月度汇总", "📊 Monthly digest of open faults"),
        "notify.reminder.fault_digest.body": (
            "{project}：与业主沟通中的故障 {negotiating} 项，业主不同意维修的故障 {refused} 项。{codes}",
            "{project}: {negotiating} faults negotiating with the owner, {refused} refused by the "
            "owner. {codes}",
        ),
        "notify.reminder.contract_ending.title": ("📅 合同即将到期", "📅 Contract ending"),
        "notify.reminder.contract_ending.body": (
            "合同“{name}”将于 {ends} 到期，请及时续签或办理项目完成。",
            "Contract “{name}” ends on {ends}; renew it or complete its projects.",
        ),
    }
)


@dataclass(frozen=True)
class KindSpec:
    """How one notification kind renders.

    Attributes:
        title: ``(payload, recipient, lang) -> title`` (a catalog text).
        body: ``(payload, recipient, lang) -> body`` (a catalog text filled from the payload).
        actions: ``(payload, recipient, lang) -> buttons`` (one row each) fitting the recipient.
    """

    title: Text
    body: Text
    actions: Actions


def _s(payload: Payload, key: str, default: str = "") -> str:
    value = payload.get(key)
    return default if value is None else str(value)


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def _month(value: Any) -> str:
    return str(value or "")[:7]


def _button(label: str, lang: str, noun: str, verb: str, target: Any) -> list[Button]:
    """One button to ``noun:verb:<target>``, or nothing when the payload lacks a valid id."""
    tid = _uuid(target)
    return [] if tid is None else [Button(t(label, lang), encode(noun, verb, tid))]


def _menu(recipient: ChatRecipient, lang: str, verb: str = "home") -> list[Button]:
    return [Button(t("notify.btn.menu", lang), encode("menu", verb, recipient.person_id))]


def _owner(recipient: ChatRecipient) -> bool:
    return "owner_contact" in recipient.roles


def _fixed(key: str) -> Text:
    return lambda _p, _r, lang: t(key, lang)


def _text(key: str, params: Params) -> Text:
    return lambda p, _r, lang: t(key, lang, **params(p, lang))


def _kind_label(p: Payload, lang: str) -> str:
    kind = _s(p, "disposition", "negotiating")
    return t(f"disp.{kind}", lang)


def _led(p: Payload, recipient: ChatRecipient) -> bool:
    """The recipient leads the investigation/repair the disposition created."""
    return _s(p, "disposition") in ("investigate", "owner_approved_repair") and _s(p, "leader_id") == str(
        recipient.person_id
    )


register(
    {
        "disp.investigate": ("排查", "investigate"),
        "disp.owner_approved_repair": ("业主同意维修", "owner-approved repair"),
        "disp.owner_refused_repair": ("业主不同意维修", "owner refused repair"),
        "disp.out_of_scope": ("不在合同范围内", "out of contract scope"),
        "disp.negotiating": ("与业主沟通中", "negotiating with the owner"),
    }
)


def _task_issued() -> KindSpec:
    def params(p: Payload, _lang: str) -> dict[str, object]:
        return {
            "project": _s(p, "project_name"),
            "plan": _s(p, "plan_name"),
            "n": _s(p, "line_count", "0"),
            "end": _s(p, "period_end"),
        }

    return KindSpec(
        _fixed("notify.task.issued.title"),
        _text("notify.task.issued.body", params),
        lambda p, r, lang: (
            _button("notify.btn.lines", lang, "line", "list", p.get("plan_id")) or _menu(r, lang)
        ),
    )


def _task_submitted() -> KindSpec:
    def params(p: Payload, lang: str) -> dict[str, object]:
        n = int(p.get("fault_count") or 0)
        return {
            "project": _s(p, "project_name"),
            "executor": _s(p, "executor_name"),
            "code": _s(p, "task_code"),
            "round": _s(p, "round", "1"),
            "faults": t("notify.task.submitted.faults", lang, n=n) if n else "",
        }

    return KindSpec(
        _fixed("notify.task.submitted.title"),
        _text("notify.task.submitted.body", params),
        lambda p, r, lang: (
            _button("notify.btn.review", lang, "rev", "open", p.get("task_id")) or _menu(r, lang)
        ),
    )


def _task_reviewed() -> KindSpec:
    def verdict(p: Payload) -> str:
        return "approve" if _s(p, "verdict") == "approve" else "reject"

    def body(p: Payload, _r: ChatRecipient, lang: str) -> str:
        return t(
            f"notify.task.reviewed.{verdict(p)}.body",
            lang,
            project=_s(p, "project_name"),
            code=_s(p, "task_code"),
            reviewer=_s(p, "reviewer_name"),
            opinion=_s(p, "opinion") or "—",
        )

    def actions(p: Payload, r: ChatRecipient, lang: str) -> list[Button]:
        label = "notify.btn.task" if verdict(p) == "approve" else "notify.btn.rework"
        return _button(label, lang, "task", "open", p.get("task_id")) or _menu(r, lang)

    return KindSpec(lambda p, _r, lang: t(f"notify.task.reviewed.{verdict(p)}.title", lang), body, actions)


def _fault_disposed() -> KindSpec:
    def detail(p: Payload) -> str:
        return _s(p, "explanation") or _s(p, "repair_plan")

    def title(p: Payload, r: ChatRecipient, lang: str) -> str:
        if _led(p, r):
            return t(f"notify.fault.disposed.led.{_s(p, 'disposition')}.title", lang)
        return t("notify.fault.disposed.title", lang)

    def body(p: Payload, r: ChatRecipient, lang: str) -> str:
        key = "notify.fault.disposed.led.body" if _led(p, r) else "notify.fault.disposed.body"
        return t(
            key,
            lang,
            project=_s(p, "project_name"),
            code=_s(p, "fault_code"),
            kind=_kind_label(p, lang),
            detail=detail(p),
        ).strip()

    def actions(p: Payload, r: ChatRecipient, lang: str) -> list[Button]:
        fault = p.get("fault_id")
        if _led(p, r):
            return _button("notify.btn.my_fault_task", lang, "task", "flt", fault) or _menu(r, lang)
        if _owner(r):
            return _button("notify.btn.history", lang, "owner", "flt", fault) or _menu(r, lang)
        return _button("notify.btn.fault", lang, "fault", "open", fault) or _menu(r, lang)

    return KindSpec(title, body, actions)


def _report_generated() -> KindSpec:
    def params(p: Payload, _lang: str) -> dict[str, object]:
        return {
            "project": _s(p, "project_name"),
            "plan": _s(p, "plan_name"),
            "code": _s(p, "report_code"),
            "revision": _s(p, "revision", "1"),
            "due": _s(p, "filing_due_on"),
        }

    return KindSpec(
        _fixed("notify.report.generated.title"),
        _text("notify.report.generated.body", params),
        lambda p, r, lang: (
            _button("notify.btn.file", lang, "rpt", "open", p.get("report_id")) or _menu(r, lang)
        ),
    )


def _report_filed() -> KindSpec:
    def params(p: Payload, lang: str) -> dict[str, object]:
        return {
            "project": _s(p, "project_name"),
            "code": _s(p, "report_code"),
            "who": _s(p, "filed_by_name"),
            "late": t("notify.report.filed.late", lang) if p.get("late") else "",
        }

    def actions(p: Payload, r: ChatRecipient, lang: str) -> list[Button]:
        report = p.get("report_id")
        if _owner(r):
            return _button("notify.btn.owner_report", lang, "owner", "rpt", report) or _menu(r, lang)
        return _button("notify.btn.report", lang, "rpt", "open", report) or _menu(r, lang)

    return KindSpec(_fixed("notify.report.filed.title"), _text("notify.report.filed.body", params), actions)


def _suspension_decided() -> KindSpec:
    def state(p: Payload) -> str:
        return "approved" if p.get("approved") else "rejected"

    def body(p: Payload, _r: ChatRecipient, lang: str) -> str:
        opinion = _s(p, "opinion")
        return t(
            f"notify.suspension.decided.{state(p)}.body",
            lang,
            project=_s(p, "project_name"),
            month=_month(p.get("month")),
            opinion=t("notify.opinion", lang, opinion=opinion) if opinion else "",
        ).strip()

    return KindSpec(
        lambda p, _r, lang: t(f"notify.suspension.decided.{state(p)}.title", lang),
        body,
        lambda _p, r, lang: _menu(r, lang),
    )


def _repair_received() -> KindSpec:
    def params(p: Payload, _lang: str) -> dict[str, object]:
        return {
            "project": _s(p, "project_name"),
            "facility": _s(p, "facility"),
            "location": _s(p, "location"),
            "code": _s(p, "fault_code"),
        }

    return KindSpec(
        lambda p, _r, lang: t("notify.repair_request.received.title", lang, code=_s(p, "fault_code")),
        _text("notify.repair_request.received.body", params),
        lambda p, r, lang: (
            _button("notify.btn.dispose", lang, "fault", "open", p.get("fault_id")) or _menu(r, lang)
        ),
    )


def _plan_issue(kind: str) -> KindSpec:
    def params(p: Payload, lang: str) -> dict[str, object]:
        state = "partial" if p.get("plan_id") else "missing"
        return {
            "project": _s(p, "project_name"),
            "month": _month(p.get("month")),
            "state": t(f"notify.reminder.plan_issue.{state}", lang),
            "due": _s(p, "due_on"),
        }

    return KindSpec(
        _fixed(f"notify.{kind}.title"),
        _text("notify.reminder.plan_issue.body", params),
        lambda p, r, lang: (
            _button("notify.btn.plan", lang, "plan", "open", p.get("plan_id")) or _menu(r, lang)
        ),
    )


def _tasks_due() -> KindSpec:
    def days(p: Payload) -> int:
        return int(p.get("days_left") or 0)

    def params(p: Payload, lang: str) -> dict[str, object]:
        d = days(p)
        when = (
            t("notify.reminder.tasks_due.today", lang)
            if d == 0
            else t("notify.reminder.tasks_due.in_days", lang, d=d, end=_s(p, "period_end"))
        )
        return {
            "project": _s(p, "project_name"),
            "plan": _s(p, "plan_name"),
            "n": _s(p, "open_lines", "0"),
            "when": when,
        }

    def actions(p: Payload, r: ChatRecipient, lang: str) -> list[Button]:
        if "field_operator" in r.roles:
            return _button("notify.btn.lines", lang, "line", "list", p.get("plan_id")) or _menu(r, lang)
        return _menu(r, lang)

    return KindSpec(
        lambda p, _r, lang: t(
            "notify.reminder.tasks_due.title" if days(p) else "notify.reminder.tasks_due.today_title", lang
        ),
        _text("notify.reminder.tasks_due.body", params),
        actions,
    )


def _review_due() -> KindSpec:
    def params(p: Payload, _lang: str) -> dict[str, object]:
        return {"project": _s(p, "project_name"), "code": _s(p, "task_code"), "round": _s(p, "round", "1")}

    return KindSpec(
        _fixed("notify.reminder.review_due.title"),
        _text("notify.reminder.review_due.body", params),
        lambda p, r, lang: (
            _button("notify.btn.review", lang, "rev", "open", p.get("task_id")) or _menu(r, lang)
        ),
    )


def _filing(kind: str) -> KindSpec:
    def params(p: Payload, _lang: str) -> dict[str, object]:
        return {"project": _s(p, "project_name"), "code": _s(p, "report_code"), "due": _s(p, "filing_due_on")}

    return KindSpec(
        _fixed(f"notify.{kind}.title"),
        _text(f"notify.{kind}.body", params),
        lambda p, r, lang: (
            _button("notify.btn.file", lang, "rpt", "open", p.get("report_id")) or _menu(r, lang)
        ),
    )


def _suspension_due(kind: str) -> KindSpec:
    def params(p: Payload, _lang: str) -> dict[str, object]:
        return {
            "project": _s(p, "project_name"),
            "month": _month(p.get("month")),
            "code": _s(p, "suspension_code"),
        }

    return KindSpec(
        _fixed(f"notify.{kind}.title"),
        _text("notify.reminder.suspension.body", params),
        lambda p, r, lang: (
            _button("notify.btn.suspension", lang, "susp", "open", p.get("suspension_id")) or _menu(r, lang)
        ),
    )


def _fault_digest() -> KindSpec:
    def params(p: Payload, _lang: str) -> dict[str, object]:
        negotiating = list(p.get("negotiating") or [])
        refused = list(p.get("refused") or [])
        return {
            "project": _s(p, "project_name"),
            "negotiating": len(negotiating),
            "refused": len(refused),
            "codes": "、".join(str(c) for c in [*negotiating, *refused]),
        }

    def actions(p: Payload, r: ChatRecipient, lang: str) -> list[Button]:
        if _owner(r):
            return _button("notify.btn.faults", lang, "owner", "flts", p.get("project_id")) or _menu(r, lang)
        return [Button(t("notify.btn.faults", lang), encode("menu", "faults", r.person_id))]

    return KindSpec(
        _fixed("notify.reminder.fault_digest.title"),
        _text("notify.reminder.fault_digest.body", params),
        actions,
    )


def _contract_ending() -> KindSpec:
    def params(p: Payload, _lang: str) -> dict[str, object]:
        return {"name": _s(p, "contract_name"), "ends": _s(p, "ends_on")}

    return KindSpec(
        _fixed("notify.reminder.contract_ending.title"),
        _text("notify.reminder.contract_ending.body", params),
        lambda _p, r, lang: _menu(r, lang),
    )


SPECS: dict[str, KindSpec] = {
    "task.issued": _task_issued(),
    "task.submitted": _task_submitted(),
    "task.reviewed": _task_reviewed(),
    "fault.disposed": _fault_disposed(),
    "report.generated": _report_generated(),
    "report.filed": _report_filed(),
    "suspension.decided": _suspension_decided(),
    "repair_request.received": _repair_received(),
    "reminder.plan_issue_due": _plan_issue("reminder.plan_issue_due"),
    "reminder.plan_issue_overdue": _plan_issue("reminder.plan_issue_overdue"),
    "reminder.tasks_due": _tasks_due(),
    "reminder.review_due": _review_due(),
    "reminder.filing_due": _filing("reminder.filing_due"),
    "reminder.filing_overdue": _filing("reminder.filing_overdue"),
    "reminder.suspension_decision_due": _suspension_due("reminder.suspension_decision_due"),
    "reminder.suspension_decision_overdue": _suspension_due("reminder.suspension_decision_overdue"),
    "reminder.fault_digest": _fault_digest(),
    "reminder.contract_ending": _contract_ending(),
}
"""Every kind the domain sends (checked against the domain's list by the tests)."""


def register_renderer(kind: str, spec: KindSpec) -> None:
    """Render ``kind`` with ``spec`` (a feature adding or customising a kind)."""
    SPECS[kind] = spec


def render_notification(kind: str, payload: Payload, recipient: ChatRecipient) -> Card:
    """The card of one notification for its recipient, in the recipient's language.

    Args:
        kind: ``OutboxMessage.kind`` (``task.submitted``, ``reminder.filing_due`` …).
        payload: The row's JSON payload (raw ids and fields; ``title``/``body`` are the Chinese
            fallback of kinds without a spec).
        recipient: Who the card is for: their person id, language and roles pick the actions.

    Returns:
        A card of at most 4000 characters with one button per row.
    """
    lang = recipient.language
    spec = SPECS.get(kind)
    if spec is None:
        text = f"{_s(payload, 'title', kind)}\n{_s(payload, 'body')}".strip()
        return Card(text=text[:4000], buttons=[_menu(recipient, lang)])
    title = spec.title(payload, recipient, lang)
    body = spec.body(payload, recipient, lang)
    buttons = spec.actions(payload, recipient, lang)
    return Card(text=f"{title}\n{body}".strip()[:4000], buttons=[[b] for b in buttons])
