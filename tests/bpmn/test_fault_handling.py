"""Scenario tests of ``bpmn/fault_handling.bpmn``: the five dispositions of R-FAULT and their loops."""

from __future__ import annotations

from typing import Any

import pytest

from engine.spiff.runtime import ProcessInstance, ProcessRuntime
from engine.spiff.specs import ModelVersion, SpecCache
from tests.bpmn import Recorder, load_builtin, ready, roundtrip

OPERATORS = ("faults.open_investigation_task", "faults.open_repair_task")
START = {"fault_id": "fault-1", "project_id": "proj-1"}
DISPOSE = [("dispose_fault", "project_lead")]
TRACK = [("track_fault", "project_lead")]
INVESTIGATE = [("investigate_fault", "executor")]
REPAIR = [("repair_fault", "executor")]


@pytest.fixture(scope="module")
def model() -> ModelVersion:
    return load_builtin("fault_handling", OPERATORS)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder(OPERATORS)


@pytest.fixture
def runtime(recorder: Recorder) -> ProcessRuntime:
    return ProcessRuntime(recorder.registry, cache=SpecCache())


@pytest.fixture
def inst(runtime: ProcessRuntime, model: ModelVersion) -> ProcessInstance:
    started = runtime.start(model, START)
    assert ready(runtime, started) == DISPOSE
    assert runtime.snapshot(started).next_timer_at is None
    return roundtrip(runtime, started)


class Driver:
    """Completes one user task per step and saves/restores after each, like the API would."""

    def __init__(self, runtime: ProcessRuntime, inst: ProcessInstance) -> None:
        self.runtime, self.inst = runtime, inst

    def do(self, bpmn_id: str, data: dict[str, Any], context: Any = None) -> list[tuple[str, str | None]]:
        self.runtime.complete_by_bpmn_id(self.inst, bpmn_id, data, context=context)
        self.inst = roundtrip(self.runtime, self.inst)
        return ready(self.runtime, self.inst)

    @property
    def completed(self) -> bool:
        return self.runtime.snapshot(self.inst).completed

    @property
    def end_events(self) -> tuple[str, ...]:
        return self.runtime.snapshot(self.inst).end_events

    def data(self) -> dict[str, Any]:
        return dict(self.runtime.snapshot(self.inst).data)


def dispose(kind: str, leader_id: str | None = None) -> dict[str, Any]:
    return {"kind": kind, "leader_id": leader_id}


class TestInvestigate:
    def test_resolved(self, runtime: ProcessRuntime, inst: ProcessInstance, recorder: Recorder) -> None:
        ctx, d = object(), Driver(runtime, inst)
        assert d.do("dispose_fault", dispose("investigate", "lead-7"), ctx) == INVESTIGATE
        assert recorder.calls == [("faults.open_investigation_task", ctx, {"fault_id": "fault-1"})]
        (work,) = runtime.ready_tasks(d.inst)
        assert (work.name, work.data["leader_id"], work.data["resolved"]) == ("执行排查", "lead-7", False)
        assert work.data["investigation_result"] == {"ok": True}

        assert d.do("investigate_fault", {"resolved": True}) == []
        assert (d.completed, d.end_events) == (True, ("fault_resolved",))
        assert d.data()["resolved"] is True

    def test_unresolved_goes_back_to_disposition(
        self, runtime: ProcessRuntime, inst: ProcessInstance, recorder: Recorder
    ) -> None:
        d = Driver(runtime, inst)
        d.do("dispose_fault", dispose("investigate", "lead-7"))
        assert d.do("investigate_fault", {"resolved": False}) == DISPOSE
        (again,) = runtime.ready_tasks(d.inst)
        assert again.data["kind"] is None  # the previous disposition is not reused by accident
        assert d.do("dispose_fault", dispose("investigate", "lead-8")) == INVESTIGATE
        assert d.do("investigate_fault", {"resolved": True}) == []
        assert (d.completed, d.end_events) == (True, ("fault_resolved",))
        assert recorder.names() == ["faults.open_investigation_task"] * 2

    def test_missing_resolved_is_unresolved(self, runtime: ProcessRuntime, inst: ProcessInstance) -> None:
        d = Driver(runtime, inst)
        d.do("dispose_fault", dispose("investigate", "lead-7"))
        assert d.do("investigate_fault", {}) == DISPOSE


class TestOwnerApprovedRepair:
    def test_resolved(self, runtime: ProcessRuntime, inst: ProcessInstance, recorder: Recorder) -> None:
        ctx, d = object(), Driver(runtime, inst)
        assert d.do("dispose_fault", dispose("owner_approved_repair", "lead-3"), ctx) == REPAIR
        assert recorder.calls == [("faults.open_repair_task", ctx, {"fault_id": "fault-1"})]
        (work,) = runtime.ready_tasks(d.inst)
        assert (work.name, work.data["leader_id"]) == ("执行维修", "lead-3")
        assert d.do("repair_fault", {"resolved": True}) == []
        assert (d.completed, d.end_events) == (True, ("fault_repaired",))

    def test_unresolved_goes_back_then_out_of_scope(
        self, runtime: ProcessRuntime, inst: ProcessInstance, recorder: Recorder
    ) -> None:
        d = Driver(runtime, inst)
        d.do("dispose_fault", dispose("owner_approved_repair", "lead-3"))
        assert d.do("repair_fault", {"resolved": False}) == DISPOSE
        assert d.do("dispose_fault", dispose("out_of_scope")) == []
        assert (d.completed, d.end_events) == (True, ("fault_closed",))
        assert recorder.names() == ["faults.open_repair_task"]

    def test_missing_resolved_is_unresolved(self, runtime: ProcessRuntime, inst: ProcessInstance) -> None:
        d = Driver(runtime, inst)
        d.do("dispose_fault", dispose("owner_approved_repair", "lead-3"))
        assert d.do("repair_fault", {}) == DISPOSE


class TestTracked:
    def test_owner_refused_later_approves_repair(
        self, runtime: ProcessRuntime, inst: ProcessInstance, recorder: Recorder
    ) -> None:
        d = Driver(runtime, inst)
        assert d.do("dispose_fault", dispose("owner_refused_repair")) == TRACK
        assert recorder.calls == []
        (track,) = runtime.ready_tasks(d.inst)
        assert track.name == "跟踪故障"
        ctx = object()
        assert d.do("track_fault", dispose("owner_approved_repair", "lead-5"), ctx) == REPAIR
        assert recorder.calls == [("faults.open_repair_task", ctx, {"fault_id": "fault-1"})]
        assert d.do("repair_fault", {"resolved": True}) == []
        assert (d.completed, d.end_events) == (True, ("fault_repaired",))

    def test_negotiating_is_tracked_and_disposed_again(
        self, runtime: ProcessRuntime, inst: ProcessInstance, recorder: Recorder
    ) -> None:
        d = Driver(runtime, inst)
        assert d.do("dispose_fault", dispose("negotiating")) == TRACK
        assert d.do("track_fault", dispose("negotiating")) == TRACK
        assert d.do("track_fault", dispose("owner_refused_repair")) == TRACK
        assert d.do("track_fault", dispose("investigate", "lead-1")) == INVESTIGATE
        assert d.do("investigate_fault", {"resolved": True}) == []
        assert (d.completed, d.end_events) == (True, ("fault_resolved",))
        assert recorder.names() == ["faults.open_investigation_task"]

    def test_missing_kind_is_tracked(self, runtime: ProcessRuntime, inst: ProcessInstance) -> None:
        d = Driver(runtime, inst)
        assert d.do("dispose_fault", {}) == TRACK
        assert d.do("track_fault", {"kind": "out_of_scope"}) == []
        assert (d.completed, d.end_events) == (True, ("fault_closed",))


class TestOutOfScope:
    def test_closes_without_further_handling(
        self, runtime: ProcessRuntime, inst: ProcessInstance, recorder: Recorder
    ) -> None:
        d = Driver(runtime, inst)
        assert d.do("dispose_fault", dispose("out_of_scope")) == []
        snap = runtime.snapshot(d.inst)
        assert (snap.completed, snap.success) == (True, True)
        assert snap.data["kind"] == "out_of_scope"
        assert snap.end_events == ("fault_closed",)
        assert recorder.calls == []
