"""A live location keeps sending updates (Telegram: ``edited_message``) long after the location step
that took it. Such an update is never input for another step: it neither answers the outcome
buttons nor the measured record (R-TASK), nor moves a later task's position — only the live
location the current location step took moves that task's position."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.deps import AppState
from engine.db import unit_of_work
from tests.api.month_helpers import issue_all, make_plan
from tests.bots.conftest import Tg, bind
from tests.bots.field_chat import (
    FileRecordingRequest,
    jpeg,
    last_card,
    move_live_location,
    press_label,
    send_location,
    send_photo,
)
from tests.conftest import db_snapshot
from workflows.chat.models import ChatDialog
from workflows.tasks.models import ItemResult, Task

OP = 41
SHARED = (36.6170, 101.7780)  # where the live location was shared (on site)
AWAY = (36.7000, 101.9000)  # where it drifted to later (the operator drove off)
SITE = (36.6171, 101.7782)


@pytest.fixture
def tg_request() -> FileRecordingRequest:
    return FileRecordingRequest()


def start_task(tg: Tg, plan: dict[str, Any], system: str) -> str:
    """Open the plan's open lines and start a task of one system; returns the task code."""
    tg.press(OP, f"v1:line:list:{uuid.UUID(plan['id']).hex}")
    press_label(tg, OP, system)
    return re.findall(r"T-\d{4}-\d{4}", tg.request.sent("editMessageText")[-1]["text"])[0]


def task_row(state: AppState, code: str) -> Task:
    with unit_of_work(state.sessions) as s:
        task = s.scalars(select(Task).where(Task.code == code)).one()
        s.expunge(task)
        return task


def dialog_step(state: AppState) -> tuple[str, str]:
    with unit_of_work(state.sessions) as s:
        row = s.scalars(select(ChatDialog)).one()
        return row.name, row.step


def unchanged_by(tg: Tg, state: AppState, send: Any) -> None:
    """``send()`` answers nothing and changes no row (but the update dedupe's)."""

    def rows() -> dict[str, Any]:
        return {k: v for k, v in db_snapshot(state).items() if k != "telegram_update"}

    before, sent = rows(), len(tg.request.sent())
    send()
    assert len(tg.request.sent()) == sent, tg.request.texts()[sent:]
    assert rows() == before


def test_a_live_location_of_an_earlier_task_never_takes_over_the_next_one(
    tg: Tg, client: TestClient, world: Any, state: AppState
) -> None:
    plan = issue_all(client, world, make_plan(client, world))
    bind(tg, client, world.headers["agency_admin"], world.people["op1"], OP)

    # task A: two passes, selfie, a live location shared at the location step → submitted there
    first = start_task(tg, plan, "防火分隔")
    for label in ("下一项", "自拍、定位并提交"):
        press_label(tg, OP, "符合")
        tg.say(OP, "-")
        press_label(tg, OP, label)
    send_photo(tg, OP, "selfie-a", jpeg(1))
    live = send_location(tg, OP, *SHARED, live=True)
    press_label(tg, OP, "提交审核")
    done = task_row(state, first)
    assert done.state == "submitted" and (done.latitude, done.longitude) == SHARED

    # task B: the live location of A keeps moving while B waits for an outcome, then for a record
    second = start_task(tg, plan, "应急照明")
    assert dialog_step(state) == ("op_task", "outcome")
    unchanged_by(tg, state, lambda: move_live_location(tg, OP, live, *AWAY))
    press_label(tg, OP, "不符合")
    assert dialog_step(state) == ("op_task", "record")
    unchanged_by(tg, state, lambda: move_live_location(tg, OP, live, *AWAY))
    assert dialog_step(state) == ("op_task", "record")

    # a location sent (not an update) at the record step is not the record either: the step's hint
    send_location(tg, OP, *AWAY)
    assert tg.request.texts()[-1] == "请输入文字，或发送 /cancel 取消。"
    assert dialog_step(state) == ("op_task", "record")

    # the measured record typed afterwards is stored (R-TASK) and the dialog asks for photos
    tg.say(OP, "应急灯不亮")
    assert "不符合项必须拍照" in last_card(tg)["text"]
    with unit_of_work(state.sessions) as s:
        results = s.scalars(select(ItemResult).where(ItemResult.task_id == task_row(state, second).id))
        assert [(r.outcome, r.measured_record) for r in results if r.outcome] == [("fail", "应急灯不亮")]
    send_photo(tg, OP, "lamp", jpeg(2))
    press_label(tg, OP, "下一项")
    press_label(tg, OP, "符合")
    tg.say(OP, "-")
    press_label(tg, OP, "自拍、定位并提交")
    unchanged_by(tg, state, lambda: move_live_location(tg, OP, live, *AWAY))  # at the selfie step
    send_photo(tg, OP, "selfie-b", jpeg(3))

    # B's location step takes a static location; A's live location moving on does not move B
    send_location(tg, OP, *SITE)
    assert last_card(tg)["text"].startswith("📍 位置已收到（36.61710, 101.77820）")
    unchanged_by(tg, state, lambda: move_live_location(tg, OP, live, *AWAY))
    press_label(tg, OP, "提交审核")
    submitted = task_row(state, second)
    assert submitted.state == "submitted" and (submitted.latitude, submitted.longitude) == SITE
    assert submitted.within_geofence


def test_at_the_location_step_a_live_update_is_taken_and_then_followed(
    tg: Tg, client: TestClient, world: Any, state: AppState
) -> None:
    """A live location already running when the location step comes is taken at its next update
    (with the submit button); its later updates then move the position silently."""
    plan = issue_all(client, world, make_plan(client, world))
    bind(tg, client, world.headers["agency_admin"], world.people["op1"], OP)
    code = start_task(tg, plan, "防火分隔")
    live = send_location(tg, OP, *AWAY, live=True)  # shared early: the outcome step ignores it
    assert tg.request.texts()[-1].startswith(f"{code} 第 1/2 项")
    for label in ("下一项", "自拍、定位并提交"):
        press_label(tg, OP, "符合")
        tg.say(OP, "-")
        press_label(tg, OP, label)
    send_photo(tg, OP, "selfie", jpeg(4))
    assert dialog_step(state) == ("op_task", "location")
    move_live_location(tg, OP, live, *SHARED)
    assert last_card(tg)["text"].startswith("📍 位置已收到（36.61700, 101.77800）")
    sent = len(tg.request.sent())
    move_live_location(tg, OP, live, *SITE)
    assert len(tg.request.sent()) == sent  # followed silently
    press_label(tg, OP, "提交审核")
    task = task_row(state, code)
    assert task.state == "submitted" and (task.latitude, task.longitude) == SITE
