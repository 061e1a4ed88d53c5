"""One maintenance month entirely in chat (issue 4 "Done when"): bind the project lead, technical
lead, field operator and owner contact; issue the plan; execute every line with photos, a selfie and
the location; reject and resubmit; dispose the five faults the five ways; approve; generate and
file the report; the owner opens the report, rates the service and files a one-tap repair that the
lead disposes. Only the plan itself is created through the API (the web console's job)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.deps import AppState
from bots.core.notifications import render_notification
from engine.db import unit_of_work
from tests.api.month_helpers import make_plan
from tests.bots.conftest import Tg, bind, buttons
from tests.bots.field_chat import (
    FileRecordingRequest,
    jpeg,
    last_card,
    press_label,
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


def press_notification(tg: Tg, state: AppState, uid: int, kind: str, person_id: str) -> None:
    """Render the newest ``kind`` notification of the person as the bot would and press its button."""
    with unit_of_work(state.sessions) as s:
        note = s.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == kind, OutboxMessage.recipient_id == uuid.UUID(person_id))
            .order_by(OutboxMessage.created_at.desc())
        ).first()
        assert note is not None, kind
        card = render_notification(note.kind, note.payload, "zh", note.recipient_id)
    tg.press(uid, card.buttons[0][0].data or "")


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

    # the lead issues every line to 陈磊
    plan = make_plan(client, world)
    tg.say(LEAD, "/menu")
    press_label(tg, LEAD, "待下发计划")
    press_label(tg, LEAD, plan["code"])
    press_label(tg, LEAD, "全部未下发")
    press_label(tg, LEAD, "陈磊")
    assert "✅ 已下发 33 项给 陈磊" in tg.request.texts()[-1]

    # the operator executes all 33 lines, five fail with photos; selfie; location; submit
    tg.say(OP, "/menu")
    press_label(tg, OP, "我的现场工作")
    press_label(tg, OP, plan["code"])
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

    # the lead rejects with an opinion; the operator reworks from the notification and resubmits
    tg.say(LEAD, "/menu")
    press_label(tg, LEAD, "待审核任务")
    press_label(tg, LEAD, code)
    review = last_card(tg)
    assert sum(1 for line in review["text"].split("\n") if line.startswith("❌")) == FAILS
    press_label(tg, LEAD, "不通过", message_id=901)
    tg.say(LEAD, "请复核不符合项的实测记录")
    press_notification(tg, state, OP, "task.reviewed", world.op1_id)
    assert "审核意见：请复核不符合项的实测记录" in last_card(tg)["text"]
    press_label(tg, OP, "自拍、定位并提交")
    send_photo(tg, OP, "selfie-2", jpeg(98))
    send_location(tg, OP, *SITE)
    press_label(tg, OP, "提交审核")
    assert "已提交审核（第 2 轮" in tg.request.texts()[-1]

    # approve is refused (R-REV-1) until the five new faults are disposed, one per disposition
    tg.say(LEAD, "/menu")
    press_label(tg, LEAD, "待审核任务")
    press_label(tg, LEAD, code)
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
    tg.press(LEAD, approve, message_id=902)
    assert tg.request.sent("editMessageText")[-1]["text"].startswith(f"✅ {code} 已通过")
    with unit_of_work(state.sessions) as s:
        faults = list(s.scalars(select(Fault).where(Fault.task_id == task_id, Fault.status != "void")))
        assert sorted(f.disposition or "" for f in faults) == sorted(
            ["investigate", "owner_approved_repair", "owner_refused_repair", "out_of_scope", "negotiating"]
        )

    # the lead generates the report (a PDF document); the technical lead files it
    tg.say(LEAD, "/menu")
    press_label(tg, LEAD, "待生成报告")
    press_label(tg, LEAD, "生成")
    assert any(a == "sendDocument" for a, _, _ in tg.request.calls)
    with unit_of_work(state.sessions) as s:
        report = s.scalars(select(Report).where(Report.plan_id == uuid.UUID(plan["id"]))).one()
        report_id, report_code = report.id, report.code
    tg.say(TECH, "/menu")
    press_label(tg, TECH, "待备案报告")
    press_label(tg, TECH, report_code)
    press_label(tg, TECH, "备案")
    tg.say(TECH, "同意备案")
    assert tg.request.texts()[-1].startswith(f"🗂 报告 {report_code} 已备案")

    # the owner opens the report (recorded), rates the service and files a one-tap repair
    tg.request.clear()
    tg.say(OWN, "/menu")
    press_label(tg, OWN, "我的项目")
    press_label(tg, OWN, world.project_name)
    press_label(tg, OWN, "报告")
    press_label(tg, OWN, report_code)
    assert tg.request.sent("sendDocument")[-1]["caption"].startswith(f"报告 {report_code}")
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

    # the lead disposes the owner's repair fault from the notification
    press_notification(tg, state, LEAD, "repair_request.received", world.lead_id)
    assert "业主一键报修" in last_card(tg)["text"]
    press_label(tg, LEAD, "沟通中")
    assert "已处理" in tg.request.texts()[-1]

    with unit_of_work(state.sessions) as s:
        assert s.get(Report, report_id).status == "filed"  # type: ignore[union-attr]
        assert s.scalars(select(Filing).where(Filing.report_id == report_id)).one().opinion == "同意备案"
        assert s.scalars(select(ServiceRating)).one().rating == 5
        assert {v.subject_type for v in s.scalars(select(OwnerView))} == {"report_pdf"}
        repair = s.scalars(select(RepairRequest)).one()
        fault = s.get(Fault, repair.fault_id)
        assert fault is not None and (fault.source, fault.status) == ("repair_request", "negotiating")
        assert s.get(Task, task_id).state == "approved"  # type: ignore[union-attr]
