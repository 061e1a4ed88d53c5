"""The outbox sender and the rendering of notifications: cards to the bound chat in the recipient's
language with the recipient's actions; 429 → retry_after, 403 → permanent, unbound → permanent;
every kind the domain sends renders kind-specific text in zh and en; ``fireops worker`` and
``fireops telegram poll`` deliver pushes through the Telegram sender (no network)."""

from __future__ import annotations

import ast
import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from telegram import Bot

from api.deps import AppState
from bots.core.callbacks import decode, encode
from bots.core.notifications import SPECS, render_notification
from bots.telegram.sender import TelegramSender
from engine.db import unit_of_work
from engine.outbox.senders import Delivery, Sender
from tests.bots.conftest import RecordingRequest, Tg, bind, buttons, telegram_state
from workflows.chat.service import ChatRecipient
from workflows.notifications.events import NOTIFICATION_KINDS

ROOT = Path(__file__).resolve().parents[2]


def recipient(roles: set[str], lang: str = "zh", person: uuid.UUID | None = None) -> ChatRecipient:
    return ChatRecipient(
        person_id=person or uuid.uuid4(), chat_id="4242", language=lang, roles=frozenset(roles)
    )


def delivery(kind: str, payload: dict[str, Any], recipient_id: uuid.UUID | None = None) -> Delivery:
    return Delivery(
        message_id=uuid.uuid4(),
        recipient_id=recipient_id or uuid.uuid4(),
        kind=kind,
        payload={"title": "任务待审核", "body": "T-1 已提交", **payload},
        attempt=1,
    )


def run(request: RecordingRequest, d: Delivery, lookup: Any = None) -> Any:
    async def go() -> Any:
        bot = Bot("1:TEST", request=request)
        async with bot:
            sender = TelegramSender(bot, lookup or (lambda _pid: recipient({"project_lead"})))
            assert isinstance(sender, Sender)
            return await sender.send(d)

    return asyncio.run(go())


def test_sends_card_with_button_in_the_recipients_language() -> None:
    req = RecordingRequest()
    task_id = uuid.uuid4()
    payload = {"task_id": str(task_id), "task_code": "T-2026-0007", "project_name": "万达广场", "round": 2}
    payload |= {"executor_name": "陈磊", "fault_count": 3}
    result = run(req, delivery("task.submitted", payload))
    assert result.ok
    sent = req.sent("sendMessage")[-1]
    assert str(sent["chat_id"]) == "4242"
    assert (
        sent["text"]
        == "📥 任务待审核\n万达广场：陈磊 提交了任务 T-2026-0007（第 2 轮），发现 3 项故障，请审核。"
    )
    cb = decode(buttons(sent)[0][1])
    assert cb is not None and (cb.noun, cb.verb, cb.id) == ("rev", "open", task_id)

    en = RecordingRequest()
    assert run(en, delivery("task.submitted", payload), lambda _pid: recipient({"project_lead"}, "en")).ok
    assert en.sent("sendMessage")[-1]["text"] == (
        "📥 Task to review\n万达广场: 陈磊 submitted task T-2026-0007 (round 2), 3 faults found; "
        "please review it."
    )
    assert buttons(en.sent("sendMessage")[-1])[0][0] == "📥 Review"


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


# --- every kind the domain sends ------------------------------------------------------------------


def _literal_kinds_in_the_domain() -> set[str]:
    """``kind="x.y"`` keyword literals of ``notify(...)`` calls anywhere in ``workflows/`` (read from
    the source, so a kind added to the domain without a renderer fails this test)."""
    kinds: set[str] = set()
    for path in (ROOT / "workflows").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name not in ("notify", "notify_many"):
                continue
            for kw in node.keywords:
                if (
                    kw.arg == "kind"
                    and isinstance(kw.value, ast.Constant)
                    and isinstance(kw.value.value, str)
                ):
                    kinds.add(kw.value.value)
    return kinds


IDS = {k: uuid.uuid4() for k in ("task", "fault", "report", "plan", "suspension", "project", "leader")}
SAMPLE: dict[str, Any] = {
    "title": "标题",
    "body": "内容",
    "project_id": str(IDS["project"]),
    "project_name": "Wanda-A",
    "task_id": str(IDS["task"]),
    "task_code": "T-2026-0042",
    "round": 2,
    "executor_name": "Chen",
    "fault_count": 1,
    "verdict": "reject",
    "opinion": "recheck-7",
    "reviewer_name": "Liu",
    "plan_id": str(IDS["plan"]),
    "plan_code": "P-2026-0003",
    "plan_name": "Plan-Oct",
    "line_count": 33,
    "period_end": "2026-10-31",
    "fault_id": str(IDS["fault"]),
    "fault_code": "F-2026-0009",
    "disposition": "owner_refused_repair",
    "explanation": "told-owner",
    "leader_id": None,
    "report_id": str(IDS["report"]),
    "report_code": "R-2026-0005",
    "revision": 1,
    "filing_due_on": "2026-10-27",
    "late": True,
    "filed_by_name": "Zhang",
    "suspension_id": str(IDS["suspension"]),
    "suspension_code": "S-2026-0002",
    "month": "2026-11-01",
    "approved": False,
    "facility": "Pump",
    "location": "B1",
    "due_on": "2026-10-05",
    "open_lines": 4,
    "days_left": 3,
    "negotiating": ["F-2026-0011"],
    "refused": ["F-2026-0012"],
    "contract_name": "Contract-W",
    "ends_on": "2027-08-31",
}
"""A payload with every field the domain's kinds carry (ASCII values, so the English text can be
checked for Chinese left in the templates)."""

# kind → a payload value the text must show
SHOWS = {
    "task.issued": "Plan-Oct",
    "task.submitted": "T-2026-0042",
    "task.reviewed": "recheck-7",
    "fault.disposed": "F-2026-0009",
    "report.generated": "R-2026-0005",
    "report.filed": "R-2026-0005",
    "suspension.decided": "2026-11",
    "repair_request.received": "F-2026-0009",
    "reminder.plan_issue_due": "2026-10-05",
    "reminder.plan_issue_overdue": "2026-10-05",
    "reminder.tasks_due": "Plan-Oct",
    "reminder.review_due": "T-2026-0042",
    "reminder.filing_due": "R-2026-0005",
    "reminder.filing_overdue": "R-2026-0005",
    "reminder.suspension_decision_due": "S-2026-0002",
    "reminder.suspension_decision_overdue": "S-2026-0002",
    "reminder.fault_digest": "F-2026-0012",
    "reminder.contract_ending": "Contract-W",
}
# kind → (recipient roles, expected (noun, verb, id)) — who gets it and where its button leads
ACTIONS: dict[str, list[tuple[set[str], tuple[str, str, uuid.UUID | None]]]] = {
    "task.issued": [({"field_operator"}, ("line", "list", IDS["plan"]))],
    "task.submitted": [({"project_lead"}, ("rev", "open", IDS["task"]))],
    "task.reviewed": [({"field_operator"}, ("task", "open", IDS["task"]))],
    "fault.disposed": [
        ({"project_lead"}, ("fault", "open", IDS["fault"])),
        ({"owner_contact"}, ("owner", "flt", IDS["fault"])),
    ],
    "report.generated": [({"technical_lead"}, ("rpt", "open", IDS["report"]))],
    "report.filed": [
        ({"project_lead"}, ("rpt", "open", IDS["report"])),
        ({"owner_contact"}, ("owner", "rpt", IDS["report"])),
    ],
    "suspension.decided": [({"project_lead"}, ("menu", "home", None))],
    "repair_request.received": [({"project_lead"}, ("fault", "open", IDS["fault"]))],
    "reminder.plan_issue_due": [({"project_lead"}, ("plan", "open", IDS["plan"]))],
    "reminder.plan_issue_overdue": [({"enterprise_manager"}, ("plan", "open", IDS["plan"]))],
    "reminder.tasks_due": [
        ({"field_operator"}, ("line", "list", IDS["plan"])),
        ({"project_lead"}, ("menu", "home", None)),
    ],
    "reminder.review_due": [({"technical_lead"}, ("rev", "open", IDS["task"]))],
    "reminder.filing_due": [({"technical_lead"}, ("rpt", "open", IDS["report"]))],
    "reminder.filing_overdue": [({"enterprise_manager"}, ("rpt", "open", IDS["report"]))],
    "reminder.suspension_decision_due": [({"fire_supervisor"}, ("susp", "open", IDS["suspension"]))],
    "reminder.suspension_decision_overdue": [({"fire_supervisor"}, ("susp", "open", IDS["suspension"]))],
    "reminder.fault_digest": [
        ({"owner_contact"}, ("owner", "flts", IDS["project"])),
        ({"project_lead"}, ("menu", "faults", None)),
    ],
    "reminder.contract_ending": [({"owner_contact"}, ("menu", "home", None))],
}


def _cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_the_domain_list_of_kinds_is_complete() -> None:
    """Every literal kind the services write is in the domain's ``NOTIFICATION_KINDS``, and every one
    of those has a renderer (``SPECS``) and expectations here."""
    literal = _literal_kinds_in_the_domain()
    assert {"task.submitted", "suspension.decided", "repair_request.received"} <= literal
    assert literal <= set(NOTIFICATION_KINDS)
    assert len(NOTIFICATION_KINDS) == len(set(NOTIFICATION_KINDS)) == 18
    assert set(NOTIFICATION_KINDS) <= set(SPECS)
    assert set(NOTIFICATION_KINDS) == set(SHOWS) == set(ACTIONS)


@pytest.mark.parametrize("kind", NOTIFICATION_KINDS)
def test_every_kind_renders_its_own_text_in_zh_and_en(kind: str) -> None:
    zh = render_notification(kind, SAMPLE, recipient({"project_lead"}, "zh"))
    en = render_notification(kind, SAMPLE, recipient({"project_lead"}, "en"))
    zh_title, zh_body = zh.text.split("\n", 1)
    en_title, en_body = en.text.split("\n", 1)
    assert zh_title != "标题" and "内容" not in zh.text  # the catalog, not the payload's Chinese fallback
    assert _cjk(zh_title) and not _cjk(en.text), (zh.text, en.text)
    assert SHOWS[kind] in zh_body and SHOWS[kind] in en_body
    others = {k for k in NOTIFICATION_KINDS if k != kind}
    titles = {
        render_notification(k, SAMPLE, recipient({"project_lead"}, "en")).text.split("\n")[0] for k in others
    }
    assert en_title not in titles  # a title of its own


@pytest.mark.parametrize("kind", NOTIFICATION_KINDS)
def test_every_kind_leads_each_recipient_to_their_card(kind: str) -> None:
    for roles, (noun, verb, target) in ACTIONS[kind]:
        person = uuid.uuid4()
        for lang in ("zh", "en"):
            card = render_notification(kind, SAMPLE, recipient(roles, lang, person))
            [[button]] = card.buttons
            cb = decode(button.data)
            assert cb is not None and (cb.noun, cb.verb) == (noun, verb), (kind, roles, cb)
            assert cb.id == (target or person)
            assert _cjk(button.text) == (lang == "zh")


def test_a_disposition_reaches_its_leader_as_their_task_and_the_owner_as_the_history() -> None:
    """The investigation leader is told to open their task, not the lead's fault card."""
    leader = uuid.uuid4()
    payload = {**SAMPLE, "disposition": "investigate", "leader_id": str(leader)}
    card = render_notification("fault.disposed", payload, recipient({"field_operator"}, "zh", leader))
    assert card.text.startswith("🔍 新的排查任务\nWanda-A：故障 F-2026-0009（排查）由您负责。")
    cb = decode(card.buttons[0][0].data)
    assert cb is not None and (cb.noun, cb.verb, cb.id) == ("task", "flt", IDS["fault"])
    owner = render_notification("fault.disposed", payload, recipient({"owner_contact"}, "en"))
    assert owner.text.startswith("⚠️ Fault disposed\nWanda-A: fault F-2026-0009 was disposed: investigate.")
    assert owner.buttons[0][0].text == "📜 See the handling"


def test_an_unknown_kind_falls_back_to_the_payload_text() -> None:
    card = render_notification("something.new", SAMPLE, recipient({"project_lead"}))
    assert card.text == "标题\n内容"
    assert decode(card.buttons[0][0].data) is not None


# --- delivery through the outbox worker --------------------------------------------------------------


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
    assert review[0]["text"].startswith(
        f"📥 任务待审核\n{world.project_name}：陈磊 提交了任务 {task['code']}"
    )
    with unit_of_work(state.sessions) as s:
        rows = [m for m in s.query(OutboxMessage) if m.kind == "task.submitted"]
        lead_rows = [m for m in rows if str(m.recipient_id) == world.people["lead"]]
    assert lead_rows and all(m.state == "sent" and m.channel == "telegram" for m in lead_rows)


def _bound_lead_with_a_push(tg: Tg, client: TestClient, world: Any) -> dict[str, Any]:
    """Bind the lead (chat 161) and make op1 submit a task: a ``task.submitted`` row for the lead."""
    from tests.api.month_helpers import execute, issue_all, make_plan

    bind(tg, client, world.headers["agency_admin"], world.people["lead"], 161)
    plan = issue_all(client, world, make_plan(client, world))
    return execute(client, world, [line["id"] for line in plan["lines"]])


def _lead_rows(state: AppState, world: Any) -> list[tuple[str, str | None]]:
    from workflows.notifications.models import OutboxMessage

    with unit_of_work(state.sessions) as s:
        return [
            (m.state, m.channel)
            for m in s.query(OutboxMessage)
            if m.kind == "task.submitted" and str(m.recipient_id) == world.people["lead"]
        ]


def test_worker_process_delivers_to_telegram_when_a_token_is_configured(
    tg: Tg, client: TestClient, world: Any, state: AppState
) -> None:
    """``fireops worker`` (``build_sender_router`` + ``OutboxWorker``) sends through Telegram with a
    bot of its own; without a token the router has no Telegram sender."""
    from api.background import build_sender_router, close_senders
    from engine.outbox.worker import OutboxWorker

    task = _bound_lead_with_a_push(tg, client, world)
    assert "telegram" not in build_sender_router(state).senders

    worker_request = RecordingRequest()
    st = telegram_state(state)
    router = build_sender_router(st, telegram_request=worker_request)
    assert isinstance(router.senders["telegram"], TelegramSender)

    async def deliver() -> None:
        await OutboxWorker(st.sessions, router, st.settings.outbox, st.clock).drain()
        await close_senders(router)

    asyncio.run(deliver())
    apis = [a for a, _, _ in worker_request.calls]
    assert apis[0] == "getMe" and "sendMessage" in apis
    sent = [p for p in worker_request.sent("sendMessage") if str(p["chat_id"]) == "161"]
    assert [d for _, d in buttons(sent[0])] == [encode("rev", "open", uuid.UUID(task["id"]))]
    assert _lead_rows(state, world) == [("sent", "telegram")]


class PollingRequest(RecordingRequest):
    """A recording request that also answers ``getUpdates`` (empty, after a short wait, like a long poll)."""

    async def do_request(  # type: ignore[override]
        self, url: str, method: str, request_data: Any = None, **timeouts: Any
    ) -> tuple[int, bytes]:
        if url.endswith("/getUpdates"):
            await asyncio.sleep(0.02)
            self.calls.append(("getUpdates", {}, False))
            return 200, b'{"ok": true, "result": []}'
        return await super().do_request(url, method, request_data, **timeouts)


def test_poll_mode_delivers_pushes(tg: Tg, client: TestClient, world: Any, state: AppState) -> None:
    """``fireops telegram poll``: the bot polls for updates and the outbox worker sends the lead's
    push through the polling bot."""
    from bots.telegram.cli import run_polling

    task = _bound_lead_with_a_push(tg, client, world)
    request = PollingRequest()

    async def poll() -> None:
        stop = asyncio.Event()

        async def until_sent() -> None:
            for _ in range(500):
                if any(str(p["chat_id"]) == "161" for p in request.sent("sendMessage")):
                    break
                await asyncio.sleep(0.02)
            stop.set()

        watcher = asyncio.create_task(until_sent())
        await run_polling(telegram_state(state), stop, request=request, worker=True)
        await watcher

    asyncio.run(poll())
    apis = [a for a, _, _ in request.calls]
    assert "deleteWebhook" in apis and "getUpdates" in apis
    sent = [p for p in request.sent("sendMessage") if str(p["chat_id"]) == "161"]
    assert sent and [d for _, d in buttons(sent[0])] == [encode("rev", "open", uuid.UUID(task["id"]))]
    assert _lead_rows(state, world) == [("sent", "telegram")]
