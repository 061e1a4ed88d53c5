"""The field operator works in chat: issued lines → task → results, photos (R-TASK-1), selfie and
(live) location → submit; the draft survives a restart; rework after a rejection; an investigation
task completed as resolved. Checked against what the bot sent and against the database."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.demo import ok
from api.deps import AppState
from engine.db import unit_of_work
from tests.api.month_helpers import execute, faults_of, issue_all, make_plan
from tests.bots.conftest import Tg, bind, buttons
from tests.bots.field_chat import (
    FileRecordingRequest,
    deliver_pushes,
    jpeg,
    last_card,
    move_live_location,
    press_label,
    press_on,
    push_to,
    restarted_bot,
    send_document,
    send_location,
    send_photo,
    sha,
)
from workflows.faults.models import Fault, FaultEvent
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

    # the lead rejects; the task.reviewed push (delivered by the outbox worker) leads back into the task
    ok(
        client.post(
            f"/api/v1/tasks/{task.id}/review",
            json={"verdict": "reject", "opinion": "请复测功放"},
            headers=world.headers["lead"],
        )
    )
    returned = push_to(deliver_pushes(tg, state), OP, "↩️ 任务被退回")
    tg.request.clear()
    press_on(tg, OP, returned, "返工")
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


def test_investigation_unresolved_then_repair_resolved_in_chat(
    tg: Tg, client: TestClient, world: Any, state: AppState
) -> None:
    """R-FAULT: the leader completes an investigation as *unresolved* (the fault waits for a new
    disposition), then the repair task the lead gives next as *resolved* — both from the pushes."""
    plan = issue_all(client, world, make_plan(client, world))
    execute(client, world, [line["id"] for line in plan["lines"]], fails=1)
    bind(tg, client, world.headers["agency_admin"], world.people["op1"], OP)
    bind(tg, client, world.headers["agency_admin"], world.people["lead"], 32)
    fault = faults_of(client, world)[0]
    ok(
        client.post(
            f"/api/v1/faults/{fault['id']}/disposition",
            json={"kind": "investigate", "leader_id": world.op1_id},
            headers=world.headers["lead"],
        )
    )

    # the push opens the investigation task: receive, then unresolved with a note
    push = push_to(deliver_pushes(tg, state), OP, "🔍 新的排查任务")
    assert f"故障 {fault['code']}（排查）由您负责" in push["text"]
    press_on(tg, OP, push, "打开我的任务")
    card = last_card(tg)
    assert card["text"].startswith("排查任务 T-") and "· 执行中" in card["text"]
    press_label(tg, OP, "接收")
    assert tg.request.texts()[-1].startswith("📥 已接收任务 T-")
    press_label(tg, OP, "未解决")
    assert tg.request.texts()[-1] == "请输入处理说明（❌ 未解决）："
    tg.say(OP, "水泵控制柜故障，需更换")
    assert re.match(r"✅ 排查任务 T-\d{4}-\d{4} 已完成：❌ 未解决", tg.request.texts()[-1])
    with unit_of_work(state.sessions) as s:
        inv = s.scalars(select(Task).where(Task.fault_id == uuid.UUID(fault["id"]))).one()
        assert (inv.kind, inv.state, inv.resolved, inv.note) == (
            "investigation",
            "completed",
            False,
            "水泵控制柜故障，需更换",
        )
        f = s.get(Fault, uuid.UUID(fault["id"]))
        assert f is not None and f.status == "investigating"  # still in progress (R-FAULT)
        steps = [
            e.step
            for e in s.scalars(select(FaultEvent).where(FaultEvent.fault_id == f.id).order_by(FaultEvent.seq))
        ]
    assert steps[-3:] == ["接收排查任务", "执行排查任务", "完成排查任务：未解决"]

    # the unresolved fault waits for a disposition again: the lead's card offers the five
    tg.press(32, f"v1:fault:open:{uuid.UUID(fault['id']).hex}")
    lead_card = last_card(tg)
    assert "状态：排查中" in lead_card["text"] and len(buttons(lead_card)) == 5
    state.clock.advance(timedelta(hours=2))  # type: ignore[attr-defined]  # the owner agrees later that day
    ok(
        client.post(
            f"/api/v1/faults/{fault['id']}/disposition",
            json={
                "kind": "owner_approved_repair",
                "repair_plan": "更换水泵控制柜",
                "leader_id": world.op1_id,
            },
            headers=world.headers["lead"],
        )
    )
    push = push_to(deliver_pushes(tg, state), OP, "🛠 新的维修任务")
    press_on(tg, OP, push, "打开我的任务")
    card = last_card(tg)
    assert card["text"].startswith("维修任务 T-") and "维修方案：更换水泵控制柜" in card["text"]
    press_label(tg, OP, "已解决")
    tg.say(OP, "已更换控制柜，试泵正常")
    assert re.match(r"✅ 维修任务 T-\d{4}-\d{4} 已完成：✅ 已解决", tg.request.texts()[-1])
    with unit_of_work(state.sessions) as s:
        f = s.get(Fault, uuid.UUID(fault["id"]))
        assert f is not None and f.status == "resolved" and f.closed_at is not None
        repair = s.scalars(select(Task).where(Task.fault_id == f.id, Task.kind == "repair")).one()
        assert (repair.state, repair.resolved, repair.note) == ("completed", True, "已更换控制柜，试泵正常")

    # the task push of a fault with nothing open any more shows the fault's history instead
    press_on(tg, OP, push, "打开我的任务")
    assert tg.request.texts()[-1].startswith(f"故障 {fault['code']}（已解决）")


def test_an_image_sent_as_a_file_is_an_item_photo(
    tg: Tg, client: TestClient, world: Any, state: AppState
) -> None:
    """A photo sent "as a file" (a JPEG document, full resolution) is stored like a photo (R-TASK-1);
    another kind of file is not a photo."""
    plan = issue_all(client, world, make_plan(client, world))
    bind(tg, client, world.headers["agency_admin"], world.people["op1"], OP)
    tg.press(OP, f"v1:line:list:{uuid.UUID(plan['id']).hex}")
    press_label(tg, OP, "防火分隔")
    code = re.findall(r"T-\d{4}-\d{4}", tg.request.sent("editMessageText")[-1]["text"])[0]
    press_label(tg, OP, "不符合")
    tg.say(OP, "防火门闭门器损坏")
    send_document(tg, OP, "doc-photo", jpeg(11), "image/jpeg")
    assert tg.request.texts()[-1] == "📷 已保存照片（本项共 1 张）。"
    send_document(tg, OP, "manual", b"%PDF-1.4 manual", "application/pdf", name="manual.pdf")
    assert tg.request.texts()[-1] == "请发送照片。"
    assert [p["file_id"] for a, p, _ in tg.request.calls if a == "getFile"] == ["doc-photo"]
    task = task_of(state, code)
    with unit_of_work(state.sessions) as s:
        photos = list(s.scalars(select(Photo).where(Photo.task_id == task.id)))
        assert [(p.kind, p.sha256) for p in photos] == [("item", sha(jpeg(11)))]
