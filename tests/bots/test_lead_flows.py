"""The project lead and technical lead work a month in chat, checked against the database.

Operators execute through the REST API (their chat flows are tested separately); everything the
leads do goes through Telegram Update JSON → webhook → PTB → services.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.deps import AppState
from bots.core.callbacks import decode, encode
from engine.db import unit_of_work
from tests.api.month_helpers import execute, faults_of, make_plan, photo
from tests.bots.conftest import Tg, bind, buttons
from workflows.faults.models import Fault
from workflows.filings.models import Filing
from workflows.plans.models import PlanLine
from workflows.reports.models import Report
from workflows.tasks.models import Task

LEAD, TECH = 21, 22


def last_with_buttons(tg: Tg) -> dict[str, Any]:
    return next(p for p in reversed(tg.request.sent()) if buttons(p))


def press_label(tg: Tg, uid: int, label: str) -> None:
    """Press the button whose text contains ``label`` (not empty) on the last card with buttons."""
    assert label, "name the button to press"
    card = last_with_buttons(tg)
    data = next((d for text, d in buttons(card) if label in text), None)
    assert data is not None, f"no button {label!r} in {buttons(card)}"
    tg.press(uid, data)


def test_lead_month_in_chat(tg: Tg, client: TestClient, world: Any, state: AppState) -> None:
    admin = world.headers["agency_admin"]
    bind(tg, client, admin, world.people["lead"], LEAD)
    bind(tg, client, admin, world.people["tech_lead"], TECH)

    # issue the plan from chat: menu → plan → all remaining → op1
    plan = make_plan(client, world)
    tg.say(LEAD, "/menu")
    press_label(tg, LEAD, "待下发计划")
    press_label(tg, LEAD, plan["code"])
    press_label(tg, LEAD, "全部未下发")
    op1 = client.get("/api/v1/me", headers=world.headers["op1"]).json()["name"]
    press_label(tg, LEAD, op1)
    with unit_of_work(state.sessions) as s:
        lines = list(s.scalars(select(PlanLine).where(PlanLine.plan_id == uuid.UUID(plan["id"]))))
    assert lines and all(line.executor_id is not None for line in lines)
    executor = lines[0].executor_id
    assert "✅ 已下发" in tg.request.texts()[-1]
    assert str(executor) == world.people["op1"]
    who = "op1"

    # the executor submits with five failed items
    line_ids = [str(line.id) for line in lines if not line.ignored]
    task = execute(client, world, line_ids, who=who, fails=5)
    tg.request.clear()
    tg.say(LEAD, "/menu")
    press_label(tg, LEAD, "待审核任务")
    press_label(tg, LEAD, task["code"])
    assert "sendPhoto" in [a for a, _, _ in tg.request.calls] or "sendMediaGroup" in [
        a for a, _, _ in tg.request.calls
    ]
    card = last_with_buttons(tg)
    body = card["text"].split("\n")
    assert body[0].startswith(f"任务 {task['code']}")
    first_items = [b for b in body if b.startswith(("❌", "✅", "⚪"))]
    assert all(b.startswith("❌") for b in first_items[:5])

    # reject with an opinion
    reject = next(d for text, d in buttons(card) if "不通过" in text)
    tg.press(LEAD, reject, message_id=777)
    assert "审核不通过的意见" in tg.request.texts()[-1]
    tg.say(LEAD, "请补拍照片")
    edits = tg.request.sent("editMessageText")
    assert (
        edits[-1]["message_id"] == 777 and "未通过" in edits[-1]["text"] and "reply_markup" not in edits[-1]
    )
    with unit_of_work(state.sessions) as s:
        assert s.get(Task, uuid.UUID(task["id"])).state == "rejected"  # type: ignore[union-attr]

    # rework and resubmit through the API
    h = world.headers[who]
    for lid in line_ids[:5]:
        client.put(
            f"/api/v1/tasks/{task['id']}/results/{lid}",
            json={"outcome": "fail", "measured_record": "复核不符合"},
            headers=h,
        )
        photo(client, h, task["id"], lid)
    r = client.post(
        f"/api/v1/tasks/{task['id']}/submit", json={"latitude": 36.6172, "longitude": 101.7783}, headers=h
    )
    assert r.status_code == 200, r.text

    # approve is refused by R-REV-1 and lists the five faults
    tg.request.clear()
    approve = next(d for text, d in buttons(card) if "通过" in text and "不" not in text)
    tg.press(LEAD, approve)
    rev1 = last_with_buttons(tg)
    assert "R-REV-1" in rev1["text"]
    fault_buttons = [d for _, d in buttons(rev1)]
    assert len(fault_buttons) == 5

    # dispose each fault the five ways through the dialog
    for data, kind in zip(
        fault_buttons, ["投排查", "业主同意", "业主不同意", "不在合同", "沟通中"], strict=True
    ):
        tg.press(LEAD, data)
        kind_label = {"投排查": "排查"}.get(kind, kind)
        press_label(tg, LEAD, kind_label)
        if kind in ("业主不同意", "不在合同"):
            tg.say(LEAD, "已书面告知业主")
        if kind == "业主同意":
            tg.say(LEAD, "更换隔膜后试水")
        if kind in ("投排查", "业主同意"):
            leaders = [text for text, _ in buttons(last_with_buttons(tg))]
            assert leaders == ["刘洋", "赵强", "陈磊"]  # the agency's executors, by name
            press_label(tg, LEAD, "赵强")
        assert "已处理" in tg.request.texts()[-1], tg.request.texts()[-3:]
    with unit_of_work(state.sessions) as s:
        dispositions = sorted(
            f.disposition or ""
            for f in s.scalars(
                select(Fault).where(Fault.task_id == uuid.UUID(task["id"])).where(Fault.status != "void")
            )
        )
    assert dispositions == sorted(
        ["investigate", "owner_approved_repair", "owner_refused_repair", "out_of_scope", "negotiating"]
    )
    assert all(f["status"] != "pending" for f in faults_of(client, world))
    led = {f["disposition"]: f["leader_id"] for f in faults_of(client, world) if f["leader_id"]}
    assert led == {"investigate": world.op2_id, "owner_approved_repair": world.op2_id}

    # approve now, then a double tap is harmless
    tg.press(LEAD, approve, message_id=778)
    edit = tg.request.sent("editMessageText")[-1]
    assert edit["message_id"] == 778 and edit["text"].startswith(f"✅ {task['code']} 已通过")
    tg.press(LEAD, approve, message_id=778)
    # who decided, and when in business time (10:00 Asia/Shanghai, not 02:00 UTC)
    decided = "ℹ️ 任务不在待审核状态，已由刘洋于2026-10-08 10:00审核。"
    assert tg.request.sent("editMessageText")[-1]["text"] == decided
    tg.press(LEAD, encode("rev", "rj", uuid.UUID(task["id"])), message_id=779)  # ❌ on an old card
    edit = tg.request.sent("editMessageText")[-1]
    assert (edit["message_id"], edit["text"]) == (779, decided)
    with unit_of_work(state.sessions) as s:
        assert s.get(Task, uuid.UUID(task["id"])).state == "approved"  # type: ignore[union-attr]

    # generate the report → the PDF arrives as a document
    tg.request.clear()
    tg.say(LEAD, "/menu")
    press_label(tg, LEAD, "待生成报告")
    press_label(tg, LEAD, "生成")
    docs = [(p, files) for a, p, files in tg.request.calls if a == "sendDocument"]
    assert docs and docs[-1][1]
    pdfs = [content for api, content in tg.request.uploads if api == "sendDocument"]
    with unit_of_work(state.sessions) as s:
        report = s.scalars(select(Report).where(Report.plan_id == uuid.UUID(plan["id"]))).one()
        assert report.status == "generated"
        report_id = report.id
        assert pdfs[-1] == report.pdf and pdfs[-1].startswith(b"%PDF")

    # the technical lead files it
    tg.say(TECH, "/menu")
    press_label(tg, TECH, "待备案报告")
    press_label(tg, TECH, report.code)
    press_label(tg, TECH, "备案")
    tg.say(TECH, "同意备案")
    assert tg.request.texts()[-1].startswith(f"🗂 报告 {report.code} 已备案")
    with unit_of_work(state.sessions) as s:
        assert s.get(Report, report_id).status == "filed"  # type: ignore[union-attr]
        assert s.scalars(select(Filing).where(Filing.report_id == report_id)).one().opinion == "同意备案"
    assert decode(approve) is not None
