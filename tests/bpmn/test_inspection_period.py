"""Scenario tests of ``bpmn/inspection_period.bpmn`` (SPEC §6, R-INSP, R-RPT-2, R-RPT-3, R-FILE-1)."""

from __future__ import annotations

from tests.bpmn.period_upload_scenarios import UploadPeriodScenarios


class TestInspectionPeriod(UploadPeriodScenarios):
    """Every branch of the inspection period: upload → file, delete → re-upload, period end, late filing."""

    process_id = "inspection_period"
