"""Shared scenarios of the two upload-report period diagrams (``inspection_period``, ``assessment_period``).

Both diagrams have the same shape (R-INSP): ``issue_plan`` → ``upload_report`` (period-end timer →
``plans.flag_overdue``) → ``file_report`` (filing-deadline timer → ``filings.flag_overdue``;
``deleted`` → back to ``upload_report``, R-RPT-2). Every wait state is saved and restored.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import ClassVar

import pytest

from engine.spiff.runtime import ProcessInstance, ProcessRuntime
from engine.spiff.specs import ModelVersion, SpecCache
from tests.bpmn import Recorder, iso, load_builtin, ready, roundtrip

OPERATORS = ("plans.flag_overdue", "filings.flag_overdue")
START = {"plan_id": "plan-1", "project_id": "proj-1"}


class UploadPeriodScenarios:
    """Scenario tests run once per diagram (subclasses set ``process_id``)."""

    process_id: ClassVar[str]

    @pytest.fixture
    def model(self) -> ModelVersion:
        return load_builtin(self.process_id, OPERATORS)

    @pytest.fixture
    def recorder(self) -> Recorder:
        return Recorder(OPERATORS)

    @pytest.fixture
    def runtime(self, recorder: Recorder) -> ProcessRuntime:
        return ProcessRuntime(recorder.registry, cache=SpecCache())

    @staticmethod
    def at_upload(runtime: ProcessRuntime, model: ModelVersion, period_end_at: str) -> ProcessInstance:
        inst = runtime.start(model, {**START, "month_end_at": period_end_at})
        runtime.complete_by_bpmn_id(inst, "issue_plan", {})
        return inst

    def test_issue_upload_file(
        self, runtime: ProcessRuntime, model: ModelVersion, recorder: Recorder
    ) -> None:
        period_end, filing_due = iso(timedelta(days=80)), iso(timedelta(days=7))
        inst = runtime.start(model, {**START, "month_end_at": period_end})
        assert ready(runtime, inst) == [("issue_plan", "project_lead")]
        assert runtime.snapshot(inst).next_timer_at is None
        inst = roundtrip(runtime, inst)

        runtime.complete_by_bpmn_id(inst, "issue_plan", {})
        assert ready(runtime, inst) == [("upload_report", "project_lead")]
        (upload,) = runtime.ready_tasks(inst)
        assert upload.name == "上传报告"
        assert runtime.snapshot(inst).next_timer_at == datetime.fromisoformat(period_end)
        inst = roundtrip(runtime, inst)

        runtime.complete_by_bpmn_id(
            inst, "upload_report", {"report_id": "rep-1", "filing_due_at": filing_due}
        )
        assert ready(runtime, inst) == [("file_report", "technical_lead")]
        (filing,) = runtime.ready_tasks(inst)
        assert (filing.name, filing.data["report_id"]) == ("报告备案", "rep-1")
        assert runtime.snapshot(inst).next_timer_at == datetime.fromisoformat(filing_due)
        inst = roundtrip(runtime, inst)

        runtime.complete_by_bpmn_id(inst, "file_report", {"decision": "filed"})
        snap = runtime.snapshot(inst)
        assert (snap.completed, snap.success, snap.ready, snap.next_timer_at) == (True, True, (), None)
        assert snap.end_events == ("period_filed",)
        assert recorder.calls == []

    def test_deleted_report_is_uploaded_again_then_filed_r_rpt_2(
        self, runtime: ProcessRuntime, model: ModelVersion, recorder: Recorder
    ) -> None:
        inst = self.at_upload(runtime, model, iso(timedelta(days=80)))
        runtime.complete_by_bpmn_id(
            inst, "upload_report", {"report_id": "rep-1", "filing_due_at": iso(timedelta(days=7))}
        )
        inst = roundtrip(runtime, inst)
        runtime.complete_by_bpmn_id(inst, "file_report", {"decision": "deleted"})
        assert ready(runtime, inst) == [("upload_report", "project_lead")]
        inst = roundtrip(runtime, inst)

        runtime.complete_by_bpmn_id(
            inst, "upload_report", {"report_id": "rep-2", "filing_due_at": iso(timedelta(days=8))}
        )
        (filing,) = runtime.ready_tasks(inst)
        assert (filing.data["report_id"], filing.data["decision"]) == ("rep-2", None)
        inst = roundtrip(runtime, inst)
        runtime.complete(inst, filing.task_guid, {"decision": "filed"})
        snap = runtime.snapshot(inst)
        assert (snap.completed, snap.data["report_id"]) == (True, "rep-2")
        assert recorder.calls == []

    def test_missing_decision_does_not_file(self, runtime: ProcessRuntime, model: ModelVersion) -> None:
        inst = self.at_upload(runtime, model, iso(timedelta(days=80)))
        runtime.complete_by_bpmn_id(
            inst, "upload_report", {"report_id": "rep-1", "filing_due_at": iso(timedelta(days=7))}
        )
        runtime.complete_by_bpmn_id(inst, "file_report", {})
        assert ready(runtime, inst) == [("upload_report", "project_lead")]

    def test_period_end_flags_the_plan_and_upload_stays_ready_r_rpt_1(
        self, runtime: ProcessRuntime, model: ModelVersion, recorder: Recorder
    ) -> None:
        ctx = object()
        inst = runtime.start(model, {**START, "month_end_at": iso(-timedelta(seconds=1))})
        inst = roundtrip(runtime, inst)
        runtime.complete_by_bpmn_id(inst, "issue_plan", {}, context=ctx)
        assert recorder.calls == [("plans.flag_overdue", ctx, {"plan_id": "plan-1"})]
        assert ready(runtime, inst) == [("upload_report", "project_lead")]
        assert runtime.snapshot(inst).next_timer_at is None
        inst = roundtrip(runtime, inst)

        runtime.refresh_timers(inst)
        assert recorder.names() == ["plans.flag_overdue"]
        runtime.complete_by_bpmn_id(
            inst, "upload_report", {"report_id": "rep-1", "filing_due_at": iso(timedelta(days=7))}
        )
        runtime.complete_by_bpmn_id(inst, "file_report", {"decision": "filed"})
        snap = runtime.snapshot(inst)
        assert snap.completed
        assert sorted(snap.end_events) == ["month_flagged", "period_filed"]

    def test_late_filing_is_flagged_and_filing_stays_possible_r_file_1(
        self, runtime: ProcessRuntime, model: ModelVersion, recorder: Recorder
    ) -> None:
        inst = self.at_upload(runtime, model, iso(timedelta(days=80)))
        ctx = object()
        runtime.complete_by_bpmn_id(
            inst,
            "upload_report",
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

    def test_filing_timer_fires_on_refresh_after_restore(
        self, runtime: ProcessRuntime, model: ModelVersion, recorder: Recorder
    ) -> None:
        inst = self.at_upload(runtime, model, iso(timedelta(days=80)))
        runtime.complete_by_bpmn_id(
            inst, "upload_report", {"report_id": "rep-3", "filing_due_at": iso(timedelta(seconds=1))}
        )
        assert recorder.calls == []
        inst = roundtrip(runtime, inst)
        snap = runtime.snapshot(inst)
        assert snap.next_timer_at is not None
        restored = runtime.restore(model, snap.state_json, snap.serializer_version)
        time.sleep(1.1)
        runtime.refresh_timers(restored)
        assert recorder.names() == ["filings.flag_overdue"]
        assert ready(runtime, restored) == [("file_report", "technical_lead")]
