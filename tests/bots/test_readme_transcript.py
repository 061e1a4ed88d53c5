"""The transcript in the README's "Telegram bot" section is a real offline run.

The main flows are driven through the real bot with real Update JSON (the same machinery as the
other chat tests): the lead issues the plan; the operator executes with a photo, a selfie and the
location; the lead rejects with an opinion, the operator reworks; R-REV-1 and the disposition
dialog; approval; the report as a PDF, filed by the technical lead; the owner opens it and files a
one-tap repair that the lead disposes; the fire department decides a suspension. What the bot sent
is written down by :class:`tests.bots.transcript.Transcript` and compared with the README.

Regenerate the README block after a deliberate change of the bot's texts::

    FIREOPS_WRITE_TRANSCRIPT=1 .venv/bin/python -m pytest -q tests/bots/test_readme_transcript.py
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.deps import AppState
from tests.api.lifecycle_helpers import SUPERVISOR, add_supervisor, request_suspension
from tests.api.month_helpers import make_plan
from tests.bots.conftest import Tg
from tests.bots.field_chat import FileRecordingRequest
from tests.bots.transcript import Person, Transcript

README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- telegram-transcript:start -->", "<!-- telegram-transcript:end -->"
SITE = (36.6171, 101.7782)


@pytest.fixture
def tg_request() -> FileRecordingRequest:
    return FileRecordingRequest()


def _bind(tr: Transcript, client: TestClient, headers: dict[str, str], key: str, person_id: str) -> None:
    code = client.post(f"/api/v1/people/{person_id}/chat-binding-code", headers=headers).json()["code"]
    tr.say(key, f"/start {code}")


def record_month(tg: Tg, client: TestClient, world: Any, state: AppState, admin: dict[str, str]) -> str:
    """Run the main flows in chat and return the transcript."""
    people = {
        "lead": Person(301, "刘洋", "项目负责人"),
        "tech": Person(302, "张宏伟", "技术负责人"),
        "op": Person(303, "陈磊", "现场作业人员"),
        "owner": Person(304, "孙丽", "业主联系人"),
        "fire": Person(305, "马队长", "消防监督员"),
    }
    tr = Transcript(tg, state, people)
    agency_admin = world.headers["agency_admin"]
    tr.note("绑定：机构系统管理员发放一次性绑定码（POST /api/v1/people/{id}/chat-binding-code）")
    _bind(tr, client, agency_admin, "lead", world.lead_id)
    with tr.quietly("张宏伟、陈磊、孙丽同样用各自的绑定码绑定"):
        _bind(tr, client, agency_admin, "tech", world.tech_lead_id)
        _bind(tr, client, agency_admin, "op", world.op1_id)
        _bind(tr, client, admin, "owner", world.owner_contact_id)

    plan = make_plan(client, world)
    tr.note(f"项目负责人在管理端制定了 {plan['name']}（{plan['code']}）")
    tr.say("lead", "/menu")
    tr.press("lead", "待下发计划")
    tr.press("lead", plan["code"])
    tr.press("lead", "全部未下发")
    tr.press("lead", "陈磊")
    tr.pushes()

    # the operator: lines → task → items with a photo → selfie → location → submit
    tr.press("op", "查看计划项")
    tr.press("op", "全部开始")
    tr.press("op", "不符合")
    tr.say("op", "3F 走廊扬声器无声")
    tr.photo("op", "speaker", 7)
    tr.press("op", "下一项")
    tr.press("op", "符合")
    tr.say("op", "-")
    with tr.quietly("其余 31 项同样逐项记录（符合）"):
        for _ in range(31):
            tr.press("op", "下一项")
            tr.press("op", "符合")
            tr.say("op", "-")
    tr.press("op", "自拍、定位并提交")
    tr.photo("op", "selfie", 8)
    tr.location("op", *SITE)
    tr.press("op", "提交审核", message_id=601)
    tr.pushes()

    # the lead: review card → reject with an opinion
    tr.press("lead", "审核")
    tr.press("lead", "不通过", message_id=602)
    tr.say("lead", "请补拍扬声器照片并复测")
    tr.pushes()
    tr.press("op", "返工")
    tr.press("op", "自拍、定位并提交")
    tr.photo("op", "selfie-2", 9)
    tr.location("op", *SITE)
    tr.press("op", "提交审核", message_id=603)
    tr.pushes()

    # approve → R-REV-1 → the disposition dialog (kind → repair plan → leader) → approve
    tr.press("lead", "审核")
    tr.press("lead", "通过", message_id=604)
    tr.press("lead", "F-")
    tr.press("lead", "业主同意维修", message_id=605)
    tr.say("lead", "更换 3F 走廊扬声器")
    tr.press("lead", "陈磊")
    tr.press("lead", "通过", message_id=604, on="任务 T-")  # the review card's ✅ again
    tr.pushes()
    tr.press("op", "打开我的任务", on="🛠 新的维修任务")
    tr.press("op", "已解决")
    tr.say("op", "已更换扬声器，复测音量正常")
    tr.pushes()

    # the report: generated as a PDF, filed by the technical lead from the push
    tr.say("lead", "/menu")
    tr.press("lead", "待生成报告")
    tr.press("lead", "生成", message_id=606)
    tr.pushes()
    tr.press("tech", "查看并备案")
    tr.press("tech", "备案", message_id=607)
    tr.say("tech", "同意备案")
    tr.pushes()

    # the owner: the filed report (PDF, the opening is recorded), one-tap repair to the agency
    tr.press("owner", "查看报告")
    tr.say("owner", "/menu")
    tr.press("owner", "一键报修")
    tr.press("owner", "报警控制器", message_id=608)
    tr.say("owner", "1F 消防控制室")
    tr.say("owner", "火灾报警控制器显示主电故障")
    tr.photo("owner", "panel", 10)
    tr.press("owner", "发送给维保单位")
    tr.press("owner", "确认提交", message_id=609)
    tr.pushes()
    tr.press("lead", "处理故障")
    tr.press("lead", "沟通中", message_id=610)
    tr.press("lead", "沟通中", message_id=610)  # a double tap on the same card
    tr.pushes()

    # the fire department decides a suspension request
    person_id, _ = add_supervisor(client, admin, SUPERVISOR)
    _bind(tr, client, admin, "fire", person_id)
    assert request_suspension(client, world, "2026-11").status_code == 201
    tr.note("项目负责人在管理端申请 2026-11 暂停（业主装修停业）")
    tr.say("fire", "/menu")
    tr.press("fire", "停业申请")
    tr.press("fire", "2026-11")
    tr.press("fire", "通过", message_id=611)
    tr.press("fire", "通过", message_id=611)
    tr.pushes()
    return tr.text()


def readme_block() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(re.escape(START) + r"\n```text\n(.*?)```\n" + re.escape(END), text, re.S)
    return match.group(1) if match else ""


def write_readme_block(transcript: str) -> None:
    text = README.read_text(encoding="utf-8")
    block = f"{START}\n```text\n{transcript}```\n{END}"
    pattern = re.escape(START) + r".*?" + re.escape(END)
    README.write_text(re.sub(pattern, lambda _m: block, text, flags=re.S), encoding="utf-8")


def test_the_readme_transcript_is_a_real_run(
    tg: Tg, client: TestClient, world: Any, state: AppState, admin_headers: dict[str, str]
) -> None:
    transcript = record_month(tg, client, world, state, admin_headers)
    assert "R-REV-1" in transcript and "⏱ 该卡片已过期" in transcript and "📄 PDF 文件" in transcript
    if os.environ.get("FIREOPS_WRITE_TRANSCRIPT"):
        write_readme_block(transcript)
    assert readme_block() == transcript, "README transcript is stale: regenerate it (see this module's doc)"
