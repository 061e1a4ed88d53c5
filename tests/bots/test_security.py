"""Webhook secret, forged callback data, unbound chats, redelivered updates."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.deps import AppState
from bots.core.callbacks import encode
from engine.settings import Settings
from tests.api.month_helpers import execute, faults_of, issue_all, make_plan
from tests.bots.conftest import Tg, bind, buttons
from tests.bots.second_project import add_second_project
from tests.conftest import db_snapshot


def test_wrong_or_missing_secret_is_403_and_writes_nothing(tg: Tg, state: AppState) -> None:
    before = db_snapshot(state)
    update = tg.message_update(31, "/start abc")
    assert tg.post(update, secret=None).status_code == 403
    assert tg.post(update, secret="wrong-secret").status_code == 403
    assert tg.post(update, secret="").status_code == 403
    assert db_snapshot(state) == before
    assert tg.request.sent() == []


@pytest.mark.parametrize(
    "secret", ["", "with space", "semi;colon", "密钥abc", "a" * 257, "line\nbreak", "tab\there"]
)
def test_a_webhook_secret_telegram_would_refuse_is_refused_at_startup(
    secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram's ``secret_token`` is 1-256 characters of A-Za-z0-9_-: anything else is refused with
    the variable's name and what to do, and the error never shows the secret itself."""
    monkeypatch.setenv("FIREOPS_TELEGRAM__WEBHOOK_SECRET", secret)
    with pytest.raises(ValidationError) as refused:
        Settings(environment="test")
    text = str(refused.value)
    assert "FIREOPS_TELEGRAM__WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -" in text
    assert "openssl rand -hex 32" in text
    assert not secret or secret not in text


@pytest.mark.parametrize("secret", ["a", "A-z_09", "x" * 256, "3f9c" * 16])
def test_a_webhook_secret_telegram_accepts_is_kept(secret: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIREOPS_TELEGRAM__WEBHOOK_SECRET", secret)
    configured = Settings(environment="test").telegram.webhook_secret
    assert configured is not None and configured.get_secret_value() == secret


NOT_FOUND_PROJECT = "🔎 项目不存在。它可能已删除，或不在您的权限范围内；发送 /menu 查看您的待办。"
NOT_FOUND_TASK = "🔎 任务不存在。它可能已删除，或不在您的权限范围内；发送 /menu 查看您的待办。"
NOT_A_REVIEWER = (
    "⛔ 只有本项目的项目负责人或技术负责人可以审核。如需办理，请联系项目负责人或本机构系统管理员。"
)
INVALID = "按钮已失效，请发送 /menu。"
NOT_A_MANAGER = (
    "⛔ 只有本项目的项目负责人、技术负责人或企业管理人员可以处理故障。"
    "如需办理，请联系项目负责人或本机构系统管理员。"
)


def _without_update_ids(state: AppState) -> dict[str, Any]:
    return {k: v for k, v in db_snapshot(state).items() if k != "telegram_update"}


def test_forged_callback_is_refused_and_changes_nothing(
    tg: Tg, client: TestClient, world: Any, state: AppState
) -> None:
    plan = issue_all(client, world, make_plan(client, world))
    task = execute(client, world, [line["id"] for line in plan["lines"]], fails=0)
    bind(tg, client, world.headers["agency_admin"], world.people["op2"], 41)
    bind(tg, client, world.headers["agency_admin"], world.people["owner"], 42)
    before = _without_update_ids(state)
    tid = uuid.UUID(task["id"])
    cases = [
        (41, encode("rev", "ap", tid), NOT_FOUND_PROJECT),  # an operator of no line of the project
        (42, encode("rev", "ap", tid), NOT_A_REVIEWER),  # the owner sees the project but reviews nothing
        (41, encode("rev", "ap", uuid.uuid4()), NOT_FOUND_TASK),  # a task that does not exist
        (41, f"v1:rev:ap:{tid.hex}:" + "x" * 40, INVALID),  # too long
        (41, "v2:rev:ap:" + tid.hex, INVALID),  # unknown version
        (41, "rev:ap:../../etc", INVALID),  # garbage
    ]
    for uid, data, expected in cases:
        tg.request.clear()
        tg.press(uid, data)
        assert tg.request.texts() == [expected], (data, tg.request.texts())
    assert _without_update_ids(state) == before
    assert (
        client.get(f"/api/v1/tasks/{task['id']}", headers=world.headers["lead"]).json()["state"]
        == "submitted"
    )


def test_a_lead_of_another_project_is_refused_and_changes_nothing(
    tg: Tg, client: TestClient, world: Any, state: AppState
) -> None:
    """R-ROLE-3: the lead of a second project presses open / approve / reject on a task of the first,
    and the dispositions of its fault (forged callback data), in Chinese and in English: every press
    is refused as "not found", no card, no staff list, no dialog, no row changed."""
    second = add_second_project(client, world)
    plan = issue_all(client, world, make_plan(client, world))
    task = execute(client, world, [line["id"] for line in plan["lines"]], fails=1)
    fault = faults_of(client, world)[0]
    bind(tg, client, world.headers["agency_admin"], second.lead_id, 43)
    tid, fid = uuid.UUID(task["id"]), uuid.UUID(fault["id"])
    before = _without_update_ids(state)
    for data in (
        encode("rev", "open", tid),
        encode("rev", "ap", tid),
        encode("rev", "rj", tid),
        encode("fault", "open", fid),
        encode("fault", "dk", fid, "inv.1"),
        encode("fault", "dk", fid, "neg.1"),
        encode("fault", "dk", fid, "oos.1"),
        encode("plan", "open", uuid.UUID(plan["id"])),
    ):
        tg.request.clear()
        tg.press(43, data)
        expected = NOT_FOUND_PROJECT
        assert tg.request.texts() == [expected], (data, tg.request.texts())
        assert all(not buttons(p) for p in tg.request.sent()), data
    tg.say(43, "/lang en")
    tg.request.clear()
    tg.press(43, encode("rev", "ap", tid))
    assert tg.request.texts() == [
        "🔎 project not found. It may be gone, or outside what you may see; send /menu for your work."
    ]
    after = _without_update_ids(state)
    assert {k: v for k, v in after.items() if k != "chat_binding"} == {
        k: v for k, v in before.items() if k != "chat_binding"
    }  # /lang en changed the binding's language, nothing else changed
    assert (
        client.get(f"/api/v1/tasks/{task['id']}", headers=world.headers["lead"]).json()["state"]
        == "submitted"
    )
    assert faults_of(client, world)[0]["status"] == "pending"
    # and the first project's lead is not bothered: his own scope is untouched
    assert client.get(f"/api/v1/projects/{world.project_id}", headers=second.lead).status_code == 404


def test_an_owner_gets_owner_cards_and_never_the_staff_list(
    tg: Tg, client: TestClient, world: Any, state: AppState, admin_headers: dict[str, str]
) -> None:
    """R-OWN / R-ROLE-3: an owner contact pressing a lead's fault button sees the owner's card (the
    handling history, no dispositions); a forged disposition press is refused before any staff list
    is shown; the review and report cards offer them no actions."""
    plan = issue_all(client, world, make_plan(client, world))
    task = execute(client, world, [line["id"] for line in plan["lines"]], fails=1)
    fault = faults_of(client, world)[0]
    bind(tg, client, admin_headers, world.owner_contact_id, 44)
    bind(tg, client, world.headers["agency_admin"], world.people["op1"], 45)
    fid = uuid.UUID(fault["id"])

    tg.request.clear()
    tg.press(44, encode("fault", "open", fid))
    [card] = tg.request.sent()
    assert card["text"].startswith(f"故障 {fault['code']}（待处理）") and "处理经过：" in card["text"]
    assert not buttons(card)

    staff = {"陈磊", "赵强", "刘洋"}
    before = _without_update_ids(state)
    for arg in ("inv.1", "oar.1", "neg.1", "oos.1"):
        tg.request.clear()
        tg.press(44, encode("fault", "dk", fid, arg))
        assert tg.request.texts() == [NOT_A_MANAGER], arg
        assert not any(name in str(p) for p in tg.request.sent() for name in staff)
    assert _without_update_ids(state) == before

    tg.request.clear()
    tg.press(44, encode("rev", "open", uuid.UUID(task["id"])))
    assert tg.request.sent()[-1]["text"].startswith(f"任务 {task['code']}") and not buttons(
        tg.request.sent()[-1]
    )
    tg.request.clear()
    tg.press(45, encode("rev", "open", uuid.UUID(task["id"])))  # the executor sees his task, not the verdicts
    assert tg.request.sent()[-1]["text"].startswith(f"任务 {task['code']}") and not buttons(
        tg.request.sent()[-1]
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
    tg: Tg, client: TestClient, world: Any, state: AppState, caplog: Any
) -> None:
    """Telegram fails in the middle of a handler (502 on the photo album of a review card): the chat
    is told it did not work, the failure is logged by update id and type, never with the token."""
    plan = issue_all(client, world, make_plan(client, world))
    task = execute(client, world, [line["id"] for line in plan["lines"]], fails=1)
    bind(tg, client, world.headers["agency_admin"], world.people["lead"], 141)
    tg.request.responses["sendPhoto"] = (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
    before = _without_update_ids(state)
    r = tg.press(141, encode("rev", "open", uuid.UUID(task["id"])))
    assert r.status_code == 200
    assert tg.request.texts()[-1] == "操作未完成，请稍后再试。"
    failed = [rec for rec in caplog.records if rec.getMessage() == "telegram.handler_failed"]
    assert [rec.error for rec in failed] == ["NetworkError"] and isinstance(failed[0].update_id, int)
    assert not any("1:TEST" in rec.getMessage() for rec in caplog.records)
    assert _without_update_ids(state) == before
