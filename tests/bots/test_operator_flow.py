"""The field operator works in chat: issued lines → task → results, photos (R-TASK-1), selfie and
(live) location → submit; the draft survives a restart; rework after a rejection; an investigation
task completed as resolved. Checked against what the bot sent and against the database."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.demo import ok
from api.deps import AppState
from bots.core.notifications import render_notification
from engine.db import unit_of_work
from tests.api.month_helpers import faults_of, issue_all, make_plan
from tests.bots.conftest import Tg, bind, buttons
from tests.bots.field_chat import (
    FileRecordingRequest,
    jpeg,
    last_card,
    move_live_location,
    press_label,
    restarted_bot,
    send_location,
    send_photo,
    sha,
)
from workflows.faults.models import Fault
from workflows.notifications.models import OutboxMessage
from workflows.tasks.models import ItemResult, Photo, Task

OP = 31
SITE = (36.6171, 101.7782)


@pytest.fixture
def tg_request() -> FileRecordingRequest:
    return FileRecordingRequest()


def task_of(state: AppState, code: str) -> Task:
    with unit_of_work(state.sessions) as s:
        task = s.scalars(select(Task).where(Task.code == code)).one()
        s.expunge(task)
        return task


def test_operator_executes_submits_reworks_and_investigates(
    tg: Tg, client: TestClient, world: Any, state: AppState
) -> None:
    plan = issue_all(client, world, make_plan(client, world))
    bind(tg, client, world.headers["agency_admin"], world.people["op1"], OP)

    # menu → my field work → the plan → start the two lines of 应急广播系统
    tg.say(OP, "/menu")
    press_label(tg, OP, "我的现场工作 (1)")
    assert buttons(last_card(tg))[0][0].startswith("📋 ") and plan["code"] in buttons(last_card(tg))[0][0]
    press_label(tg, OP, plan["code"])
    assert "待执行 33 项" in last_card(tg)["text"] and "• 应急广播系统：2" in last_card(tg)["text"]
    press_label(tg, OP, "应急广播系统", message_id=601)
    started = tg.request.sent("editMessageText")[-1]
    assert started["message_id"] == 601 and started["text"].startswith("✅ 已创建任务 T-2026-")
    code = re.findall(r"T-\d{4}-\d{4}", started["text"])[0]
    item = last_card(tg)
    assert item["text"].startswith(f"{code} 第 1/2 项\n应急广播系统") and "当前：… 未记录" in item["text"]
    assert [t for t, _ in buttons(item)][:3] == ["✅ 符合", "❌ 不符合", "⚪ 不能测试"]

    # item 1 fails: measured record, two photos (the largest size is downloaded)
    press_label(tg, OP, "不符合")
    assert "的实测记录" in tg.request.texts()[-1]
    tg.say(OP, "功放无输出")
    assert "不符合项必须拍照" in last_card(tg)["text"]
    send_photo(tg, OP, "ph-1", jpeg(1))
    send_photo(tg, OP, "ph-2", jpeg(2))
    assert tg.request.texts()[-1] == "📷 已保存照片（本项共 2 张）。"
    assert [p["file_id"] for a, p, _ in tg.request.calls if a == "getFile"] == ["ph-1", "ph-2"]
    press_label(tg, OP, "下一项")
    assert last_card(tg)["text"].startswith(f"{code} 第 2/2 项")
    press_label(tg, OP, "符合")
    tg.say(OP, "-")
    task = task_of(state, code)
    with unit_of_work(state.sessions) as s:
        results = {
            r.outcome: r.measured_record
            for r in s.scalars(select(ItemResult).where(ItemResult.task_id == task.id))
        }
        assert results == {"fail": "功放无输出", "pass": ""}
        photos = list(s.scalars(select(Photo).where(Photo.task_id == task.id)))
        assert sorted(p.sha256 for p in photos) == sorted([sha(jpeg(1)), sha(jpeg(2))])
        assert {p.kind for p in photos} == {"item"}

    # selfie, then the bot restarts mid-dialog: a NEW Application continues the draft from the database
    press_label(tg, OP, "自拍、定位并提交")
    assert tg.request.texts()[-1] == "请发送提交人自拍照。"
    send_photo(tg, OP, "selfie-1", jpeg(3))
    assert tg.request.texts()[-1].startswith("🤳 自拍已保存")
    with restarted_bot(state, tg) as tg2:
        msg_id = send_location(tg2, OP, 36.6170, 101.7780, live=True)
        located = last_card(tg2)
        assert located["text"].startswith("📍 位置已收到（36.61700, 101.77800）") and code in located["text"]
        sent_before = len(tg2.request.sent())
        move_live_location(tg2, OP, msg_id, *SITE)  # live location: edited_message, no new message
        assert len(tg2.request.sent()) == sent_before
        press_label(tg2, OP, "提交审核", message_id=602)
        done = tg2.request.sent("editMessageText")[-1]
        assert done["message_id"] == 602 and done["text"].startswith(
            f"✅ 任务 {code} 已提交审核（第 1 轮，距项目 0 米）"
        )
    task = task_of(state, code)
    assert task.state == "submitted" and (task.latitude, task.longitude) == SITE and task.within_geofence
    with unit_of_work(state.sessions) as s:
        assert [
            p.sha256 for p in s.scalars(select(Photo).where(Photo.task_id == task.id, Photo.kind == "selfie"))
        ] == [sha(jpeg(3))]
        assert [f.measured_record for f in s.scalars(select(Fault).where(Fault.task_id == task.id))] == [
            "功放无输出"
        ]

    # the lead rejects; the task.reviewed notification's card leads the operator back into the task
    ok(
        client.post(
            f"/api/v1/tasks/{task.id}/review",
            json={"verdict": "reject", "opinion": "请复测功放"},
            headers=world.headers["lead"],
        )
    )
    with unit_of_work(state.sessions) as s:
        note = s.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == "task.reviewed", OutboxMessage.recipient_id == uuid.UUID(world.op1_id)
            )
        ).one()
        card = render_notification(note.kind, note.payload, "zh", note.recipient_id)
    tg.request.clear()
    tg.press(OP, card.buttons[0][0].data or "")
    overview = last_card(tg)
    assert (
        overview["text"].startswith(f"任务 {code}（第 2 轮）· 待返工")
        and "审核意见：请复测功放（刘洋）" in overview["text"]
    )
    press_label(tg, OP, "逐项记录")
    assert last_card(tg)["text"].startswith(f"{code} 第 1/2 项")  # the first line (sorted), already recorded
    press_label(tg, OP, "不符合")
    tg.say(OP, "复测仍无输出")
    press_label(tg, OP, "下一项")
    press_label(tg, OP, "自拍、定位并提交")
    send_location(tg, OP, *SITE)
    press_label(tg, OP, "提交审核")
    assert "已提交审核（第 2 轮" in tg.request.texts()[-1]
    assert task_of(state, code).state == "submitted"

    # the lead sends the new fault to investigation with op1 as leader; op1 completes it in chat
    fault = next(f for f in faults_of(client, world) if f["status"] == "pending")
    assert fault["measured_record"] == "复测仍无输出"
    ok(
        client.post(
            f"/api/v1/faults/{fault['id']}/disposition",
            json={"kind": "investigate", "leader_id": world.op1_id},
            headers=world.headers["lead"],
        )
    )
    tg.say(OP, "/menu")
    press_label(tg, OP, "我的现场工作")
    press_label(tg, OP, "🔧 T-")
    inv_card = last_card(tg)
    assert inv_card["text"].startswith("排查任务 T-") and f"故障 {fault['code']}" in inv_card["text"]
    press_label(tg, OP, "接收")
    press_label(tg, OP, "已解决")
    assert tg.request.texts()[-1] == "请输入处理说明（✅ 已解决）："
    tg.say(OP, "更换功放模块后正常")
    assert tg.request.texts()[-1].startswith("✅ 排查任务 T-") and "已解决" in tg.request.texts()[-1]
    with unit_of_work(state.sessions) as s:
        f = s.get(Fault, uuid.UUID(fault["id"]))
        assert f is not None and f.status == "resolved"
        inv = s.scalars(select(Task).where(Task.fault_id == f.id)).one()
        assert (inv.state, inv.resolved, inv.note) == ("completed", True, "更换功放模块后正常")


def test_a_fail_without_photo_is_refused_in_chat(
    tg: Tg, client: TestClient, world: Any, state: AppState
) -> None:
    plan = issue_all(client, world, make_plan(client, world))
    bind(tg, client, world.headers["agency_admin"], world.people["op1"], OP)
    tg.request.clear()
    tg.press(OP, f"v1:line:list:{uuid.UUID(plan['id']).hex}")
    press_label(tg, OP, "防火分隔")
    code = re.findall(r"T-\d{4}-\d{4}", tg.request.sent("editMessageText")[-1]["text"])[0]
    for outcome in ("不符合", "符合"):
        press_label(tg, OP, outcome)
        tg.say(OP, "记录")
        press_label(tg, OP, "下一项" if outcome == "不符合" else "自拍、定位并提交")
    send_photo(tg, OP, "selfie", jpeg(9))
    send_location(tg, OP, *SITE)
    press_label(tg, OP, "提交审核")
    assert "R-TASK-1" in tg.request.texts()[-1]
    assert task_of(state, code).state == "draft"
