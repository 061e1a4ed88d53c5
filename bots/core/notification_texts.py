"""Titles and bodies of pushes: per outbox kind, the catalog texts (:mod:`bots.core.notification_catalog`)
filled from the payload's raw fields in the recipient's language. The buttons are chosen by
:mod:`bots.core.notifications`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bots.core.i18n import disposition_label, register, t
from bots.core.notification_catalog import NOTIFICATION_CATALOG
from workflows.chat.service import ChatRecipient

Payload = Mapping[str, Any]
Params = Callable[[Payload, str], dict[str, object]]
Text = Callable[[Payload, ChatRecipient, str], str]
"""``(payload, recipient, lang) -> text``."""
TitleBody = tuple[Text, Text]

register(NOTIFICATION_CATALOG)


def field_text(payload: Payload, key: str, default: str = "") -> str:
    """``payload[key]`` as text (``default`` when missing or null)."""
    value = payload.get(key)
    return default if value is None else str(value)


def leads_disposition(p: Payload, recipient: ChatRecipient) -> bool:
    """The recipient leads the investigation/repair the disposition created (R-FAULT)."""
    return field_text(p, "disposition") in ("investigate", "owner_approved_repair") and field_text(
        p, "leader_id"
    ) == str(recipient.person_id)


def _month(value: Any) -> str:
    return str(value or "")[:7]


def _fixed(key: str) -> Text:
    return lambda _p, _r, lang: t(key, lang)


def _text(key: str, params: Params) -> Text:
    return lambda p, _r, lang: t(key, lang, **params(p, lang))


def _task_issued() -> TitleBody:
    def params(p: Payload, _lang: str) -> dict[str, object]:
        return {
            "project": field_text(p, "project_name"),
            "plan": field_text(p, "plan_name"),
            "n": field_text(p, "line_count", "0"),
            "end": field_text(p, "period_end"),
        }

    return _fixed("notify.task.issued.title"), _text("notify.task.issued.body", params)


def _task_submitted() -> TitleBody:
    def params(p: Payload, lang: str) -> dict[str, object]:
        n = int(p.get("fault_count") or 0)
        return {
            "project": field_text(p, "project_name"),
            "executor": field_text(p, "executor_name"),
            "code": field_text(p, "task_code"),
            "round": field_text(p, "round", "1"),
            "faults": t("notify.task.submitted.faults", lang, n=n) if n else "",
        }

    return _fixed("notify.task.submitted.title"), _text("notify.task.submitted.body", params)


def _task_reviewed() -> TitleBody:
    def verdict(p: Payload) -> str:
        return "approve" if field_text(p, "verdict") == "approve" else "reject"

    def body(p: Payload, _r: ChatRecipient, lang: str) -> str:
        return t(
            f"notify.task.reviewed.{verdict(p)}.body",
            lang,
            project=field_text(p, "project_name"),
            code=field_text(p, "task_code"),
            reviewer=field_text(p, "reviewer_name"),
            opinion=field_text(p, "opinion") or "—",
        )

    return lambda p, _r, lang: t(f"notify.task.reviewed.{verdict(p)}.title", lang), body


def _fault_disposed() -> TitleBody:
    def title(p: Payload, r: ChatRecipient, lang: str) -> str:
        if leads_disposition(p, r):
            return t(f"notify.fault.disposed.led.{field_text(p, 'disposition')}.title", lang)
        return t("notify.fault.disposed.title", lang)

    def body(p: Payload, r: ChatRecipient, lang: str) -> str:
        key = "notify.fault.disposed.led.body" if leads_disposition(p, r) else "notify.fault.disposed.body"
        return t(
            key,
            lang,
            project=field_text(p, "project_name"),
            code=field_text(p, "fault_code"),
            kind=disposition_label(field_text(p, "disposition", "negotiating"), lang),
            detail=field_text(p, "explanation") or field_text(p, "repair_plan"),
        ).strip()

    return title, body


def _report_generated() -> TitleBody:
    def params(p: Payload, _lang: str) -> dict[str, object]:
        return {
            "project": field_text(p, "project_name"),
            "plan": field_text(p, "plan_name"),
            "code": field_text(p, "report_code"),
            "revision": field_text(p, "revision", "1"),
            "due": field_text(p, "filing_due_on"),
        }

    return _fixed("notify.report.generated.title"), _text("notify.report.generated.body", params)


def _report_filed() -> TitleBody:
    def params(p: Payload, lang: str) -> dict[str, object]:
        return {
            "project": field_text(p, "project_name"),
            "code": field_text(p, "report_code"),
            "who": field_text(p, "filed_by_name"),
            "late": t("notify.report.filed.late", lang) if p.get("late") else "",
        }

    return _fixed("notify.report.filed.title"), _text("notify.report.filed.body", params)


def _suspension_decided() -> TitleBody:
    def state(p: Payload) -> str:
        return "approved" if p.get("approved") else "rejected"

    def body(p: Payload, _r: ChatRecipient, lang: str) -> str:
        opinion = field_text(p, "opinion")
        return t(
            f"notify.suspension.decided.{state(p)}.body",
            lang,
            project=field_text(p, "project_name"),
            month=_month(p.get("month")),
            opinion=t("notify.opinion", lang, opinion=opinion) if opinion else "",
        ).strip()

    return lambda p, _r, lang: t(f"notify.suspension.decided.{state(p)}.title", lang), body


def _repair_received() -> TitleBody:
    def params(p: Payload, _lang: str) -> dict[str, object]:
        return {
            "project": field_text(p, "project_name"),
            "facility": field_text(p, "facility"),
            "location": field_text(p, "location"),
            "code": field_text(p, "fault_code"),
        }

    return (
        lambda p, _r, lang: t("notify.repair_request.received.title", lang, code=field_text(p, "fault_code")),
        _text("notify.repair_request.received.body", params),
    )


def _plan_issue(kind: str) -> TitleBody:
    def params(p: Payload, lang: str) -> dict[str, object]:
        state = "partial" if p.get("plan_id") else "missing"
        return {
            "project": field_text(p, "project_name"),
            "month": _month(p.get("month")),
            "state": t(f"notify.reminder.plan_issue.{state}", lang),
            "due": field_text(p, "due_on"),
        }

    return _fixed(f"notify.{kind}.title"), _text("notify.reminder.plan_issue.body", params)


def _tasks_due() -> TitleBody:
    def days(p: Payload) -> int:
        return int(p.get("days_left") or 0)

    def params(p: Payload, lang: str) -> dict[str, object]:
        d = days(p)
        when = (
            t("notify.reminder.tasks_due.today", lang)
            if d == 0
            else t("notify.reminder.tasks_due.in_days", lang, d=d, end=field_text(p, "period_end"))
        )
        return {
            "project": field_text(p, "project_name"),
            "plan": field_text(p, "plan_name"),
            "n": field_text(p, "open_lines", "0"),
            "when": when,
        }

    return (
        lambda p, _r, lang: t(
            "notify.reminder.tasks_due.title" if days(p) else "notify.reminder.tasks_due.today_title", lang
        ),
        _text("notify.reminder.tasks_due.body", params),
    )


def _review_due() -> TitleBody:
    def params(p: Payload, _lang: str) -> dict[str, object]:
        return {
            "project": field_text(p, "project_name"),
            "code": field_text(p, "task_code"),
            "round": field_text(p, "round", "1"),
        }

    return _fixed("notify.reminder.review_due.title"), _text("notify.reminder.review_due.body", params)


def _filing(kind: str) -> TitleBody:
    def params(p: Payload, _lang: str) -> dict[str, object]:
        return {
            "project": field_text(p, "project_name"),
            "code": field_text(p, "report_code"),
            "due": field_text(p, "filing_due_on"),
        }

    return _fixed(f"notify.{kind}.title"), _text(f"notify.{kind}.body", params)


def _suspension_due(kind: str) -> TitleBody:
    def params(p: Payload, _lang: str) -> dict[str, object]:
        return {
            "project": field_text(p, "project_name"),
            "month": _month(p.get("month")),
            "code": field_text(p, "suspension_code"),
        }

    return _fixed(f"notify.{kind}.title"), _text("notify.reminder.suspension.body", params)


def _fault_digest() -> TitleBody:
    def params(p: Payload, _lang: str) -> dict[str, object]:
        negotiating = list(p.get("negotiating") or [])
        refused = list(p.get("refused") or [])
        return {
            "project": field_text(p, "project_name"),
            "negotiating": len(negotiating),
            "refused": len(refused),
            "codes": "、".join(str(c) for c in [*negotiating, *refused]),
        }

    return _fixed("notify.reminder.fault_digest.title"), _text("notify.reminder.fault_digest.body", params)


def _contract_ending() -> TitleBody:
    def params(p: Payload, _lang: str) -> dict[str, object]:
        return {"name": field_text(p, "contract_name"), "ends": field_text(p, "ends_on")}

    return _fixed("notify.reminder.contract_ending.title"), _text(
        "notify.reminder.contract_ending.body", params
    )


TEXTS: dict[str, TitleBody] = {
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
"""``(title, body)`` per outbox kind."""
