"""Render outbox notifications (``OutboxMessage.kind`` + ``payload``) to cards, channel-neutral.

Every payload carries ``title`` and ``body`` (Chinese); the card shows them and adds a button
leading to the object (ids from the payload). Kinds: ``task.issued``, ``task.submitted``,
``task.reviewed``, ``fault.disposed``, ``report.generated``, ``report.filed``, ``reminder.*``,
``suspension.decided``, ``repair_request.received``; any other kind renders title + body with a
menu button. A feature can override a kind with :func:`register_renderer`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from bots.core.callbacks import encode
from bots.core.cards import Button, Card
from bots.core.i18n import t

Renderer = Callable[[dict[str, Any], str, uuid.UUID], Card]

# kind → (payload id field, callback noun, callback verb, label key)
_LINKS: dict[str, tuple[str, str, str, str]] = {
    "task.submitted": ("task_id", "rev", "open", "notify.open_task"),
    "task.reviewed": ("task_id", "task", "open", "notify.open_task"),
    "task.issued": ("plan_id", "line", "list", "notify.open_plan"),
    "fault.disposed": ("fault_id", "fault", "open", "notify.open_fault"),
    "report.generated": ("report_id", "rpt", "open", "notify.open_report"),
    "report.filed": ("report_id", "rpt", "open", "notify.open_report"),
    "repair_request.received": ("fault_id", "fault", "open", "notify.open_fault"),
}
_RENDERERS: dict[str, Renderer] = {}


def register_renderer(kind: str, renderer: Renderer) -> None:
    """Render ``kind`` with ``renderer(payload, lang, recipient_id)`` instead of the default."""
    _RENDERERS[kind] = renderer


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def render_notification(kind: str, payload: dict[str, Any], lang: str, recipient_id: uuid.UUID) -> Card:
    """The card of one notification for its recipient."""
    custom = _RENDERERS.get(kind)
    if custom is not None:
        return custom(payload, lang, recipient_id)
    title = str(payload.get("title") or kind)
    body = str(payload.get("body") or "")
    text = f"{title}\n{body}".strip()
    link = _LINKS.get(kind)
    target = _uuid(payload.get(link[0])) if link else None
    if link is not None and target is not None:
        button = Button(t(link[3], lang), encode(link[1], link[2], target))
    else:
        button = Button(t("notify.menu", lang), encode("menu", "home", recipient_id))
    return Card(text=text[:4000], buttons=[[button]])
