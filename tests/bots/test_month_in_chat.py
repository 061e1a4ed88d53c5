"""One maintenance month entirely in chat (issue 4 "Done when"): bind the project lead, technical
lead, field operator and owner contact; issue the plan; execute every line with photos, a selfie and
the location; reject and resubmit; dispose the five faults the five ways; approve; generate and
file the report; the owner opens the report, rates the service and files a one-tap repair that the
lead disposes. Only the plan itself is created through the API (the web console's job).

Pushes are real: after each step the outbox is delivered by the real worker through the Telegram
sender (recording ``BaseRequest``), and the walk goes on by pressing the buttons of the messages the
bot actually sent."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.deps import AppState
from engine.db import unit_of_work
from tests.api.month_helpers import make_plan
from tests.bots.conftest import Tg, bind, buttons
from tests.bots.field_chat import (
    FileRecordingRequest,
    deliver_pushes,
    jpeg,
    last_card,
    press_label,
    press_on,
    push_to,
    send_location,
    send_photo,
)
from workflows.faults.models import Fault
from workflows.filings.models import Filing
from workflows.notifications.models import OutboxMessage
from workflows.owners.view_models import OwnerView
from workflows.ratings.models import ServiceRating
from workflows.repairs.models import RepairRequest
from workflows.reports.models import Report
from workflows.tasks.models import Photo, Task

LEAD, TECH, OP, OWN = 51, 52, 53, 54
SITE = (36.6171, 101.7782)
FAILS = 5


@pytest.fixture
def tg_request() -> FileRecordingRequest:
    return FileRecordingRequest()


def execute_all_lines(tg: Tg) -> None:
    """Record every item of the open task card by card: the first ``FAILS`` fail with a photo."""
    n = int(last_card(tg)["text"].split("\n")[0].split("/")[1].split()[0])
    for i in range(n):
        fail = i < FAILS
        press_label(tg, OP, "不符合" if fail else "符合")
        tg.say(OP, f"实测记录{i}" + ("：不符合" if fail else ""))
        if fail:
            send_photo(tg, OP, f"item-{i}", jpeg(100 + i))
        press_label(tg, OP, "下一项" if i + 1 < n else "自拍、定位并提交")


def test_month_entirely_in_chat(
    tg: Tg, client: TestClient, world: Any, state: AppState, admin_headers: dict[str, str]
) -> None:
    admin = world.headers["agency_admin"]
    bind(tg, client, admin, world.lead_id, LEAD)
    bind(tg, client, admin, world.tech_lead_id, TECH)
    bind(tg, client, admin, world.op1_id, OP)
    bind(tg, client, admin_headers, world.owner_contact_id, OWN)

    # the lead issues every line to 陈磊; the push tells him and leads to his lines
    plan = make_plan(client, world)
    tg.say(LEAD, "/menu")
    press_label(tg, LEAD, "待下发计划")
    press_label(tg, LEAD, plan["code"])
    press_label(tg, LEAD, "全部未下发")
    press_label(tg, LEAD, "陈磊")
    assert "✅ 已下发 33 项给 陈磊" in tg.request.texts()[-1]
    issued = push_to(deliver_pushes(tg, state), OP, "📋 新的计划任务")
    assert f"{plan['name']}下发给您 33 个计划项" in issued["text"]

    # the operator executes all 33 lines, five fail with photos; selfie; location; submit
    press_on(tg, OP, issued, "查看计划项")
    press_label(tg, OP, "全部开始（33 项）")
    execute_all_lines(tg)
    send_photo(tg, OP, "selfie", jpeg(99))
    send_location(tg, OP, *SITE)
    press_label(tg, OP, "提交审核")
    assert "已提交审核（第 1 轮" in tg.request.texts()[-1]
    with unit_of_work(state.sessions) as s:
        task = s.scalars(select(Task).where(Task.plan_id == uuid.UUID(plan["id"]))).one()
        task_id, code = task.id, task.code
        assert task.state == "submitted" and task.within_geofence
        assert len(list(s.scalars(select(Photo).where(Photo.task_id == task_id)))) == FAILS + 1

    # both reviewers are told; the lead opens the review card from the push and rejects with an opinion
    pushes = deliver_pushes(tg, state)
    for uid in (LEAD, TECH):
        assert (
            f"陈磊 提交了任务 {code}（第 1 轮），发现 {FAILS} 项故障"
            in push_to(pushes, uid, "📥 任务待审核")["text"]
        )
    press_on(tg, LEAD, push_to(pushes, LEAD, "📥 任务待审核"), "审核")
    review = last_card(tg)
    assert sum(1 for line in review["text"].split("\n") if line.startswith("❌")) == FAILS
    press_label(tg, LEAD, "不通过", message_id=901)
    tg.say(LEAD, "请复核不符合项的实测记录")

    # the operator reworks from the push and resubmits
    returned = push_to(deliver_pushes(tg, state), OP, "↩️ 任务被退回")
    assert "意见：请复核不符合项的实测记录" in returned["text"]
    press_on(tg, OP, returned, "返工")
    assert "审核意见：请复核不符合项的实测记录" in last_card(tg)["text"]
    press_label(tg, OP, "自拍、定位并提交")
    send_photo(tg, OP, "selfie-2", jpeg(98))
    send_location(tg, OP, *SITE)
    press_label(tg, OP, "提交审核")
    assert "已提交审核（第 2 轮" in tg.request.texts()[-1]

    # approve is refused (R-REV-1) until the five new faults are disposed, one per disposition
    resubmitted = push_to(deliver_pushes(tg, state), LEAD, "📥 任务待审核")
    assert "（第 2 轮）" in resubmitted["text"]
    press_on(tg, LEAD, resubmitted, "审核")
    approve = next(d for text, d in buttons(last_card(tg)) if "通过" in text and "不" not in text)
    tg.press(LEAD, approve)
    rev1 = last_card(tg)
    assert "R-REV-1" in rev1["text"] and len(buttons(rev1)) == FAILS
    for (_, data), kind in zip(
        buttons(rev1), ["排查", "业主同意", "业主不同意", "不在合同", "沟通中"], strict=True
    ):
        tg.press(LEAD, data)
        press_label(tg, LEAD, kind)
        if kind in ("业主不同意", "不在合同"):
            tg.say(LEAD, "已书面告知业主")
        if kind == "业主同意":
            tg.say(LEAD, "更换隔膜后试水")
        if kind in ("排查", "业主同意"):
            press_label(tg, LEAD, "陈磊")
        assert "已处理" in tg.request.texts()[-1]

    # the leader gets his investigation and repair tasks, the owner the five dispositions
    pushes = deliver_pushes(tg, state)
    investigation = push_to(pushes, OP, "🔍 新的排查任务")
    push_to(pushes, OP, "🛠 新的维修任务")
    owner_notes = [p for p in pushes if str(p["chat_id"]) == str(OWN)]
    assert len(owner_notes) == FAILS and all(p["text"].startswith("⚠️ 故障已处理") for p in owner_notes)
    assert all([t for t, _ in buttons(p)] == ["📜 查看处理经过"] for p in owner_notes)
    press_on(tg, OP, investigation, "打开我的任务")
    assert last_card(tg)["text"].startswith("排查任务 T-")
    press_label(tg, OP, "接收")
    press_label(tg, OP, "已解决")
    tg.say(OP, "复位后正常")
    assert "已解决" in tg.request.texts()[-1]
    press_on(tg, OWN, owner_notes[0], "查看处理经过")
    owner_fault = tg.request.sent()[-1]
    assert owner_fault["text"].startswith("故障 F-") and "处理经过：" in owner_fault["text"]
    assert not buttons(owner_fault)  # the owner's card: history, no dispositions, no staff list

    tg.press(LEAD, approve, message_id=902)
    assert tg.request.sent("editMessageText")[-1]["text"].startswith(f"✅ {code} 已通过")
    with unit_of_work(state.sessions) as s:
        faults = list(s.scalars(select(Fault).where(Fault.task_id == task_id, Fault.status != "void")))
        assert sorted(f.disposition or "" for f in faults) == sorted(
            ["investigate", "owner_approved_repair", "owner_refused_repair", "out_of_scope", "negotiating"]
        )
    assert push_to(deliver_pushes(tg, state), OP, "✅ 任务审核通过")

    # the lead generates the report (a PDF document); the technical lead files it from the push
    tg.say(LEAD, "/menu")
    press_label(tg, LEAD, "待生成报告")
    press_label(tg, LEAD, "生成")
    assert any(a == "sendDocument" for a, _, _ in tg.request.calls)
    with unit_of_work(state.sessions) as s:
        report = s.scalars(select(Report).where(Report.plan_id == uuid.UUID(plan["id"]))).one()
        report_id, report_code = report.id, report.code
    to_file = push_to(deliver_pushes(tg, state), TECH, "📄 报告待备案")
    assert report_code in to_file["text"] and "R-FILE-1" in to_file["text"]
    press_on(tg, TECH, to_file, "查看并备案")
    press_label(tg, TECH, "备案")
    tg.say(TECH, "同意备案")
    assert tg.request.texts()[-1].startswith(f"🗂 报告 {report_code} 已备案")

    # the owner opens the filed report from the push (recorded), rates the service, files a repair
    pushes = deliver_pushes(tg, state)
    assert push_to(pushes, LEAD, "🗂 报告已备案")["text"].endswith("已由 张宏伟 备案。")
    tg.request.clear()
    press_on(tg, OWN, push_to(pushes, OWN, "🗂 报告已备案"), "查看报告（PDF）")
    document = tg.request.sent("sendDocument")[-1]
    assert document["caption"].startswith(f"报告 {report_code}")
    assert [t for t, _ in buttons(document)] == ["⭐ 确认服务并评价"]
    press_label(tg, OWN, "确认服务并评价")
    press_label(tg, OWN, "★★★★★")
    tg.say(OWN, "-")
    tg.say(OWN, "/menu")
    press_label(tg, OWN, "一键报修")
    press_label(tg, OWN, buttons(last_card(tg))[0][0])
    tg.say(OWN, "1F 消防控制室")
    tg.say(OWN, "火灾报警控制器报故障")
    send_photo(tg, OWN, "owner-photo", jpeg(77))
    press_label(tg, OWN, "发送给维保单位")
    press_label(tg, OWN, "确认提交")
    assert "已发送维保单位" in tg.request.texts()[-1]

    # the lead disposes the owner's repair fault from the push
    repair_push = push_to(deliver_pushes(tg, state), LEAD, "🛠 业主报修")
    press_on(tg, LEAD, repair_push, "处理故障")
    assert "业主一键报修" in last_card(tg)["text"]
    press_label(tg, LEAD, "沟通中")
    assert "已处理" in tg.request.texts()[-1]
    negotiating = push_to(deliver_pushes(tg, state), OWN, "⚠️ 故障已处理")
    assert "处理方式：与业主沟通中" in negotiating["text"]

    with unit_of_work(state.sessions) as s:
        assert s.get(Report, report_id).status == "filed"  # type: ignore[union-attr]
        assert s.scalars(select(Filing).where(Filing.report_id == report_id)).one().opinion == "同意备案"
        assert s.scalars(select(ServiceRating)).one().rating == 5
        assert {v.subject_type for v in s.scalars(select(OwnerView))} == {"report_pdf", "fault"}
        repair = s.scalars(select(RepairRequest)).one()
        fault = s.get(Fault, repair.fault_id)
        assert fault is not None and (fault.source, fault.status) == ("repair_request", "negotiating")
        assert s.get(Task, task_id).state == "approved"  # type: ignore[union-attr]
        # every push to a bound person went out through Telegram
        rows = list(s.scalars(select(OutboxMessage)))
        assert rows and all(m.state == "sent" for m in rows)
        assert all(
            m.channel == "telegram" for m in rows if str(m.recipient_id) in (world.lead_id, world.op1_id)
        )
