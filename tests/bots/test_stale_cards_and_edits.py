"""Stale cards and edited messages are harmless.

* R-FAULT: a fault card carries its history version; a second press of the same disposition (a
  genuine double tap) or a press on a card another reviewer already acted on is refused with who
  decided and when, the card is closed, and no row changes.
* An edit of an old message is never dialog input (only live-location updates are): editing a
  text while a rejection, filing, disposition or suspension dialog is open decides nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.demo import ok
from api.deps import AppState
from bots.core.callbacks import encode
from engine.db import unit_of_work
from tests.api.lifecycle_helpers import SUPERVISOR, add_supervisor, request_suspension
from tests.api.month_helpers import approved_plan, execute, faults_of, generate, issue_all, make_plan
from tests.bots.conftest import Tg, bind, buttons
from tests.conftest import db_snapshot
from workflows.chat.models import ChatDialog
from workflows.faults.models import FaultEvent
from workflows.filings.models import Filing
from workflows.lifecycle.models import Suspension
from workflows.tasks.models import Task

LEAD, TECH = 61, 62


def _rows(state: AppState) -> dict[str, Any]:
    return {k: v for k, v in db_snapshot(state).items() if k != "telegram_update"}


def _steps(state: AppState, fault_id: str) -> list[str]:
    with unit_of_work(state.sessions) as s:
        return list(
            s.scalars(
                select(FaultEvent.step)
                .where(FaultEvent.fault_id == uuid.UUID(fault_id))
                .order_by(FaultEvent.seq)
            )
        )


def _fault_card(tg: Tg, uid: int, fault_id: str) -> dict[str, Any]:
    tg.press(uid, encode("fault", "open", uuid.UUID(fault_id)))
    return next(p for p in reversed(tg.request.sent()) if buttons(p))


def _button(card: dict[str, Any], label: str) -> str:
    return next(d for text, d in buttons(card) if label in text)


def _one_fault(client: TestClient, world: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    plan = issue_all(client, world, make_plan(client, world))
    task = execute(client, world, [line["id"] for line in plan["lines"]], fails=1)
    return task, faults_of(client, world)[0]


def test_a_double_tap_on_negotiating_disposes_once(
    tg: Tg, client: TestClient, world: Any, state: AppState
) -> None:
    _task, fault = _one_fault(client, world)
    bind(tg, client, world.headers["agency_admin"], world.lead_id, LEAD)
    negotiating = _button(_fault_card(tg, LEAD, fault["id"]), "沟通中")
    tg.press(LEAD, negotiating, message_id=700)
    assert tg.request.texts()[-1].startswith(f"✅ {fault['code']} 已处理：💬 与业主沟通中 — 刘洋")
    before = _rows(state)

    tg.request.clear()
    tg.press(LEAD, negotiating, message_id=700)  # the same button again: Telegram delivered a double tap
    assert tg.request.sent("editMessageText") == [
        {
            "chat_id": LEAD,
            "message_id": 700,
            "text": "⏱ 该卡片已过期：已由 刘洋 于 10-08 10:00 处理（💬 与业主沟通中），本次未重复处理。",
        }
    ]
    assert _rows(state) == before
    assert _steps(state, fault["id"]) == ["发现故障", "与业主沟通中"]


def test_a_second_reviewer_on_an_old_card_is_refused_with_who_decided(
    tg: Tg, client: TestClient, world: Any, state: AppState
) -> None:
    """The lead and the technical lead both opened the fault card; the lead disposes it out of scope
    (explanation dialog); the technical lead's later press on their card — and the explanation they
    type into a dialog opened on a card that went stale meanwhile — change nothing."""
    _task, fault = _one_fault(client, world)
    admin = world.headers["agency_admin"]
    bind(tg, client, admin, world.lead_id, LEAD)
    bind(tg, client, admin, world.tech_lead_id, TECH)
    tech_card = _fault_card(tg, TECH, fault["id"])
    tg.press(TECH, _button(tech_card, "业主不同意"), message_id=811)  # the tech lead starts typing …
    assert tg.request.texts()[-1] == "请输入说明（🚫 业主不同意维修），或 /cancel："
    lead_card = _fault_card(tg, LEAD, fault["id"])
    tg.press(LEAD, _button(lead_card, "不在合同"), message_id=801)
    tg.say(LEAD, "消防水炮不在合同清单内")
    assert "已处理：📎 不在合同范围内" in tg.request.texts()[-1]
    before = _rows(state)

    tg.request.clear()
    tg.say(TECH, "业主书面拒绝维修")  # … and sends after the lead decided
    assert tg.request.sent("editMessageText")[-1] == {
        "chat_id": TECH,
        "message_id": 811,
        "text": "⏱ 该卡片已过期：已由 刘洋 于 10-08 10:00 处理（📎 不在合同范围内），本次未重复处理。",
    }
    tg.request.clear()
    tg.press(TECH, _button(tech_card, "沟通中"), message_id=812)  # another button of the old card
    assert tg.request.sent("editMessageText")[-1]["text"].startswith(
        "⏱ 该卡片已过期：已由 刘洋 于 10-08 10:00"
    )
    after = _rows(state)
    assert {k: v for k, v in after.items() if k != "chat_dialog"} == {
        k: v for k, v in before.items() if k != "chat_dialog"
    }
    assert after["chat_dialog"] == []  # the stale dialog was closed
    assert _steps(state, fault["id"]) == ["发现故障", "不在合同范围内"]


def test_the_card_of_a_fault_nobody_may_dispose_now_has_no_buttons(
    tg: Tg, client: TestClient, world: Any, state: AppState
) -> None:
    _task, fault = _one_fault(client, world)
    ok(
        client.post(
            f"/api/v1/faults/{fault['id']}/disposition",
            json={"kind": "out_of_scope", "explanation": "合同外"},
            headers=world.headers["lead"],
        )
    )
    bind(tg, client, world.headers["agency_admin"], world.lead_id, LEAD)
    tg.press(LEAD, encode("fault", "open", uuid.UUID(fault["id"])))
    card = tg.request.sent()[-1]
    assert "状态：不在合同范围内" in card["text"] and not buttons(card)


# --- edited messages ---------------------------------------------------------------------------------


def edit(tg: Tg, uid: int, message_id: int, text: str) -> None:
    """The user edits an old text message of theirs: Telegram sends ``edited_message``."""
    msg = {
        "message_id": message_id,
        "date": 1_790_000_000,
        "edit_date": 1_790_000_100,
        "chat": {"id": uid, "type": "private"},
        "from": tg.user(uid),
        "text": text,
    }
    assert tg.post({"update_id": next(tg._update_ids), "edited_message": msg}).status_code == 200


def _dialog(state: AppState) -> list[tuple[str, str]]:
    with unit_of_work(state.sessions) as s:
        return [(d.name, d.step) for d in s.scalars(select(ChatDialog))]


def test_an_edited_text_is_not_a_rejection_opinion(
    tg: Tg, client: TestClient, world: Any, state: AppState
) -> None:
    task, _fault = _one_fault(client, world)
    bind(tg, client, world.headers["agency_admin"], world.lead_id, LEAD)
    tg.say(LEAD, "收到")  # an ordinary message the lead will edit later
    tg.press(LEAD, encode("rev", "rj", uuid.UUID(task["id"])), message_id=900)
    assert _dialog(state) == [("review_reject", "opinion")]
    before, sent = _rows(state), len(tg.request.sent())
    edit(tg, LEAD, 1, "收到，请补拍照片")
    assert _rows(state) == before and len(tg.request.sent()) == sent  # nothing decided, nothing said
    tg.say(LEAD, "请补拍照片")
    with unit_of_work(state.sessions) as s:
        assert s.get(Task, uuid.UUID(task["id"])).state == "rejected"  # type: ignore[union-attr]


def test_an_edited_text_is_not_a_disposition_explanation(
    tg: Tg, client: TestClient, world: Any, state: AppState
) -> None:
    _task, fault = _one_fault(client, world)
    bind(tg, client, world.headers["agency_admin"], world.lead_id, LEAD)
    tg.say(LEAD, "好的")
    tg.press(LEAD, _button(_fault_card(tg, LEAD, fault["id"]), "不在合同"))
    before = _rows(state)
    edit(tg, LEAD, 1, "不在合同范围")
    assert _rows(state) == before
    assert faults_of(client, world)[0]["status"] == "pending"


def test_an_edited_text_is_not_a_filing_opinion(
    tg: Tg, client: TestClient, world: Any, state: AppState
) -> None:
    plan = approved_plan(client, world)
    report = ok(generate(client, world, plan), 201)
    bind(tg, client, world.headers["agency_admin"], world.tech_lead_id, TECH)
    tg.say(TECH, "稍后备案")
    tg.press(TECH, encode("rpt", "file", uuid.UUID(report["id"])))
    assert tg.request.texts()[-1] == "请输入备案意见，或 /cancel："
    before = _rows(state)
    edit(tg, TECH, 1, "同意备案")
    assert _rows(state) == before
    with unit_of_work(state.sessions) as s:
        assert s.scalars(select(Filing)).all() == []


def test_an_edited_text_is_not_a_suspension_refusal_reason(
    tg: Tg, client: TestClient, world: Any, state: AppState, admin_headers: dict[str, str]
) -> None:
    person_id, _ = add_supervisor(client, admin_headers, SUPERVISOR)
    code = client.post(f"/api/v1/people/{person_id}/chat-binding-code", headers=admin_headers).json()["code"]
    tg.say(91, f"/start {code}")
    suspension = request_suspension(client, world, "2026-11").json()
    tg.say(91, "看一下")
    tg.press(91, encode("susp", "rj", uuid.UUID(suspension["id"])))
    assert tg.request.texts()[-1] == "请输入不同意的理由，或 /cancel："
    before = _rows(state)
    edit(tg, 91, 2, "证明材料不足")
    assert _rows(state) == before
    with unit_of_work(state.sessions) as s:
        assert s.get(Suspension, uuid.UUID(suspension["id"])).state == "pending"  # type: ignore[union-attr]
