"""Render outbox notifications (``OutboxMessage.kind`` + ``payload``) to cards, channel-neutral.

Every kind the domain sends (:data:`workflows.notifications.events.NOTIFICATION_KINDS`) has a
:class:`KindSpec` in :data:`SPECS`: a title and a body (:mod:`bots.core.notification_texts`: the
catalog texts of :mod:`bots.core.notification_catalog`, ``notify.<kind>…``, Chinese and English,
filled from the payload's raw fields), and the button that fits the **recipient** — the person the
card is for, with their roles — picked from the kind's row of the :data:`LINKS` table. A fault's
disposition reaches its investigation leader as "open your task", the project lead as the lead's
fault card and owner contacts as the owner's fault card with its handling history; a filed report
reaches the lead as the lead's report card and owner contacts as the PDF they can confirm and rate.
A kind without a spec (added to the domain later) falls back to the payload's own Chinese title and
body with a menu button.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bots.core.callbacks import encode
from bots.core.cards import Button, Card
from bots.core.i18n import t
from bots.core.notification_texts import TEXTS, Payload, Text, field_text, leads_disposition
from workflows.chat.service import ChatRecipient

Audience = Callable[[Payload, ChatRecipient], bool]


@dataclass(frozen=True)
class Link:
    """One button of a push: a catalog label and the callback ``<noun>:<verb>:<id>`` it opens.

    Attributes:
        label: Catalog key of the button text (``notify.btn.…``).
        noun: Callback noun (see :mod:`bots.telegram.handlers` for the nouns in use).
        verb: Callback verb.
        field: Payload field holding the target id (a UUID string); ``None``: the recipient's own
            person id (menu buttons).
        when: Which recipients this link is for, ``when(payload, recipient)``; ``None``: everyone
            an earlier link of the row did not take.
    """

    label: str
    noun: str
    verb: str
    field: str | None
    when: Audience | None = None

    def button(self, payload: Payload, recipient: ChatRecipient, lang: str) -> Button | None:
        """The button, or ``None`` when the payload lacks a valid target id."""
        target = recipient.person_id if self.field is None else _uuid(payload.get(self.field))
        return None if target is None else Button(t(self.label, lang), encode(self.noun, self.verb, target))


@dataclass(frozen=True)
class KindSpec:
    """How one notification kind renders.

    Attributes:
        title: ``(payload, recipient, lang) -> title`` (a catalog text).
        body: ``(payload, recipient, lang) -> body`` (a catalog text filled from the payload).
        links: The kind's row of :data:`LINKS`: the first link whose ``when`` takes the recipient
            gives the card's one button; the menu button when none does or its id is missing.
    """

    title: Text
    body: Text
    links: tuple[Link, ...] = ()

    def actions(self, payload: Payload, recipient: ChatRecipient, lang: str) -> list[Button]:
        """The card's buttons (one) for ``recipient``."""
        link = next((x for x in self.links if x.when is None or x.when(payload, recipient)), MENU)
        return [link.button(payload, recipient, lang) or _menu(recipient, lang)]


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def _menu(recipient: ChatRecipient, lang: str) -> Button:
    return Button(t(MENU.label, lang), encode(MENU.noun, MENU.verb, recipient.person_id))


# --- who gets which button --------------------------------------------------------------------


def _owner(_p: Payload, recipient: ChatRecipient) -> bool:
    return "owner_contact" in recipient.roles


def _operator(_p: Payload, recipient: ChatRecipient) -> bool:
    return "field_operator" in recipient.roles


def _approved(p: Payload, _r: ChatRecipient) -> bool:
    return field_text(p, "verdict") == "approve"


MENU = Link("notify.btn.menu", "menu", "home", None)
_LINES = Link("notify.btn.lines", "line", "list", "plan_id")
_REVIEW = Link("notify.btn.review", "rev", "open", "task_id")
_FILE = Link("notify.btn.file", "rpt", "open", "report_id")
_PLAN = Link("notify.btn.plan", "plan", "open", "plan_id")
_SUSPENSION = Link("notify.btn.suspension", "susp", "open", "suspension_id")

LINKS: dict[str, tuple[Link, ...]] = {
    "task.issued": (_LINES,),
    "task.submitted": (_REVIEW,),
    "task.reviewed": (
        Link("notify.btn.task", "task", "open", "task_id", when=_approved),
        Link("notify.btn.rework", "task", "open", "task_id"),
    ),
    "fault.disposed": (
        Link("notify.btn.my_fault_task", "task", "flt", "fault_id", when=leads_disposition),
        Link("notify.btn.history", "owner", "flt", "fault_id", when=_owner),
        Link("notify.btn.fault", "fault", "open", "fault_id"),
    ),
    "report.generated": (_FILE,),
    "report.filed": (
        Link("notify.btn.owner_report", "owner", "rpt", "report_id", when=_owner),
        Link("notify.btn.report", "rpt", "open", "report_id"),
    ),
    "suspension.decided": (),
    "repair_request.received": (Link("notify.btn.dispose", "fault", "open", "fault_id"),),
    "reminder.plan_issue_due": (_PLAN,),
    "reminder.plan_issue_overdue": (_PLAN,),
    "reminder.tasks_due": (Link("notify.btn.lines", "line", "list", "plan_id", when=_operator),),
    "reminder.review_due": (_REVIEW,),
    "reminder.filing_due": (_FILE,),
    "reminder.filing_overdue": (_FILE,),
    "reminder.suspension_decision_due": (_SUSPENSION,),
    "reminder.suspension_decision_overdue": (_SUSPENSION,),
    "reminder.fault_digest": (
        Link("notify.btn.faults", "owner", "flts", "project_id", when=_owner),
        Link("notify.btn.faults", "menu", "faults", None),
    ),
    "reminder.contract_ending": (),
}
"""Per kind, the buttons by recipient (first match wins; no match or no valid id: the menu)."""


SPECS: dict[str, KindSpec] = {
    kind: KindSpec(title, body, LINKS[kind]) for kind, (title, body) in TEXTS.items()
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
        text = f"{field_text(payload, 'title', kind)}\n{field_text(payload, 'body')}".strip()
        return Card(text=text[:4000], buttons=[[_menu(recipient, lang)]])
    title = spec.title(payload, recipient, lang)
    body = spec.body(payload, recipient, lang)
    buttons = spec.actions(payload, recipient, lang)
    return Card(text=f"{title}\n{body}".strip()[:4000], buttons=[[b] for b in buttons])
