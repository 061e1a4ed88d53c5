"""Scenario tests of ``bpmn/maintenance_period.bpmn`` (SPEC §5, R-RPT-1/2, R-FILE-1)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from engine.spiff.runtime import ProcessInstance, ProcessRuntime
from engine.spiff.specs import ModelVersion, SpecCache
from tests.bpmn import Recorder, iso, load_builtin, ready, roundtrip

OPERATORS = ("plans.flag_overdue", "filings.flag_overdue")
START = {"plan_id": "plan-1", "project_id": "proj-1"}


@pytest.fixture(scope="module")
def model() -> ModelVersion:
    return load_builtin("maintenance_period", OPERATORS)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder(OPERATORS)


@pytest.fixture
def runtime(recorder: Recorder) -> ProcessRuntime:
    return ProcessRuntime(recorder.registry, cache=SpecCache())


def at_generate_report(runtime: ProcessRuntime, model: ModelVersion, month_end_at: str) -> ProcessInstance:
    inst = runtime.start(model, {**START, "month_end_at": month_end_at})
    runtime.complete_by_bpmn_id(inst, "issue_plan", {})
    return inst


class TestMaintenancePeriod:
    def test_issue_generate_file(
        self, runtime: ProcessRuntime, model: ModelVersion, recorder: Recorder
    ) -> None:
        month_end, filing_due = iso(timedelta(days=20)), iso(timedelta(days=27))
        inst = runtime.start(model, {**START, "month_end_at": month_end})
        assert ready(runtime, inst) == [("issue_plan", "project_lead")]
        assert runtime.snapshot(inst).next_timer_at is None
        inst = roundtrip(runtime, inst)

        runtime.complete_by_bpmn_id(inst, "issue_plan", {})
        assert ready(runtime, inst) == [("generate_report", "project_lead")]
        assert runtime.snapshot(inst).next_timer_at == datetime.fromisoformat(month_end)
        inst = roundtrip(runtime, inst)

        report = {"report_id": "rep-1", "filing_due_at": filing_due}
        runtime.complete_by_bpmn_id(inst, "generate_report", report)
        assert ready(runtime, inst) == [("file_report", "technical_lead")]
        (filing,) = runtime.ready_tasks(inst)
        assert (filing.name, filing.data["report_id"]) == ("报告备案", "rep-1")
        assert runtime.snapshot(inst).next_timer_at == datetime.fromisoformat(filing_due)
        inst = roundtrip(runtime, inst)

        runtime.complete_by_bpmn_id(inst, "file_report", {"decision": "filed"})
        snap = runtime.snapshot(inst)
        assert (snap.completed, snap.success, snap.ready, snap.next_timer_at) == (True, True, (), None)
        assert snap.data["decision"] == "filed"
        assert snap.end_events == ("period_filed",)
        assert recorder.calls == []

    def test_deleted_report_is_regenerated_then_filed(
        self, runtime: ProcessRuntime, model: ModelVersion, recorder: Recorder
    ) -> None:
        inst = at_generate_report(runtime, model, iso(timedelta(days=20)))
        runtime.complete_by_bpmn_id(
            inst, "generate_report", {"report_id": "rep-1", "filing_due_at": iso(timedelta(days=27))}
        )
        runtime.complete_by_bpmn_id(inst, "file_report", {"decision": "deleted"})
        assert ready(runtime, inst) == [("generate_report", "project_lead")]
        inst = roundtrip(runtime, inst)

        runtime.complete_by_bpmn_id(
            inst, "generate_report", {"report_id": "rep-2", "filing_due_at": iso(timedelta(days=28))}
        )
        (filing,) = runtime.ready_tasks(inst)
        assert filing.data["report_id"] == "rep-2"
        assert filing.data["decision"] is None
        inst = roundtrip(runtime, inst)

        runtime.complete(inst, filing.task_guid, {"decision": "filed"})
        snap = runtime.snapshot(inst)
        assert snap.completed
        assert snap.data["report_id"] == "rep-2"
        assert recorder.calls == []

    def test_missing_decision_does_not_file(self, runtime: ProcessRuntime, model: ModelVersion) -> None:
        inst = at_generate_report(runtime, model, iso(timedelta(days=20)))
        runtime.complete_by_bpmn_id(
            inst, "generate_report", {"report_id": "rep-1", "filing_due_at": iso(timedelta(days=27))}
        )
        runtime.complete_by_bpmn_id(inst, "file_report", {})
        assert ready(runtime, inst) == [("generate_report", "project_lead")]


class TestDeadlines:
    def test_month_end_flags_the_plan_and_report_stays_ready(
        self, runtime: ProcessRuntime, model: ModelVersion, recorder: Recorder
    ) -> None:
        ctx = object()
        inst = runtime.start(model, {**START, "month_end_at": iso(-timedelta(seconds=1))})
        inst = roundtrip(runtime, inst)
        runtime.complete_by_bpmn_id(inst, "issue_plan", {}, context=ctx)
        assert recorder.calls == [("plans.flag_overdue", ctx, {"plan_id": "plan-1"})]
        assert ready(runtime, inst) == [("generate_report", "project_lead")]
        assert runtime.snapshot(inst).next_timer_at is None
        inst = roundtrip(runtime, inst)

        runtime.refresh_timers(inst)
        assert recorder.names() == ["plans.flag_overdue"]
        runtime.complete_by_bpmn_id(
            inst, "generate_report", {"report_id": "rep-1", "filing_due_at": iso(timedelta(days=7))}
        )
        runtime.complete_by_bpmn_id(inst, "file_report", {"decision": "filed"})
        snap = runtime.snapshot(inst)
        assert snap.completed
        assert sorted(snap.end_events) == ["month_flagged", "period_filed"]

    def test_late_filing_is_flagged_and_filing_stays_possible(
        self, runtime: ProcessRuntime, model: ModelVersion, recorder: Recorder
    ) -> None:
        inst = at_generate_report(runtime, model, iso(timedelta(days=20)))
        ctx = object()
        runtime.complete_by_bpmn_id(
            inst,
            "generate_report",
            {"report_id": "rep-9", "filing_due_at": iso(-timedelta(seconds=1))},
            context=ctx,
        )
        assert recorder.calls == [("filings.flag_overdue", ctx, {"report_id": "rep-9"})]
        assert ready(runtime, inst) == [("file_report", "technical_lead")]
        inst = roundtrip(runtime, inst)

        runtime.complete_by_bpmn_id(inst, "file_report", {"decision": "filed"})
        snap = runtime.snapshot(inst)
        assert (snap.completed, snap.success) == (True, True)
        assert sorted(snap.end_events) == ["filing_flagged", "period_filed"]
        assert recorder.names() == ["filings.flag_overdue"]

    def test_regenerated_report_rearms_the_filing_deadline(
        self, runtime: ProcessRuntime, model: ModelVersion, recorder: Recorder
    ) -> None:
        inst = at_generate_report(runtime, model, iso(timedelta(days=20)))
        runtime.complete_by_bpmn_id(
            inst, "generate_report", {"report_id": "rep-1", "filing_due_at": iso(timedelta(days=7))}
        )
        runtime.complete_by_bpmn_id(inst, "file_report", {"decision": "deleted"})
        runtime.complete_by_bpmn_id(
            inst, "generate_report", {"report_id": "rep-2", "filing_due_at": iso(-timedelta(seconds=1))}
        )
        assert recorder.calls == [("filings.flag_overdue", None, {"report_id": "rep-2"})]
