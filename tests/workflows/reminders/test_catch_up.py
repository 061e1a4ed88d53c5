"""Catch-up after a scheduler outage (R-DUE): only the latest due step of each schedule is sent.

The policy is deliberate (``workflows/reminders/rules.py``): after an outage the earlier steps are
never written, so nobody gets a stale "due on day 3" next to "overdue".
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from api.demo import ok
from api.deps import AppState
from engine.clock import FrozenClock
from tests.api.month_helpers import approved_plan, generate, make_plan
from tests.workflows.reminders.support import at, ids, outbox, reminders, run_scan, sent_to
from workflows.reminders import rules


class TestCatchUpSendsTheLatestStepOnly:
    def test_filing_reminders_after_a_twelve_day_outage_r_file_1(
        self, client: TestClient, world: Any, state: AppState, clock: FrozenClock
    ) -> None:
        """Completed Thu 10-08: day 3 = Mon 10-12 (the make-up Saturday 10-10 counts), deadline Wed
        10-14. The scheduler is down from 10-08 to Tue 10-20: the first scan writes one overdue
        escalation (technical lead + enterprise manager), not day 3, the deadline and four escalations."""
        report = ok(generate(client, world, approved_plan(client, world, "2026-10"), day="2026-10-08"), 201)
        assert report["filing_deadline"] == "2026-10-14"
        at(clock, 2026, 10, 20, 10)
        result = run_scan(state)
        assert result.by_kind == {rules.FILING_OVERDUE: 1}
        assert [(k, due.date()) for s, k, due in reminders(state) if s == "report"] == [
            (rules.FILING_OVERDUE, date(2026, 10, 20))
        ]
        assert sent_to(state, "reminder.filing") == dict.fromkeys(ids(world, "tech_lead", "manager"), 1)
        assert outbox(state, rules.FILING_OVERDUE)[0].payload["on"] == "2026-10-20"
        assert run_scan(state).written == 0  # and it is not repeated

    def test_plan_issue_reminders_after_an_outage_over_the_due_day_r_due(
        self, client: TestClient, world: Any, state: AppState, clock: FrozenClock
    ) -> None:
        """November's draft is never issued; the scheduler is down from 11-01 to 11-09: one overdue
        reminder, no heads-up and no due-day reminder afterwards."""
        make_plan(client, world, "2026-11")
        at(clock, 2026, 11, 9, 10)
        assert run_scan(state).by_kind == {rules.PLAN_ISSUE_OVERDUE: 1}
        assert sent_to(state, "reminder.plan_issue") == dict.fromkeys(ids(world, "lead", "manager"), 1)
        at(clock, 2026, 11, 10, 10)
        assert run_scan(state).written == 0  # the overdue step is one moment per month
