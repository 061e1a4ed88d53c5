"""The owner contact in chat (R-OWN): projects, the report as a PDF document (the view recorded,
R-ROLE-5), open faults with their history, confirming and rating a filed report once, and one-tap
repair requests to the agency (a fault the lead must dispose; the draft survives a restart) and
handled internally. Checked against what the bot sent and against the database."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.demo import ok
from api.deps import AppState
from engine.db import unit_of_work
from tests.api.month_helpers import approved_plan, generate
from tests.bots.conftest import Tg, bind, buttons
from tests.bots.field_chat import (
    FileRecordingRequest,
    jpeg,
    last_card,
    press_label,
    restarted_bot,
    send_photo,
    sha,
)
from workflows.faults.models import Fault
from workflows.notifications.models import OutboxMessage
from workflows.owners.view_models import OwnerView
from workflows.ratings.models import ServiceRating
from workflows.repairs.models import RepairPhoto, RepairRequest

OWN = 41


@pytest.fixture
def tg_request() -> FileRecordingRequest:
    return FileRecordingRequest()


def views(state: AppState) -> list[tuple[str, str]]:
    with unit_of_work(state.sessions) as s:
        return [
            (v.subject_type, str(v.person_id)) for v in s.scalars(select(OwnerView).order_by(OwnerView.at))
        ]


def test_owner_reads_rates_and_reports_problems(
    tg: Tg, client: TestClient, world: Any, state: AppState, admin_headers: dict[str, str]
) -> None:
    plan = approved_plan(client, world, fails=1)
    report = ok(generate(client, world, plan), 201)
    bind(tg, client, admin_headers, world.owner_contact_id, OWN)

    # menu → projects → the project → reports → the PDF document (the opening is recorded)
    tg.say(OWN, "/menu")
    assert [t for t, _ in buttons(last_card(tg))] == ["🏢 我的项目", "🛠 一键报修"]
    press_label(tg, OWN, "我的项目")
    press_label(tg, OWN, world.project_name)
    assert last_card(tg)["text"].startswith(f"项目 {world.project_code} {world.project_name}")
    press_label(tg, OWN, "报告")
    press_label(tg, OWN, report["code"])
    docs = [(p, files) for a, p, files in tg.request.calls if a == "sendDocument"]
    assert len(docs) == 1 and docs[0][1]
    assert (
        docs[0][0]["caption"].startswith(f"报告 {report['code']}（第 1 版）")
        and "状态：待备案" in docs[0][0]["caption"]
    )
    assert "reply_markup" not in docs[0][0]  # not filed yet: nothing to rate
    assert views(state) == [("report_pdf", world.owner_contact_id)]

    # open faults with their handling history (each read recorded)
    tg.request.clear()
    tg.press(OWN, f"v1:owner:flts:{uuid.UUID(world.project_id).hex}")
    texts = tg.request.texts()
    assert texts[0] == f"项目 {world.project_name}：未关闭故障 1 项"
    assert texts[1].startswith("故障 F-2026-") and "（与业主沟通中）" in texts[1]
    assert "发现故障（陈磊）" in texts[1] and "与业主沟通中（刘洋）" in texts[1]
    assert views(state)[-1] == ("fault", world.owner_contact_id)

    # after filing: confirm and rate the service, once
    ok(
        client.post(
            f"/api/v1/reports/{report['id']}/filing",
            json={"opinion": "同意备案"},
            headers=world.headers["tech_lead"],
        )
    )
    tg.request.clear()
    tg.press(OWN, f"v1:owner:rpt:{uuid.UUID(report['id']).hex}")
    doc = tg.request.sent("sendDocument")[-1]
    assert "状态：已备案" in doc["caption"] and [t for t, _ in buttons(doc)] == ["⭐ 确认服务并评价"]
    press_label(tg, OWN, "确认服务并评价")
    assert [t for t, _ in buttons(last_card(tg))] == ["★★★★★", "★★★★☆", "★★★☆☆", "★★☆☆☆", "★☆☆☆☆"]
    star4 = press_label(tg, OWN, "★★★★☆")
    assert tg.request.texts()[-1] == "您选择了 ★★★★☆。请输入评价意见（发送 - 不填写）："
    tg.say(OWN, "响应及时，服务规范")
    assert tg.request.texts()[-1].startswith(f"✅ 已确认报告 {report['code']} 的服务：★★★★☆")
    tg.press(OWN, star4)  # an old button: the second confirmation is refused
    tg.say(OWN, "-")
    assert "已确认评价" in tg.request.texts()[-1]
    with unit_of_work(state.sessions) as s:
        rating = s.scalars(select(ServiceRating)).one()
        assert (rating.rating, rating.comment, str(rating.person_id)) == (
            4,
            "响应及时，服务规范",
            world.owner_contact_id,
        )

    # one-tap repair to the agency: facility → location → description → photo → (restart) → route → confirm
    tg.say(OWN, "/menu")
    press_label(tg, OWN, "一键报修")
    facilities = buttons(last_card(tg))
    assert len(facilities) == len(world.facility_ids) + 1 and facilities[-1][0] == "取消"
    facility = facilities[0][0]
    press_label(tg, OWN, facility, message_id=801)
    assert tg.request.sent("editMessageText")[-1]["text"].startswith(f"设施：{facility}\n请输入具体位置")
    tg.say(OWN, "B1 消防水泵房")
    assert tg.request.texts()[-1] == "请描述问题："
    tg.say(OWN, "喷淋泵无法自动启动")
    assert [t for t, _ in buttons(last_card(tg))] == ["跳过照片"]
    send_photo(tg, OWN, "pump", jpeg(5))
    assert tg.request.texts()[-2:][0] == "📷 照片已收到。"
    with restarted_bot(state, tg) as tg2:
        press_label(tg2, OWN, "发送给维保单位")
        confirm = last_card(tg2)["text"]
        assert f"设施：{facility}" in confirm and "位置：B1 消防水泵房" in confirm and "照片：有" in confirm
        press_label(tg2, OWN, "确认提交", message_id=802)
        done = tg2.request.sent("editMessageText")[-1]
        assert done["message_id"] == 802 and re.match(
            r"✅ 已报修 BX-2026-0001，已发送维保单位（故障 F-2026-\d{4}）", done["text"]
        )
    with unit_of_work(state.sessions) as s:
        req = s.scalars(select(RepairRequest)).one()
        assert (req.route, req.status, req.location, req.description) == (
            "agency",
            "sent_to_agency",
            "B1 消防水泵房",
            "喷淋泵无法自动启动",
        )
        assert s.scalars(select(RepairPhoto)).one().sha256 == sha(jpeg(5))
        fault = s.get(Fault, req.fault_id)
        assert fault is not None and fault.source == "repair_request" and fault.status == "pending"
        note = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "repair_request.received")).one()
        assert str(note.recipient_id) == world.lead_id and note.payload["fault_code"] == fault.code
    inbox = ok(client.get("/api/v1/inbox", headers=world.headers["lead"]))
    assert ("dispose_fault", str(req.fault_id)) in [(i["step"], i["subject_id"]) for i in inbox]

    # handled internally, without a photo: no fault
    tg.say(OWN, "/menu")
    press_label(tg, OWN, "一键报修")
    press_label(tg, OWN, facilities[1][0])
    tg.say(OWN, "3F 走廊")
    tg.say(OWN, "疏散指示灯不亮")
    press_label(tg, OWN, "跳过照片")
    press_label(tg, OWN, "内部处理")
    assert "照片：无" in last_card(tg)["text"]
    press_label(tg, OWN, "确认提交")
    assert tg.request.texts()[-1].startswith("✅ 已报修 BX-2026-0002（内部处理）")
    with unit_of_work(state.sessions) as s:
        assert s.scalar(select(func.count()).select_from(Fault).where(Fault.source == "repair_request")) == 1
    tg.press(OWN, f"v1:repair:list:{uuid.UUID(world.project_id).hex}")
    listed = tg.request.texts()[-1]
    assert (
        listed.startswith("报修记录：") and "BX-2026-0002" in listed and "已发送维保单位 · F-2026-" in listed
    )
