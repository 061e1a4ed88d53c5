"""Scenario tests of ``bpmn/assessment_period.bpmn`` (SPEC §6, R-INSP, R-RPT-2, R-RPT-4, R-FILE-1)."""

from __future__ import annotations

from tests.bpmn.period_upload_scenarios import UploadPeriodScenarios


class TestAssessmentPeriod(UploadPeriodScenarios):
    """Every branch of the assessment period: upload → file, delete → re-upload, period end, late filing."""

    process_id = "assessment_period"
