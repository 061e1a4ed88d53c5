"""Binding with one-time codes (R-ROLE-6), unbound chats, language."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.bots.conftest import Tg


def test_bind_menu_unbind(tg: Tg, client: TestClient, world: Any) -> None:
    admin = world.headers["agency_admin"]
    r = client.post(f"/api/v1/people/{world.people['lead']}/chat-binding-code", headers=admin)
    assert r.status_code == 201
    body = r.json()
    assert body["telegram_link"] == f"https://t.me/fireops_bot?start={body['code']}"
    tg.say(11, f"/start {body['code']}")
    assert tg.request.texts()[-1].startswith("✅ 已绑定")
    tg.say(11, "/menu")
    assert "待办" in tg.request.texts()[-1]
    # the code is single use
    tg.say(12, f"/start {body['code']}")
    assert "绑定码无效" in tg.request.texts()[-1]
    tg.say(11, "/unbind")
    assert tg.request.texts()[-1] == "已解除绑定。"
    tg.say(11, "/menu")
    assert tg.request.texts()[-1].startswith("请先绑定")
