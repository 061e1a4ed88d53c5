"""The outbox sender: cards to the bound chat, 429 → retry_after, 403 → permanent, unbound → permanent."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from fastapi.testclient import TestClient
from telegram import Bot

from api.deps import AppState
from bots.core.callbacks import decode, encode
from bots.telegram.sender import TelegramSender
from engine.db import unit_of_work
from engine.outbox.senders import Delivery, Sender
from tests.bots.conftest import RecordingRequest, Tg, bind, buttons


def delivery(kind: str, payload: dict[str, Any], recipient: uuid.UUID | None = None) -> Delivery:
    return Delivery(
        message_id=uuid.uuid4(),
        recipient_id=recipient or uuid.uuid4(),
        kind=kind,
        payload={"title": "任务待审核", "body": "T-1 已提交", **payload},
        attempt=1,
    )


def run(request: RecordingRequest, d: Delivery, lookup: Any = None) -> Any:
    async def go() -> Any:
        bot = Bot("1:TEST", request=request)
        async with bot:
            sender = TelegramSender(bot, lookup or (lambda _pid: ("4242", "zh")))
            assert isinstance(sender, Sender)
            return await sender.send(d)

    return asyncio.run(go())


def test_sends_card_with_button() -> None:
    req = RecordingRequest()
    task_id = uuid.uuid4()
    result = run(req, delivery("task.submitted", {"task_id": str(task_id)}))
    assert result.ok
    sent = req.sent("sendMessage")[-1]
    assert sent["chat_id"] == 4242 or sent["chat_id"] == "4242"
    assert sent["text"].startswith("任务待审核\nT-1 已提交")
    data = buttons(sent)[0][1]
    cb = decode(data)
    assert cb is not None and (cb.noun, cb.verb, cb.id) == ("rev", "open", task_id)


def test_429_becomes_retry_after() -> None:
    req = RecordingRequest()
    req.responses["sendMessage"] = (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests",
            "parameters": {"retry_after": 7},
        },
    )
    result = run(req, delivery("reminder.review_due", {}))
    assert not result.ok and result.retry_after_s == 7 and not result.permanent


def test_403_blocked_is_permanent() -> None:
    req = RecordingRequest()
    req.responses["sendMessage"] = (
        403,
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
    )
    result = run(req, delivery("task.reviewed", {"task_id": str(uuid.uuid4())}))
    assert not result.ok and result.permanent


def test_unbound_recipient_is_permanent() -> None:
    result = run(RecordingRequest(), delivery("report.filed", {}), lookup=lambda _pid: None)
    assert not result.ok and result.permanent


def test_every_kind_renders(client: TestClient) -> None:
    from bots.core.notifications import render_notification

    for kind in [
        "task.issued",
        "task.submitted",
        "task.reviewed",
        "fault.disposed",
        "report.generated",
        "report.filed",
        "reminder.filing_due",
        "suspension.decided",
        "repair_request.received",
    ]:
        card = render_notification(
            kind,
            {
                "title": "标题",
                "body": "内容",
                "task_id": str(uuid.uuid4()),
                "fault_id": str(uuid.uuid4()),
                "report_id": str(uuid.uuid4()),
                "plan_id": str(uuid.uuid4()),
            },
            "zh",
            uuid.uuid4(),
        )
        assert card.text == "标题\n内容"
        assert all(decode(b.data) for row in card.buttons for b in row)


def test_outbox_worker_delivers_to_bound_people(
    tg: Tg, client: TestClient, world: Any, state: AppState
) -> None:
    """A submitted task notifies the lead; the worker sends it through the bot with a review button."""
    from engine.outbox.worker import OutboxWorker
    from tests.api.month_helpers import execute, issue_all, make_plan
    from workflows.notifications.models import OutboxMessage

    bind(tg, client, world.headers["agency_admin"], world.people["lead"], 131)
    plan = issue_all(client, world, make_plan(client, world))
    task = execute(client, world, [line["id"] for line in plan["lines"]])
    app = tg.client.app
    worker = OutboxWorker(state.sessions, app.state.senders, state.settings.outbox, state.clock)  # type: ignore[attr-defined]
    tg.request.clear()
    portal = tg.client.portal
    assert portal is not None
    portal.call(worker.drain)
    sent = [p for p in tg.request.sent("sendMessage") if str(p["chat_id"]) == "131"]
    review = [
        p for p in sent if any(d == encode("rev", "open", uuid.UUID(task["id"])) for _, d in buttons(p))
    ]
    assert review, sent
    with unit_of_work(state.sessions) as s:
        rows = [m for m in s.query(OutboxMessage) if m.kind == "task.submitted"]
        lead_rows = [m for m in rows if str(m.recipient_id) == world.people["lead"]]
    assert lead_rows and all(m.state == "sent" and m.channel == "telegram" for m in lead_rows)


def test_worker_process_registers_the_sender(state: AppState) -> None:
    from bots.telegram.sender import telegram_sender
    from engine.outbox.senders import SenderRouter
    from tests.bots.conftest import telegram_state

    async def go() -> tuple[Any, Any]:
        router = SenderRouter()
        async with telegram_sender(state, router) as none:
            pass
        async with telegram_sender(telegram_state(state), router, request=RecordingRequest()) as sender:
            return none, sender is not None and router.senders.get("telegram") is sender

    assert asyncio.run(go()) == (None, True)
