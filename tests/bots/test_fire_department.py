"""The fire department decides suspension requests and reads its statistics in chat."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from api.demo import ok
from api.deps import AppState
from engine.db import unit_of_work
from tests.api.lifecycle_helpers import SUPERVISOR, add_supervisor, request_suspension
from tests.api.month_helpers import approved_plan, generate
from tests.bots.conftest import Tg, buttons
from tests.conftest import db_snapshot, login
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
    before = {k: v for k, v in db_snapshot(state).items() if k != "telegram_update"}
    _press(tg, "通过", message_id=901)  # double tap: the card says it is decided, nothing changes
    assert {k: v for k, v in db_snapshot(state).items() if k != "telegram_update"} == before
    assert tg.request.sent("editMessageText")[-1]["text"] == (
        "⏱ 该申请已由 马队长 于 10-08 10:00 处理（已同意），本次未重复处理。"
    )

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
    assert tg.request.texts()[-1] == (
        f"辖区 {SUPERVISOR['jurisdiction']} 2026-10 统计（截至 2026-10-08）\n"
        "青海安泰消防技术服务有限公司：项目 1，应报 1，按时备案 0，逾期备案 0，未备案 0，逾期未出报告 0，"
        "进行中 1，未关闭故障 0"
    )


def test_statistics_show_the_months_figures(
    tg: Tg, client: TestClient, world: Any, admin_headers: dict[str, str]
) -> None:
    """R-SUP: the chat shows the same figures as ``GET /supervision/stats``: a report filed on time and
    an open (negotiating) fault this month."""
    plan = approved_plan(client, world, fails=1)
    report = ok(generate(client, world, plan, day="2026-10-08"), 201)
    ok(
        client.post(
            f"/api/v1/reports/{report['id']}/filing",
            json={"opinion": "同意备案"},
            headers=world.headers["tech_lead"],
        )
    )
    _bind_supervisor(tg, client, admin_headers)
    tg.say(FIRE, "/lang en")
    tg.say(FIRE, "/menu")
    _press(tg, "statistics")
    headers = login(client, SUPERVISOR["phone"], SUPERVISOR["password"])
    [api] = ok(client.get("/api/v1/supervision/stats", headers=headers))["agencies"]
    assert (api["projects"], api["due"], api["on_time"], api["open_faults_le_30d"]) == (1, 1, 1, 1)
    assert tg.request.texts()[-1] == (
        f"Jurisdiction {SUPERVISOR['jurisdiction']}, 2026-10 (as of 2026-10-08)\n"
        "青海安泰消防技术服务有限公司: projects 1, due 1, filed on time 1, filed late 0, unfiled 0, "
        "overdue 0, in progress 0, open faults 1"
    )
