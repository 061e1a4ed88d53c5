"""The fire department decides suspension requests and reads its statistics in chat."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from api.deps import AppState
from engine.db import unit_of_work
from tests.api.lifecycle_helpers import SUPERVISOR, add_supervisor, request_suspension
from tests.bots.conftest import Tg, buttons
from workflows.lifecycle.models import Suspension

FIRE = 91


def _bind_supervisor(tg: Tg, client: TestClient, admin_headers: dict[str, str]) -> None:
    person_id, _ = add_supervisor(client, admin_headers, SUPERVISOR)
    code = client.post(f"/api/v1/people/{person_id}/chat-binding-code", headers=admin_headers).json()["code"]
    tg.say(FIRE, f"/start {code}")
    assert tg.request.texts()[-1].startswith("✅ 已绑定")


def _press(tg: Tg, label: str, message_id: int = 555) -> None:
    card = next(p for p in reversed(tg.request.sent()) if buttons(p))
    tg.press(FIRE, next(d for text, d in buttons(card) if label in text), message_id=message_id)


def test_supervisor_decides_suspensions(
    tg: Tg, client: TestClient, world: Any, admin_headers: dict[str, str], state: AppState
) -> None:
    _bind_supervisor(tg, client, admin_headers)
    first = request_suspension(client, world, "2026-11")
    assert first.status_code == 201, first.text
    second = request_suspension(client, world, "2026-12")
    assert second.status_code == 201, second.text

    tg.say(FIRE, "/menu")
    menu = tg.request.sent()[-1]
    assert [text for text, _ in buttons(menu)] == ["⏸ 停业申请 (2)", "📊 辖区统计"]
    _press(tg, "停业申请")
    _press(tg, "2026-11")
    assert "业主装修停业" in tg.request.texts()[-1]
    _press(tg, "通过", message_id=901)
    assert tg.request.sent("editMessageText")[-1]["text"].startswith("✅ 停业申请已同意 — 马队长")
    _press(tg, "通过", message_id=901)  # double tap: the card says it is decided, nothing changes
    assert "approved" in tg.request.sent("editMessageText")[-1]["text"]  # the service's conflict message

    tg.say(FIRE, "/menu")
    _press(tg, "停业申请")
    _press(tg, "2026-12")
    _press(tg, "不通过", message_id=902)
    tg.say(FIRE, "证明材料不足")
    assert tg.request.sent("editMessageText")[-1]["message_id"] == 902
    with unit_of_work(state.sessions) as s:
        decided = {x.id: (x.state, x.opinion) for x in s.query(Suspension)}
    assert decided[uuid.UUID(first.json()["id"])][0] == "approved"
    assert decided[uuid.UUID(second.json()["id"])] == ("rejected", "证明材料不足")

    tg.say(FIRE, "/menu")
    _press(tg, "辖区统计")
    assert tg.request.texts()[-1].startswith(f"辖区 {SUPERVISOR['jurisdiction']}")
