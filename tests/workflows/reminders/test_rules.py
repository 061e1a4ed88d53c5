"""The moments of the R-DUE reminders (pure rules), around China's real 2026 holidays."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from workflows.reminders import rules

SH = ZoneInfo("Asia/Shanghai")


def at9(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 9, tzinfo=SH)


class TestFilingSteps:
    """Report completed on Tue 2026-09-29, just before National Day (10-01…10-07 off, Sat 10-10 worked)."""

    COMPLETED, DEADLINE = date(2026, 9, 29), date(2026, 10, 12)

    def steps(self, today: date) -> list[rules.Step]:
        return rules.filing_steps(self.COMPLETED, self.DEADLINE, today, days=5, hour=9)

    def test_day_three_and_deadline_skip_the_holiday(self) -> None:
        # working days after 09-29: 09-30, 10-08, 10-09 (day 3), 10-10 (make-up Saturday), 10-12 (day 5)
        assert self.steps(date(2026, 10, 9)) == [
            (rules.FILING_DUE, at9(2026, 10, 9)),
            (rules.FILING_DUE, at9(2026, 10, 12)),
        ]

    def test_overdue_escalation_on_the_latest_working_day_only(self) -> None:
        assert self.steps(date(2026, 10, 13))[-1] == (rules.FILING_OVERDUE, at9(2026, 10, 13))
        assert self.steps(date(2026, 10, 17))[-1] == (rules.FILING_OVERDUE, at9(2026, 10, 16))  # Saturday
        assert self.steps(date(2026, 10, 19))[-1] == (rules.FILING_OVERDUE, at9(2026, 10, 19))

    def test_latest_due_picks_one_step(self) -> None:
        steps = self.steps(date(2026, 10, 14))
        assert rules.latest_due(steps, at9(2026, 10, 9).replace(hour=8)) is None
        assert rules.latest_due(steps, at9(2026, 10, 9)) == (rules.FILING_DUE, at9(2026, 10, 9))
        assert rules.latest_due(steps, at9(2026, 10, 14)) == (rules.FILING_OVERDUE, at9(2026, 10, 14))


class TestOtherSteps:
    def test_plan_issue_heads_up_due_day_and_overdue(self) -> None:
        steps = rules.plan_issue_steps(date(2026, 11, 1), issue_day=5, hour=9)
        assert steps == [
            (rules.PLAN_ISSUE_DUE, at9(2026, 11, 3)),
            (rules.PLAN_ISSUE_DUE, at9(2026, 11, 5)),
            (rules.PLAN_ISSUE_OVERDUE, at9(2026, 11, 6)),
        ]
        # SPEC §11 (R-DUE): lead and enterprise manager; the early heads-up to the lead alone
        to_managers = [rules.plan_issue_goes_to_managers(date(2026, 11, 1), s, issue_day=5) for s in steps]
        assert to_managers == [False, True, True]

    def test_plan_issue_on_day_one_has_no_heads_up(self) -> None:
        assert rules.plan_issue_steps(date(2026, 11, 1), issue_day=1, hour=9) == [
            (rules.PLAN_ISSUE_DUE, at9(2026, 11, 1)),
            (rules.PLAN_ISSUE_OVERDUE, at9(2026, 11, 2)),
        ]

    def test_tasks_due_three_days_before_and_on_the_day(self) -> None:
        assert rules.tasks_due_steps(date(2026, 10, 31), days_before=3, hour=9) == [
            (rules.TASKS_DUE, at9(2026, 10, 28)),
            (rules.TASKS_DUE, at9(2026, 10, 31)),
        ]

    def test_suspension_counts_the_make_up_saturday(self) -> None:
        # requested Fri 10-09: working day 1 = Sat 10-10 (make-up), day 2 = Mon 10-12
        steps = rules.suspension_steps(date(2026, 10, 9), date(2026, 10, 14), days=2, hour=9)
        assert steps == [
            (rules.SUSPENSION_DUE, at9(2026, 10, 12)),
            (rules.SUSPENSION_OVERDUE, at9(2026, 10, 14)),
        ]

    def test_digest_day_and_contract_notice(self) -> None:
        assert rules.digest_day(date(2026, 11, 20), day=1) == date(2026, 11, 1)
        assert rules.digest_day(date(2026, 11, 20), day=25) == date(2026, 10, 25)
        assert rules.contract_ending_at(date(2027, 8, 31), days_before=30, hour=9) == at9(2027, 8, 1)

    def test_latest_working_day_after(self) -> None:
        assert rules.latest_working_day_after(date(2026, 9, 30), date(2026, 10, 7)) is None  # all holiday
        assert rules.latest_working_day_after(date(2026, 9, 30), date(2026, 10, 11)) == date(2026, 10, 10)
