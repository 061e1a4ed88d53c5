"""Scenario tests of ``bpmn/task_review.bpmn`` (SPEC §5.2-5.3, R-REV) through the real runtime."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from engine.spiff.runtime import ProcessRuntime
from engine.spiff.specs import ModelVersion, SpecCache
from tests.bpmn import SHANGHAI, Recorder, iso, load_builtin, ready, roundtrip

OPERATORS = ("tasks.approve_task", "tasks.reject_task", "reminders.remind_review")
START = {"task_id": "task-1", "executor_id": "exec-1", "project_id": "proj-1"}


@pytest.fixture(scope="module")
def model() -> ModelVersion:
    return load_builtin("task_review", OPERATORS)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder(OPERATORS)


@pytest.fixture
def runtime(recorder: Recorder) -> ProcessRuntime:
    return ProcessRuntime(recorder.registry, cache=SpecCache())


class TestTaskReview:
    def test_execute_then_approve(
        self, runtime: ProcessRuntime, model: ModelVersion, recorder: Recorder
    ) -> None:
        ctx = object()
        inst = runtime.start(model, {**START, "review_due_at": iso(timedelta(days=3))}, context=ctx)
        assert ready(runtime, inst) == [("execute_task", "executor")]
        (human,) = runtime.ready_tasks(inst)
        assert human.name == "执行任务"
        assert human.data["executor_id"] == "exec-1"
        inst = roundtrip(runtime, inst)

        runtime.complete(inst, human.task_guid, {}, context=ctx)
        assert ready(runtime, inst) == [("review_task", "project_lead")]
        inst = roundtrip(runtime, inst)

        runtime.complete_by_bpmn_id(inst, "review_task", {"verdict": "approve"}, context=ctx)
        assert recorder.calls == [("tasks.approve_task", ctx, {"task_id": "task-1"})]
        snap = runtime.snapshot(inst)
        assert (snap.completed, snap.success, snap.ready, snap.next_timer_at) == (True, True, (), None)
        assert snap.data["verdict"] == "approve"
        assert snap.data["approve_result"] == {"ok": True}
        assert snap.end_events == ("task_approved",)

    def test_reject_rework_resubmit_approve(
        self, runtime: ProcessRuntime, model: ModelVersion, recorder: Recorder
    ) -> None:
        first_ctx, second_ctx = object(), object()
        inst = runtime.start(model, {**START, "review_due_at": iso(timedelta(days=3))})
        first_execute = runtime.complete_by_bpmn_id(inst, "execute_task", {})
        inst = roundtrip(runtime, inst)

        runtime.complete_by_bpmn_id(inst, "review_task", {"verdict": "reject"}, context=first_ctx)
        assert recorder.calls == [("tasks.reject_task", first_ctx, {"task_id": "task-1"})]
        assert ready(runtime, inst) == [("execute_task", "executor")]
        (rework,) = runtime.ready_tasks(inst)
        assert rework.task_guid != first_execute
        inst = roundtrip(runtime, inst)

        runtime.complete(inst, rework.task_guid, {})
        (review,) = runtime.ready_tasks(inst)
        assert review.bpmn_id == "review_task"
        assert review.data["verdict"] is None  # the previous round's verdict is reset
        inst = roundtrip(runtime, inst)

        runtime.complete(inst, review.task_guid, {"verdict": "approve"}, context=second_ctx)
        assert recorder.calls[1] == ("tasks.approve_task", second_ctx, {"task_id": "task-1"})
        assert recorder.names() == ["tasks.reject_task", "tasks.approve_task"]
        assert runtime.snapshot(inst).end_events == ("task_approved",)

    def test_missing_verdict_is_a_rejection(
        self, runtime: ProcessRuntime, model: ModelVersion, recorder: Recorder
    ) -> None:
        inst = runtime.start(model, {**START, "review_due_at": iso(timedelta(days=3))})
        runtime.complete_by_bpmn_id(inst, "execute_task", {})
        runtime.complete_by_bpmn_id(inst, "review_task", {})
        assert recorder.names() == ["tasks.reject_task"]
        assert ready(runtime, inst) == [("execute_task", "executor")]


class TestReviewOverdueTimer:
    def test_next_timer_is_the_review_due_time(self, runtime: ProcessRuntime, model: ModelVersion) -> None:
        due = iso(timedelta(days=2))
        inst = runtime.start(model, {**START, "review_due_at": due})
        assert runtime.snapshot(inst).next_timer_at is None  # the timer starts with review_task
        runtime.complete_by_bpmn_id(inst, "execute_task", {})
        snap = runtime.snapshot(inst)
        assert snap.next_timer_at == datetime.fromisoformat(due)
        assert snap.next_timer_at is not None
        assert snap.next_timer_at.tzinfo is UTC
        assert runtime.snapshot(roundtrip(runtime, inst)).next_timer_at == snap.next_timer_at

    def test_due_timer_fires_on_refresh_and_review_stays_ready(
        self, runtime: ProcessRuntime, model: ModelVersion, recorder: Recorder
    ) -> None:
        due_at = datetime.now(UTC) + timedelta(seconds=0.4)
        inst = runtime.start(model, {**START, "review_due_at": due_at.astimezone(SHANGHAI).isoformat()})
        runtime.complete_by_bpmn_id(inst, "execute_task", {})
        assert runtime.snapshot(inst).next_timer_at == due_at
        assert recorder.calls == []

        time.sleep(max(0.0, (due_at - datetime.now(UTC)).total_seconds()) + 0.02)
        inst = roundtrip(runtime, inst)
        tick = object()
        runtime.refresh_timers(inst, context=tick)
        assert recorder.calls == [("reminders.remind_review", tick, {"task_id": "task-1"})]
        assert ready(runtime, inst) == [("review_task", "project_lead")]
        snap = runtime.snapshot(inst)
        assert (snap.completed, snap.next_timer_at, snap.end_events) == (False, None, ("reminder_sent",))

        runtime.refresh_timers(inst)  # a second tick does not remind again
        assert recorder.names() == ["reminders.remind_review"]
        inst = roundtrip(runtime, inst)
        runtime.complete_by_bpmn_id(inst, "review_task", {"verdict": "approve"})
        assert recorder.names() == ["reminders.remind_review", "tasks.approve_task"]
        snap = runtime.snapshot(inst)
        assert (snap.completed, snap.success) == (True, True)
        assert sorted(snap.end_events) == ["reminder_sent", "task_approved"]

    def test_overdue_review_reminds_at_once_and_each_round(
        self, runtime: ProcessRuntime, model: ModelVersion, recorder: Recorder
    ) -> None:
        inst = runtime.start(model, {**START, "review_due_at": iso(-timedelta(seconds=1))})
        ctx = object()
        runtime.complete_by_bpmn_id(inst, "execute_task", {}, context=ctx)
        assert recorder.calls == [("reminders.remind_review", ctx, {"task_id": "task-1"})]
        assert ready(runtime, inst) == [("review_task", "project_lead")]
        runtime.refresh_timers(inst)
        assert len(recorder.calls) == 1

        runtime.complete_by_bpmn_id(inst, "review_task", {"verdict": "reject"})
        inst = roundtrip(runtime, inst)
        runtime.complete_by_bpmn_id(inst, "execute_task", {})
        assert recorder.names() == ["reminders.remind_review", "tasks.reject_task", "reminders.remind_review"]
        runtime.complete_by_bpmn_id(inst, "review_task", {"verdict": "approve"})
        assert runtime.snapshot(inst).completed

    def test_resubmission_can_move_the_due_time(self, runtime: ProcessRuntime, model: ModelVersion) -> None:
        inst = runtime.start(model, {**START, "review_due_at": iso(timedelta(days=1))})
        runtime.complete_by_bpmn_id(inst, "execute_task", {})
        runtime.complete_by_bpmn_id(inst, "review_task", {"verdict": "reject"})
        later = iso(timedelta(days=5))
        runtime.complete_by_bpmn_id(inst, "execute_task", {"review_due_at": later})
        assert runtime.snapshot(inst).next_timer_at == datetime.fromisoformat(later)
