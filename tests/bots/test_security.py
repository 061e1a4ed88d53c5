"""Webhook secret, forged callback data, unbound chats, redelivered updates."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from api.deps import AppState
from bots.core.callbacks import encode
from tests.api.month_helpers import execute, issue_all, make_plan
from tests.bots.conftest import Tg, bind
from tests.conftest import db_snapshot


def test_wrong_or_missing_secret_is_403_and_writes_nothing(tg: Tg, state: AppState) -> None:
    before = db_snapshot(state)
    update = tg.message_update(31, "/start abc")
    assert tg.post(update, secret=None).status_code == 403
    assert tg.post(update, secret="wrong-secret").status_code == 403
    assert tg.post(update, secret="").status_code == 403
    assert db_snapshot(state) == before
    assert tg.request.sent() == []


def test_forged_callback_is_refused_and_changes_nothing(
    tg: Tg, client: TestClient, world: Any, state: AppState
) -> None:
    plan = issue_all(client, world, make_plan(client, world))
    task = execute(client, world, [line["id"] for line in plan["lines"]], fails=0)
    bind(tg, client, world.headers["agency_admin"], world.people["op2"], 41)
    bind(tg, client, world.headers["agency_admin"], world.people["owner"], 42)
    before = {k: v for k, v in db_snapshot(state).items() if k != "telegram_update"}
    tid = uuid.UUID(task["id"])
    for uid, data in [
        (41, encode("rev", "ap", tid)),  # an operator is no reviewer
        (42, encode("rev", "ap", tid)),  # nor is the owner
        (41, encode("rev", "ap", uuid.uuid4())),  # a task that does not exist
        (41, f"v1:rev:ap:{tid.hex}:" + "x" * 40),  # too long
        (41, "v2:rev:ap:" + tid.hex),  # unknown version
        (41, "rev:ap:../../etc"),  # garbage
    ]:
        tg.press(uid, data)
    after = {k: v for k, v in db_snapshot(state).items() if k != "telegram_update"}
    assert after == before
    texts = tg.request.texts()[-6:]
    assert all(("无权" in x or "只有" in x or "不存在" in x or "失效" in x) for x in texts), texts
    assert (
        client.get(f"/api/v1/tasks/{task['id']}", headers=world.headers["lead"]).json()["state"]
        == "submitted"
    )


def test_unbound_chat_sees_only_start(tg: Tg, state: AppState) -> None:
    before = {k: v for k, v in db_snapshot(state).items() if k != "telegram_update"}
    tg.say(51, "/menu")
    tg.say(51, "你好")
    tg.press(51, encode("rev", "ap", uuid.uuid4()))
    tg.say(51, "/start")
    texts = tg.request.texts()
    assert texts[:3] == ["请先绑定：发送 /start <绑定码>。"] * 3
    assert "/start <绑定码>" in texts[3]
    assert all(not p.get("reply_markup") for p in tg.request.sent())
    after = {k: v for k, v in db_snapshot(state).items() if k != "telegram_update"}
    assert after == before


def test_redelivered_update_is_processed_once(tg: Tg) -> None:
    update = tg.message_update(61, "/start")
    assert tg.post(update).status_code == 200
    assert tg.post(update).status_code == 200
    assert len(tg.request.sent("sendMessage")) == 1


def test_binding_a_second_account_is_refused(tg: Tg, client: TestClient, world: Any) -> None:
    admin = world.headers["agency_admin"]
    bind(tg, client, admin, world.people["lead"], 71)
    code = client.post(f"/api/v1/people/{world.people['lead']}/chat-binding-code", headers=admin).json()[
        "code"
    ]
    tg.say(72, f"/start {code}")
    assert "R-ROLE-6" in tg.request.texts()[-1]
    tg.say(71, "/unbind")
    code = client.post(f"/api/v1/people/{world.people['lead']}/chat-binding-code", headers=admin).json()[
        "code"
    ]
    tg.say(72, f"/start {code}")
    assert tg.request.texts()[-1].startswith("✅")


def test_only_admins_issue_codes(client: TestClient, world: Any) -> None:
    r = client.post(f"/api/v1/people/{world.people['op1']}/chat-binding-code", headers=world.headers["lead"])
    assert r.status_code == 403
    r = client.post(f"/api/v1/people/{uuid.uuid4()}/chat-binding-code", headers=world.headers["agency_admin"])
    assert r.status_code == 404


def test_english(tg: Tg, client: TestClient, world: Any) -> None:
    bind(tg, client, world.headers["agency_admin"], world.people["lead"], 81)
    tg.say(81, "/lang en")
    tg.say(81, "/menu")
    assert tg.request.texts()[-2] == "Language set to English."
    assert "your work" in tg.request.texts()[-1] or "nothing to do" in tg.request.texts()[-1]


def test_an_unexpected_failure_is_answered_and_logged(
    tg: Tg, client: TestClient, world: Any, monkeypatch: Any, caplog: Any
) -> None:
    import bots.telegram.handlers.lead as lead

    def broken(*_a: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(lead, "review_view", broken)
    bind(tg, client, world.headers["agency_admin"], world.people["lead"], 141)
    r = tg.press(141, encode("rev", "open", uuid.uuid4()))
    assert r.status_code == 200
    assert tg.request.texts()[-1] == "操作未完成，请稍后再试。"
    assert any(rec.message == "telegram.handler_failed" for rec in caplog.records)
    assert not any("1:TEST" in rec.getMessage() for rec in caplog.records)
