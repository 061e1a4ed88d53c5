"""Tasks without a plan (R-TASK-2): supplementary tests (补充测试项) and spec mismatches
(设施与当前规范不匹配) through the API — built, executed, submitted and reviewed like plan tasks,
never a report on their own, in a report only when ticked."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.demo import ok
from api.deps import AppState
from engine.errors import InvalidInput
from tests.api.extra_projects import make_project
from tests.api.month_helpers import approved_plan, execute, faults_of, issue_all, make_plan, photo
from tests.api.test_maintenance_month import pdf_text
from tests.conftest import db_snapshot
from workflows.context import Ctx
from workflows.people.models import Person
from workflows.plans.models import PlanLine
from workflows.tasks.extra import create_extra_task

API = "/api/v1"
CONTROLLER = ("火灾报警系统", "区域报警系统", "报警控制器")
MISMATCH_ITEM = {
    "system": "应急照明和疏散指示系统",
    "facility": "智能疏散照明控制柜",
    "item": "a. 检查集中控制型系统的自动应急启动功能",
    "criterion": "火灾报警后5s内自动转入应急状态",
}


def catalog_items(client: TestClient, world: Any, facility: tuple[str, str, str]) -> list[dict[str, Any]]:
    """The catalog test items (``GET /catalog``) of one facility, by (system, category, facility) name."""
    tree = ok(client.get(f"{API}/catalog", headers=world.headers["lead"]))
    for system in tree:
        for category in system["categories"]:
            for fac in category["facilities"]:
                if (system["name"], category["name"], fac["name"]) == facility:
                    return list(fac["items"])
    raise AssertionError(f"no facility {facility}")


def unselected_item(client: TestClient, world: Any) -> str:
    """A test item of a facility the project did not select (a 消防水泵接合器 … anything else)."""
    selected = set(world.facility_ids)
    tree = ok(client.get(f"{API}/catalog", headers=world.headers["lead"]))
    for system in tree:
        for category in system["categories"]:
            for fac in category["facilities"]:
                if fac["id"] not in selected and fac["items"]:
                    return str(fac["items"][0]["id"])
    raise AssertionError("every facility is selected")


def create(client: TestClient, world: Any, who: str, **body: Any) -> Any:
    """POST /tasks as ``who`` (response, not checked)."""
    return client.post(f"{API}/tasks", json=body, headers=world.headers[who])


def supplementary(client: TestClient, world: Any, n: int = 2, *, for_: str = "op1") -> dict[str, Any]:
    """A supplementary task of the first ``n`` 报警控制器 items, created by the lead for ``for_``."""
    items = [i["id"] for i in catalog_items(client, world, CONTROLLER)[:n]]
    body = {"kind": "supplementary", "project_id": world.project_id, "test_item_ids": items}
    return dict(ok(create(client, world, "lead", **body, executor_id=world.people[for_]), 201))


def run(client: TestClient, world: Any, task: dict[str, Any], who: str, *, fails: int = 0) -> dict[str, Any]:
    """Record every line of ``task`` (the first ``fails`` fail, with a photo), add the selfie, submit."""
    h = world.headers[who]
    for i, line in enumerate(task["results"]):
        outcome = "fail" if i < fails else "pass"
        ok(
            client.put(
                f"{API}/tasks/{task['id']}/results/{line['plan_line_id']}",
                json={"outcome": outcome, "measured_record": f"补充{i}：{outcome}"},
                headers=h,
            )
        )
        if outcome == "fail":
            photo(client, h, task["id"], line["plan_line_id"])
    photo(client, h, task["id"], None, kind="selfie")
    return dict(
        ok(
            client.post(
                f"{API}/tasks/{task['id']}/submit",
                json={"latitude": 36.6172, "longitude": 101.7783},
                headers=h,
            )
        )
    )


def review(
    client: TestClient, world: Any, task_id: str, verdict: str = "approve", opinion: str = "同意"
) -> Any:
    return client.post(
        f"{API}/tasks/{task_id}/review",
        json={"verdict": verdict, "opinion": opinion},
        headers=world.headers["lead"],
    )


def report(client: TestClient, world: Any, plan_id: str, extra: list[str]) -> Any:
    return client.post(
        f"{API}/plans/{plan_id}/report",
        json={"report_date": "2026-10-20", "service_date": "2026-10-20", "extra_task_ids": extra},
        headers=world.headers["lead"],
    )


class TestSupplementaryAndMismatchTasks:
    def test_r_task_2_supplementary_task_runs_like_a_plan_task(self, client: TestClient, world: Any) -> None:
        """R-TASK-2 / R-TASK-1 / R-REV-1: a supplementary task (no plan) of catalog items of the
        project's facilities is executed, submitted, raises faults and is reviewed like a plan task."""
        items = catalog_items(client, world, CONTROLLER)[:2]
        task = supplementary(client, world)
        assert task["kind"] == "supplementary" and task["plan_id"] is None and task["state"] == "draft"
        assert task["executor_id"] == world.people["op1"]
        assert sorted(r["item_code"] for r in task["results"]) == sorted(i["code"] for i in items)
        inbox = ok(client.get(f"{API}/inbox", headers=world.headers["op1"]))
        assert ("execute_task", task["id"]) in [(i["step"], i["subject_id"]) for i in inbox]
        submitted = run(client, world, task, "op1", fails=1)
        assert submitted["state"] == "submitted" and len(submitted["fault_ids"]) == 1
        (fault,) = faults_of(client, world)
        failed = next(r for r in submitted["results"] if r["outcome"] == "fail")
        assert fault["item"] == failed["item"] and fault["task_id"] == task["id"]
        r = review(client, world, task["id"])
        assert r.status_code == 409 and r.json()["code"] == "R-REV-1"
        ok(
            client.post(
                f"{API}/faults/{fault['id']}/disposition",
                json={"kind": "negotiating"},
                headers=world.headers["lead"],
            )
        )
        assert ok(review(client, world, task["id"]))["state"] == "approved"
        # the executor, who now sees the project through the task, builds one for themself
        own = ok(
            create(
                client,
                world,
                "op1",
                kind="supplementary",
                project_id=world.project_id,
                test_item_ids=[items[0]["id"]],
            ),
            201,
        )
        assert own["executor_id"] == world.people["op1"]

    def test_r_task_2_mismatch_task_records_free_text_items(self, client: TestClient, world: Any) -> None:
        """R-TASK-2 / R-REV-2: a spec-mismatch task records a facility the catalog lacks as free text;
        its fault is labelled with that text; a rejection voids the fault and the executor resubmits."""
        task = ok(
            create(
                client,
                world,
                "lead",
                kind="mismatch",
                project_id=world.project_id,
                items=[MISMATCH_ITEM],
                executor_id=world.people["op2"],
            ),
            201,
        )
        (line,) = task["results"]
        assert task["kind"] == "mismatch" and task["plan_id"] is None
        assert (line["system"], line["facility"], line["item"], line["criterion"], line["item_code"]) == (
            MISMATCH_ITEM["system"],
            MISMATCH_ITEM["facility"],
            MISMATCH_ITEM["item"],
            MISMATCH_ITEM["criterion"],
            "",
        )
        run(client, world, task, "op2", fails=1)
        (fault,) = faults_of(client, world)
        assert (fault["facility"], fault["item"]) == (MISMATCH_ITEM["facility"], MISMATCH_ITEM["item"])
        ok(review(client, world, task["id"], "reject", "请补拍控制柜铭牌"))
        assert faults_of(client, world) == []
        again = ok(
            client.post(
                f"{API}/tasks/{task['id']}/submit",
                json={"latitude": 36.6172, "longitude": 101.7783},
                headers=world.headers["op2"],
            )
        )
        assert again["round"] == 2
        (fresh,) = faults_of(client, world)
        ok(
            client.post(
                f"{API}/faults/{fresh['id']}/disposition",
                json={"kind": "owner_refused_repair", "explanation": "业主暂不更换"},
                headers=world.headers["lead"],
            )
        )
        assert ok(review(client, world, task["id"]))["state"] == "approved"

    def test_r_task_2_refuses_badly_formed_extra_tasks(
        self, client: TestClient, world: Any, state: AppState
    ) -> None:
        """R-TASK-2 / R-CAT-1: supplementary items are catalog items of the project's own facilities,
        mismatch items are free text, the executor is one of the agency's; every refusal writes nothing."""
        items = [i["id"] for i in catalog_items(client, world, CONTROLLER)[:2]]
        base = {"project_id": world.project_id, "executor_id": world.people["op1"]}
        before = db_snapshot(state)
        cases: list[tuple[str, dict[str, Any], int, str]] = [
            (
                "lead",
                {**base, "kind": "supplementary", "test_item_ids": [unselected_item(client, world)]},
                422,
                "test_item_ids",
            ),
            (
                "lead",
                {**base, "kind": "supplementary", "test_item_ids": [items[0], items[0]]},
                422,
                "test_item_ids",
            ),
            ("lead", {**base, "kind": "supplementary", "test_item_ids": []}, 422, "test_item_ids"),
            (
                "lead",
                {**base, "kind": "supplementary", "test_item_ids": items, "items": [MISMATCH_ITEM]},
                422,
                "items",
            ),
            (
                "lead",
                {**base, "kind": "mismatch", "items": [MISMATCH_ITEM], "test_item_ids": items},
                422,
                "test_item_ids",
            ),
            ("lead", {**base, "kind": "mismatch", "items": []}, 422, "items"),
            ("lead", {**base, "kind": "mismatch", "items": [{**MISMATCH_ITEM, "item": "   "}]}, 422, "items"),
            ("lead", {**base, "kind": "repair", "test_item_ids": items}, 422, "kind"),
            ("lead", {"kind": "supplementary", "test_item_ids": items}, 422, "project_id"),
            (
                "lead",
                {
                    **base,
                    "kind": "supplementary",
                    "test_item_ids": items,
                    "executor_id": world.people["owner"],
                },
                422,
                "executor_id",
            ),
            (
                "owner",
                {"kind": "supplementary", "project_id": world.project_id, "test_item_ids": items},
                403,
                "",
            ),
            ("op2", {**base, "kind": "supplementary", "test_item_ids": items}, 404, ""),
        ]
        for who, body, status, field in cases:
            r = create(client, world, who, **body)
            assert r.status_code == status, (who, body, r.json())
            if field:
                assert r.json()["field"] == field, (body, r.json())
        assert db_snapshot(state) == before

    def test_r_task_2_a_plan_task_cannot_take_an_extra_tasks_line(
        self, client: TestClient, world: Any
    ) -> None:
        """R-TASK-2: the lines of a supplementary task belong to no plan: a plan task cannot carry them."""
        task = supplementary(client, world)
        r = create(client, world, "op1", line_ids=[task["results"][0]["plan_line_id"]])
        assert r.status_code == 422 and r.json()["field"] == "line_ids"

    def test_dropping_an_extra_draft_removes_its_lines(
        self, client: TestClient, world: Any, state: AppState
    ) -> None:
        """R-TASK-2: an unsubmitted supplementary task is dropped with its own (plan-less) lines."""
        task = supplementary(client, world)
        assert client.delete(f"{API}/tasks/{task['id']}", headers=world.headers["op1"]).status_code == 204
        with state.sessions() as s:
            assert s.scalar(select(func.count()).select_from(PlanLine).where(PlanLine.plan_id.is_(None))) == 0
        assert client.get(f"{API}/tasks/{task['id']}", headers=world.headers["lead"]).status_code == 404


class TestExtraTasksInReports:
    def test_r_task_2_extra_tasks_never_make_a_report_on_their_own(
        self, client: TestClient, world: Any, state: AppState
    ) -> None:
        """R-TASK-2: an approved supplementary task does not stand in for unfinished plan lines (409,
        nothing written); once the plan is done it is in the report only when ticked."""
        extra = supplementary(client, world)
        run(client, world, extra, "op1")
        ok(review(client, world, extra["id"]))
        mismatch = ok(
            create(
                client,
                world,
                "lead",
                kind="mismatch",
                project_id=world.project_id,
                items=[MISMATCH_ITEM],
                executor_id=world.people["op2"],
            ),
            201,
        )
        run(client, world, mismatch, "op2")
        ok(review(client, world, mismatch["id"]))
        plan = issue_all(client, world, make_plan(client, world))
        lines = [line["id"] for line in plan["lines"]]
        half = execute(client, world, lines[:10])
        ok(review(client, world, half["id"]))
        before = db_snapshot(state)
        r = report(client, world, plan["id"], [extra["id"], mismatch["id"]])
        assert r.status_code == 409 and r.json()["code"] == "R-RPT"
        assert db_snapshot(state) == before
        rest = execute(client, world, lines[10:])
        ok(review(client, world, rest["id"]))
        plain = ok(report(client, world, plan["id"], []), 201)
        assert sorted(plain["task_ids"]) == sorted([half["id"], rest["id"]])
        body = pdf_text(client.get(plain["pdf_url"], headers=world.headers["lead"]).content).replace("\n", "")
        assert "补充测试项" not in body and MISMATCH_ITEM["facility"] not in body
        ok(client.delete(f"{API}/reports/{plain['id']}", headers=world.headers["lead"]), 204)
        ticked = ok(report(client, world, plan["id"], [extra["id"], mismatch["id"]]), 201)
        assert sorted(ticked["task_ids"]) == sorted([half["id"], rest["id"], extra["id"], mismatch["id"]])
        body = pdf_text(client.get(ticked["pdf_url"], headers=world.headers["lead"]).content).replace(
            "\n", ""
        )
        assert "报警控制器（补充测试项）" in body
        assert f"{MISMATCH_ITEM['facility']}（设施与当前规范不匹配）" in body

    def test_r_task_2_only_finished_extra_tasks_of_this_project_may_be_ticked(
        self, client: TestClient, world: Any, state: AppState
    ) -> None:
        """R-TASK-2: each ticked task must be of this project, of an extra kind (never a plan task),
        finished, and in no other live report; each refusal (422 on ``extra_task_ids``, naming the task)
        writes nothing."""
        other_project = make_project(
            client, world, contract_type="maintenance", name="城东商业楼", facility=CONTROLLER
        )
        items = [i["id"] for i in catalog_items(client, world, CONTROLLER)[:1]]
        foreign = ok(
            create(
                client,
                world,
                "lead",
                kind="supplementary",
                project_id=other_project,
                test_item_ids=items,
                executor_id=world.people["op1"],
            ),
            201,
        )
        run(client, world, foreign, "op1")
        ok(review(client, world, foreign["id"]))
        unfinished = supplementary(client, world)
        ticked = supplementary(client, world)
        run(client, world, ticked, "op1")
        ok(review(client, world, ticked["id"]))
        october = approved_plan(client, world)
        first = ok(report(client, world, october["id"], [ticked["id"]]), 201)
        assert ticked["id"] in first["task_ids"]
        november = approved_plan(client, world, "2026-11")
        december = approved_plan(client, world, "2026-12")
        before = db_snapshot(state)
        cases = [
            (foreign["id"], "不是本项目"),  # another project's approved supplementary task
            (plan_task_id(client, world, december), "计划任务"),  # an approved plan task, in no report
            (unfinished["id"], "尚未审核通过"),  # not submitted yet
            (ticked["id"], first["code"]),  # already in October's live report
        ]
        for task_id, words in cases:
            r = report(client, world, november["id"], [task_id])
            assert r.status_code == 422 and r.json()["field"] == "extra_task_ids", r.json()
            assert words in r.json()["message"], (words, r.json())
        assert db_snapshot(state) == before
        assert ok(report(client, world, november["id"], []), 201)["task_ids"] == [
            plan_task_id(client, world, november)
        ]


def plan_task_id(client: TestClient, world: Any, plan: dict[str, Any]) -> str:
    """The plan task of ``plan`` (every line is in one task)."""
    lines = ok(client.get(f"{API}/plans/{plan['id']}", headers=world.headers["lead"]))["lines"]
    (task_id,) = {line["task_id"] for line in lines}
    return str(task_id)


class TestFieldsOfEachKind:
    def test_r_task_fields_of_another_kind_are_refused_not_ignored(
        self, client: TestClient, world: Any, state: AppState
    ) -> None:
        """R-TASK / R-TASK-2: ``POST /tasks`` takes only the fields of the requested kind; one that
        belongs to another kind is refused 422 naming it (a plan task with ``project_id`` used to
        be built and the field dropped), and nothing is written."""
        plan = issue_all(client, world, make_plan(client, world))
        line_ids = [plan["lines"][0]["id"]]
        item = catalog_items(client, world, CONTROLLER)[0]["id"]
        cases = [
            ("op1", {"line_ids": line_ids, "project_id": world.project_id}, "project_id"),
            ("op1", {"kind": "plan", "line_ids": line_ids, "test_item_ids": [item]}, "test_item_ids"),
            ("op1", {"kind": "plan", "line_ids": line_ids, "items": [MISMATCH_ITEM]}, "items"),
            (
                "op1",
                {"kind": "plan", "line_ids": line_ids, "executor_id": world.people["op2"]},
                "executor_id",
            ),
            (
                "lead",
                {
                    "kind": "supplementary",
                    "project_id": world.project_id,
                    "test_item_ids": [item],
                    "line_ids": line_ids,
                },
                "line_ids",
            ),
            (
                "lead",
                {
                    "kind": "supplementary",
                    "project_id": world.project_id,
                    "test_item_ids": [item],
                    "items": [MISMATCH_ITEM],
                },
                "items",
            ),
            (
                "lead",
                {
                    "kind": "mismatch",
                    "project_id": world.project_id,
                    "items": [MISMATCH_ITEM],
                    "test_item_ids": [item],
                },
                "test_item_ids",
            ),
        ]
        before = db_snapshot(state)
        for who, body, field in cases:
            r = create(client, world, who, **body)
            assert r.status_code == 422, (body, r.text)
            assert (r.json()["code"], r.json()["field"]) == ("invalid_input", field), (body, r.json())
            assert f"{field} 不适用于" in r.json()["message"], r.json()
        assert db_snapshot(state) == before
        # the same requests without the stray field are accepted
        assert ok(create(client, world, "op1", line_ids=line_ids), 201)["kind"] == "plan"
        body = {"kind": "supplementary", "project_id": world.project_id, "test_item_ids": [item]}
        assert ok(create(client, world, "op1", **body), 201)["kind"] == "supplementary"

    def test_create_extra_task_refuses_a_plan_kind_and_says_where_plan_tasks_come_from(
        self, world: Any, state: AppState
    ) -> None:
        """R-TASK-2: ``create_extra_task`` builds supplementary and mismatch tasks only; asked for a
        ``plan`` task it says so and points at issued lines, instead of listing ``plan`` among the
        kinds it accepts."""
        with state.sessions() as session:
            op1 = session.get(Person, uuid.UUID(world.people["op1"]))
            ctx = Ctx(session, state.clock, state.settings, state.processes, op1)
            with pytest.raises(InvalidInput) as refused:
                create_extra_task(ctx, kind="plan", project_id=uuid.UUID(world.project_id))
        message = refused.value.message
        assert refused.value.field == "kind"
        assert "supplementary" in message and "mismatch" in message and "line_ids" in message
        assert "plan、" not in message and "须为 plan" not in message
