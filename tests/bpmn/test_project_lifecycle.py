"""Scenario tests of ``bpmn/project_lifecycle.bpmn`` (R-LIFE): every branch, save/restore at each wait state.

Two kinds of instance share the diagram: ``suspension`` (decide or withdraw) and ``project``
(terminate, or complete after the contract-end timer). Every end is a terminate end event, so the
branch that finishes first closes the other one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engine.clock import FrozenClock
from engine.spiff.runtime import ProcessInstance, ProcessRuntime, TaskNotReadyError
from engine.spiff.specs import ModelVersion, SpecCache
from tests.bpmn import SHANGHAI, Recorder, load_builtin, ready, roundtrip

OPERATORS = ("lifecycle.cancel_project_processes",)
NOW = datetime(2026, 10, 8, 2, 0, tzinfo=UTC)
CONTRACT_END = datetime(2027, 8, 31, 23, 59, 59, tzinfo=SHANGHAI)
SUSPENSION_START = {
    "kind": "suspension",
    "suspension_id": "susp-1",
    "project_id": "proj-1",
    "month": "2026-12",
    "due_at": "2026-10-12T23:59:59+08:00",
}
PROJECT_START = {"kind": "project", "project_id": "proj-1", "contract_end_at": CONTRACT_END.isoformat()}
PENDING = [("withdraw_suspension", "agency"), ("decide_suspension", "fire_department")]
RUNNING = [("terminate_project", "agency")]


@pytest.fixture(scope="module")
def model() -> ModelVersion:
    return load_builtin("project_lifecycle", OPERATORS)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder(OPERATORS)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def runtime(recorder: Recorder, clock: FrozenClock) -> ProcessRuntime:
    return ProcessRuntime(recorder.registry, cache=SpecCache(), now=clock.now)


class Driver:
    """Completes one user task per step and saves/restores after each, like the API would."""

    def __init__(self, runtime: ProcessRuntime, inst: ProcessInstance) -> None:
        self.runtime, self.inst = runtime, roundtrip(runtime, inst)

    def do(self, bpmn_id: str, data: dict[str, Any], context: Any = None) -> list[tuple[str, str | None]]:
        self.runtime.complete_by_bpmn_id(self.inst, bpmn_id, data, context=context)
        self.inst = roundtrip(self.runtime, self.inst)
        return ready(self.runtime, self.inst)

    def tick(self) -> list[tuple[str, str | None]]:
        self.runtime.refresh_timers(self.inst)
        self.inst = roundtrip(self.runtime, self.inst)
        return ready(self.runtime, self.inst)

    def ended(self) -> tuple[bool, bool | None, tuple[str, ...]]:
        snap = self.runtime.snapshot(self.inst)
        return snap.completed, snap.success, snap.end_events


class TestSuspensionRequest:
    @pytest.fixture
    def pending(self, runtime: ProcessRuntime, model: ModelVersion) -> Driver:
        d = Driver(runtime, runtime.start(model, SUSPENSION_START))
        assert ready(runtime, d.inst) == PENDING
        (_, decide) = runtime.ready_tasks(d.inst)
        assert decide.name == "审批暂停申请" and decide.data["due_at"] == SUSPENSION_START["due_at"]
        assert decide.data["approved"] is None  # preScript: nothing decided by accident
        assert runtime.snapshot(d.inst).next_timer_at is None
        return d

    def test_approved(self, pending: Driver, recorder: Recorder) -> None:
        assert (
            pending.do("decide_suspension", {"approved": True, "opinion": "同意", "decided_by": "sup-1"})
            == []
        )
        assert pending.ended() == (True, True, ("suspension_approved",))
        assert pending.runtime.snapshot(pending.inst).data["approved"] is True
        assert recorder.calls == []

    def test_rejected(self, pending: Driver) -> None:
        assert pending.do("decide_suspension", {"approved": False, "opinion": "理由不充分"}) == []
        assert pending.ended() == (True, True, ("suspension_rejected",))

    def test_missing_verdict_is_a_rejection(self, pending: Driver) -> None:
        assert pending.do("decide_suspension", {"opinion": "?"}) == []
        assert pending.ended() == (True, True, ("suspension_rejected",))

    def test_withdrawn_while_pending_closes_the_decision(self, pending: Driver) -> None:
        assert pending.do("withdraw_suspension", {"withdrawn_by": "lead-1"}) == []
        assert pending.ended() == (True, True, ("suspension_withdrawn",))

    def test_no_withdrawal_after_the_decision(self, pending: Driver) -> None:
        pending.do("decide_suspension", {"approved": True, "opinion": ""})
        with pytest.raises(TaskNotReadyError):
            pending.do("withdraw_suspension", {})


class TestProject:
    @pytest.fixture
    def running(self, runtime: ProcessRuntime, model: ModelVersion) -> Driver:
        d = Driver(runtime, runtime.start(model, PROJECT_START))
        assert ready(runtime, d.inst) == RUNNING
        assert runtime.snapshot(d.inst).next_timer_at == CONTRACT_END.astimezone(UTC)
        return d

    def test_terminated_cancels_the_project_processes(self, running: Driver, recorder: Recorder) -> None:
        ctx = object()
        assert (
            running.do("terminate_project", {"reason": "业主解除合同", "operator_id": "admin-1"}, ctx) == []
        )
        assert running.ended() == (True, True, ("project_terminated",))
        assert recorder.calls == [("lifecycle.cancel_project_processes", ctx, {"project_id": "proj-1"})]
        assert running.runtime.snapshot(running.inst).next_timer_at is None  # the contract timer is gone

    def test_completed_after_the_contract_end(
        self, running: Driver, clock: FrozenClock, recorder: Recorder
    ) -> None:
        clock.set(CONTRACT_END - timedelta(minutes=1))
        assert running.tick() == RUNNING  # not yet
        clock.set(CONTRACT_END + timedelta(seconds=1))
        assert running.tick() == [("complete_project", "project_lead"), *RUNNING]
        (complete, _) = running.runtime.ready_tasks(running.inst)
        assert complete.name == "确认项目完成"
        assert running.do("complete_project", {"completed_by": "lead-1"}) == []
        assert running.ended() == (True, True, ("project_completed",))
        assert recorder.calls == []

    def test_terminated_after_the_contract_end(
        self, running: Driver, clock: FrozenClock, recorder: Recorder
    ) -> None:
        clock.set(CONTRACT_END + timedelta(days=3))
        running.tick()
        assert running.do("terminate_project", {"reason": "欠费"}) == []
        assert running.ended() == (True, True, ("project_terminated",))
        assert recorder.names() == ["lifecycle.cancel_project_processes"]

    def test_started_after_the_contract_end_offers_completion_at_once(
        self, runtime: ProcessRuntime, model: ModelVersion, clock: FrozenClock
    ) -> None:
        clock.set(CONTRACT_END + timedelta(days=40))
        d = Driver(runtime, runtime.start(model, PROJECT_START))
        assert ready(runtime, d.inst) == [("complete_project", "project_lead"), *RUNNING]
