"""China working days and the filing deadline (R-FILE-1), with the admin-supplied schedule of years
chinesecalendar does not cover yet and the warnings for years nobody covers.

Dates were checked against the State Council holiday notices: 2019 Spring Festival 2-4 to 2-10 with
make-up days Sat 2-2 and Sun 2-3; 2019 Qingming Fri 4-5; 2019 Labour Day 5-1 to 5-4 with make-up
Sun 5-5; 2025 National Day/Mid-Autumn 10-1 to 10-8 with make-up Sun 9-28 and Sat 10-11; 2026
National Day 10-1 to 10-7 with make-up Sun 9-20 and Sat 10-10.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from api.app import build_state
from engine.clock import FrozenClock
from engine.settings import CalendarSettings, Settings
from workflows.filings.calendar import (
    add_working_days,
    calendar_covers,
    filing_deadline,
    is_working_day,
    warn_uncovered_years,
)
from workflows.reminders import rules

SPEC_SAMPLES = [
    (date(2019, 5, 16), date(2019, 5, 23)),
    (date(2019, 2, 15), date(2019, 2, 22)),
    (date(2019, 4, 12), date(2019, 4, 19)),
]


class TestIsWorkingDay:
    @pytest.mark.parametrize(
        ("day", "expected"),
        [
            (date(2019, 2, 1), True),  # Friday before Spring Festival
            (date(2019, 2, 2), True),  # make-up Saturday
            (date(2019, 2, 3), True),  # make-up Sunday
            (date(2019, 2, 4), False),  # Monday, Spring Festival eve holiday
            (date(2019, 2, 16), False),  # ordinary Saturday
            (date(2019, 4, 5), False),  # Qingming, a Friday
            (date(2019, 5, 5), True),  # make-up Sunday after Labour Day
            (date(2025, 10, 8), False),  # Wednesday inside Golden Week 2025
            (date(2025, 10, 11), True),  # make-up Saturday
            (date(2025, 10, 12), False),  # ordinary Sunday
            (date(2026, 10, 10), True),  # make-up Saturday
            (date(2026, 1, 1), False),  # New Year's Day 2026 (Thursday)
        ],
    )
    def test_statutory_calendar(self, day: date, expected: bool) -> None:
        assert is_working_day(day) is expected


class TestAddWorkingDays:
    def test_zero_is_start(self) -> None:
        assert add_working_days(date(2019, 2, 16), 0) == date(2019, 2, 16)

    def test_skips_weekend(self) -> None:
        assert add_working_days(date(2019, 5, 17), 1) == date(2019, 5, 20)

    def test_counts_make_up_weekend_before_spring_festival(self) -> None:
        # Fri 2019-02-01 → Sat 2-2 (1), Sun 2-3 (2), holiday 2-4..2-10, Mon 2-11 (3), 2-12 (4), 2-13 (5).
        assert add_working_days(date(2019, 2, 1), 5) == date(2019, 2, 13)

    def test_negative_rejected(self) -> None:
        with pytest.raises(ValueError, match=">= 0"):
            add_working_days(date(2019, 2, 1), -1)


class TestFilingDeadline:
    @pytest.mark.parametrize(("completed_on", "deadline"), SPEC_SAMPLES)
    def test_spec_samples_under_calendar_days(self, completed_on: date, deadline: date) -> None:
        assert filing_deadline(completed_on, rule="calendar_days", days=7) == deadline

    @pytest.mark.parametrize(("completed_on", "deadline"), SPEC_SAMPLES)
    def test_spec_samples_under_five_working_days(self, completed_on: date, deadline: date) -> None:
        # 2019-05-16 Thu → 5-17, 5-20..5-23; 2019-02-15 Fri (after Spring Festival) → 2-18..2-22;
        # 2019-04-12 Fri (after Qingming) → 4-15..4-19. No holiday falls inside any of the three windows.
        assert filing_deadline(completed_on) == deadline

    def test_calendar_days_default_count_is_five(self) -> None:
        assert filing_deadline(date(2019, 5, 16), rule="calendar_days") == date(2019, 5, 21)

    def test_golden_week_2025_with_make_up_saturday(self) -> None:
        # Tue 2025-09-30 → holidays 10-1..10-8; Thu 10-9 (1), Fri 10-10 (2), make-up Sat 10-11 (3),
        # Mon 10-13 (4), Tue 10-14 (5). Calendar days would give 10-5, in the middle of the holiday.
        assert filing_deadline(date(2025, 9, 30)) == date(2025, 10, 14)
        assert filing_deadline(date(2025, 9, 30), rule="calendar_days") == date(2025, 10, 5)

    def test_golden_week_2026_with_make_up_saturday(self) -> None:
        # Tue 2026-09-29 → Wed 9-30 (1), holidays 10-1..10-7, Thu 10-8 (2), Fri 10-9 (3),
        # make-up Sat 10-10 (4), Mon 10-12 (5).
        assert filing_deadline(date(2026, 9, 29)) == date(2026, 10, 12)
        assert filing_deadline(date(2026, 9, 30)) == date(2026, 10, 13)

    def test_configurable_days(self) -> None:
        assert filing_deadline(date(2019, 5, 16), days=1) == date(2019, 5, 17)

    def test_bad_arguments(self) -> None:
        with pytest.raises(ValueError, match="days"):
            filing_deadline(date(2019, 5, 16), days=-1)
        with pytest.raises(ValueError, match="rule"):
            filing_deadline(date(2019, 5, 16), rule="lunar")  # type: ignore[arg-type]


class TestUncoveredYears:
    def test_covers(self) -> None:
        assert calendar_covers(date(2004, 1, 1))
        assert calendar_covers(date(2026, 12, 31))
        assert not calendar_covers(date(2027, 1, 1))
        assert not calendar_covers(date(2003, 12, 31))

    def test_2027_falls_back_to_monday_to_friday(self) -> None:
        assert is_working_day(date(2027, 1, 1))  # Friday; New Year's Day is unknown to the calendar yet
        assert not is_working_day(date(2027, 1, 2))  # Saturday
        # Thu 2027-09-30 → Fri 10-1, Mon 10-4 .. Thu 10-7 (no Golden Week in the fallback).
        assert filing_deadline(date(2027, 9, 30)) == date(2027, 10, 7)

    def test_crossing_into_an_uncovered_year(self) -> None:
        # Wed 2026-12-30 → Thu 12-31 (covered, working), then 2027 fallback: Fri 1-1, Mon 1-4 .. Wed 1-6.
        assert is_working_day(date(2026, 12, 31))
        assert filing_deadline(date(2026, 12, 30)) == date(2027, 1, 6)


# An admin enters the official schedule of a year chinesecalendar 1.11 does not know yet (2027).
# New Year's Day (Fri 2027-01-01) is a statutory holiday every year; the make-up Saturday below is
# an example entry, not a published 2027 date.
EXTRA_2027 = CalendarSettings(extra_holidays=(date(2027, 1, 1),), extra_workdays=(date(2027, 1, 9),))


class TestAdminSuppliedSchedule:
    def test_settings_parse_dates_ranges_and_json(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("FIREOPS_CALENDAR__EXTRA_HOLIDAYS", "2027-01-01, 2027-02-06..2027-02-08")
        monkeypatch.setenv("FIREOPS_CALENDAR__EXTRA_WORKDAYS", '["2027-02-14"]')
        cfg = Settings(environment="test").calendar
        assert cfg.extra_holidays == (date(2027, 1, 1), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8))
        assert cfg.extra_workdays == (date(2027, 2, 14),)

    @pytest.mark.parametrize(
        ("holidays", "workdays", "message"),
        [
            ("2027-01-01", "2027-01-01", "both as holiday and as workday"),
            ("2027-02-08..2027-02-06", "", "first day first"),
            ("2027-13-01", "", "month"),
        ],
    )
    def test_bad_settings_are_refused_at_startup(self, holidays: str, workdays: str, message: str) -> None:
        with pytest.raises(ValidationError, match=message):
            CalendarSettings.model_validate({"extra_holidays": holidays, "extra_workdays": workdays})

    def test_extra_days_cover_the_year_and_count(self) -> None:
        assert not calendar_covers(date(2027, 5, 1))
        assert calendar_covers(date(2027, 5, 1), EXTRA_2027)
        assert not is_working_day(date(2027, 1, 1), EXTRA_2027)  # the holiday
        assert is_working_day(date(2027, 1, 9), EXTRA_2027)  # the make-up Saturday
        assert is_working_day(date(2027, 1, 1))  # without the settings: Monday-Friday fallback
        # Wed 2026-12-30 → Thu 12-31 (1), Fri 1-1 off, Mon 1-4 (2) … Thu 1-7 (5)
        assert filing_deadline(date(2026, 12, 30), calendar=EXTRA_2027) == date(2027, 1, 7)
        # Wed 2027-01-06 → 1-7 (1), 1-8 (2), Sat 1-9 worked (3), 1-11 (4), 1-12 (5)
        assert filing_deadline(date(2027, 1, 6), calendar=EXTRA_2027) == date(2027, 1, 12)
        assert filing_deadline(date(2027, 1, 6)) == date(2027, 1, 13)

    def test_extra_days_also_correct_a_covered_year(self) -> None:
        fix = CalendarSettings(extra_workdays=(date(2026, 10, 3),))  # a Saturday made a working day
        assert not is_working_day(date(2026, 10, 3)) and is_working_day(date(2026, 10, 3), fix)

    def test_reminder_steps_use_the_settings_r_due(self) -> None:
        steps = rules.filing_steps(
            date(2026, 12, 30), date(2027, 1, 7), date(2027, 1, 8), days=5, hour=9, calendar=EXTRA_2027
        )
        days = [(kind, due.date()) for kind, due in steps]
        # day 3 = Tue 1-5 (12-31, 1-4, 1-5); deadline 1-7; overdue from Fri 1-8
        assert days == [
            (rules.FILING_DUE, date(2027, 1, 5)),
            (rules.FILING_DUE, date(2027, 1, 7)),
            (rules.FILING_OVERDUE, date(2027, 1, 8)),
        ]


class TestUncoveredYearWarnings:
    def test_every_deadline_into_an_uncovered_year_warns(self, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.WARNING, logger="fireops.calendar")
        filing_deadline(date(2026, 9, 29))  # 2026: covered
        assert caplog.records == []
        filing_deadline(date(2026, 12, 30))
        filing_deadline(date(2026, 12, 29))
        warned = [r.getMessage() for r in caplog.records]
        assert len(warned) == 2 and all("calendar.uncovered" in m and "years=2027" in m for m in warned)
        assert "FIREOPS_CALENDAR__EXTRA_HOLIDAYS" in warned[0]  # it says what to do
        caplog.clear()
        filing_deadline(date(2026, 12, 30), calendar=EXTRA_2027)  # the admin supplied 2027
        filing_deadline(date(2026, 12, 30), rule="calendar_days")  # no calendar involved
        assert caplog.records == []

    def test_startup_check_looks_ahead(self, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.WARNING, logger="fireops.calendar")
        assert warn_uncovered_years(date(2026, 6, 1)) == []  # 60 days ahead is still 2026
        assert caplog.records == []
        assert warn_uncovered_years(date(2026, 12, 1)) == [2027]
        assert "calendar.uncovered year=2027" in caplog.records[0].getMessage()
        assert warn_uncovered_years(date(2026, 12, 1), EXTRA_2027) == []
        far = CalendarSettings(warn_ahead_days=400)
        assert warn_uncovered_years(date(2026, 6, 1), far) == [2027]

    def test_application_start_warns(self, settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
        """``build_state`` (``fireops serve``/``worker``) runs the check once at startup."""
        caplog.set_level(logging.WARNING, logger="fireops.calendar")
        state = build_state(
            settings, clock=FrozenClock(datetime(2026, 12, 15, 2, tzinfo=UTC)), run_migrations=False
        )
        state.engine.dispose()
        assert [r.getMessage()[:30] for r in caplog.records] == ["calendar.uncovered year=2027: "]
        caplog.clear()
        covered = settings.model_copy(update={"calendar": EXTRA_2027})
        state = build_state(
            covered, clock=FrozenClock(datetime(2026, 12, 15, 2, tzinfo=UTC)), run_migrations=False
        )
        state.engine.dispose()
        assert caplog.records == []
