"""China's statutory working-day calendar and the report filing deadline (R-FILE-1, R-DUE).

Working days come from the maintained ``chinese_calendar`` package (``chinesecalendar`` on PyPI),
which holds the State Council's yearly holiday notices: statutory holidays (法定节假日) and the
make-up working days on weekends (调休上班). No holiday table is written here.

The package covers the years it has notices for (2004-2026 in 1.11) and raises
``NotImplementedError`` outside them. The State Council publishes each year's notice in the
November before; until a package release carries it, an admin enters that schedule in
``Settings.calendar`` (``FIREOPS_CALENDAR__EXTRA_HOLIDAYS`` / ``FIREOPS_CALENDAR__EXTRA_WORKDAYS``,
ISO dates and ``first..last`` ranges). A year is *covered* when the package knows it or the
settings list any day of it (:func:`calendar_covers`).

For a year neither covers, days fall back to plain Monday-Friday so deadlines are still computed,
and a warning is logged (logger ``fireops.calendar``): at startup for the years ahead
(:func:`warn_uncovered_years`) and on every working-day deadline computed across such a year
(:func:`add_working_days`, :func:`filing_deadline`).

Every function takes ``calendar``: the application's ``Settings.calendar`` (``None`` = the package
alone).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

import chinese_calendar

from engine.settings import CalendarSettings

log = logging.getLogger("fireops.calendar")

DeadlineRule = Literal["working_days", "calendar_days"]

HOW_TO_FIX = (
    "请在 FIREOPS_CALENDAR__EXTRA_HOLIDAYS / FIREOPS_CALENDAR__EXTRA_WORKDAYS 中填写国务院办公厅发布的"
    "该年放假安排，或升级 chinesecalendar / enter the State Council's holiday schedule of that year "
    "in FIREOPS_CALENDAR__EXTRA_HOLIDAYS and FIREOPS_CALENDAR__EXTRA_WORKDAYS, or upgrade chinesecalendar"
)


@lru_cache(maxsize=64)
def _library_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=4096)
def _library_workday(d: date) -> bool:
    """chinesecalendar's answer for a covered day, cached (the package scans its tables per call)."""
    return bool(chinese_calendar.is_workday(d))


@dataclass(frozen=True)
class WorkingCalendar:
    """The package's calendar plus the admin's extra days (``Settings.calendar``)."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    @property
    def supplied_years(self) -> frozenset[int]:
        """Years the settings give a schedule for (any listed day)."""
        return frozenset(d.year for d in self.holidays | self.workdays)

    def covers(self, d: date) -> bool:
        """Whether ``d``'s year has an official schedule (package or settings)."""
        return _library_covers(d.year) or d.year in self.supplied_years

    def is_working_day(self, d: date) -> bool:
        """Settings first, then the package, then Monday-Friday."""
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        if _library_covers(d.year):
            return _library_workday(d)
        return d.weekday() < 5


@lru_cache(maxsize=16)
def working_calendar(settings: CalendarSettings | None = None) -> WorkingCalendar:
    """The calendar of ``settings`` (cached: ``CalendarSettings`` is frozen and hashable)."""
    if settings is None:
        return WorkingCalendar()
    return WorkingCalendar(frozenset(settings.extra_holidays), frozenset(settings.extra_workdays))


def calendar_covers(d: date, calendar: CalendarSettings | None = None) -> bool:
    """Whether the statutory calendar has data for ``d``'s year.

    Args:
        d: Any date.
        calendar: ``Settings.calendar`` (its extra days cover their years), or ``None``.

    Returns:
        ``False`` when neither chinesecalendar nor the settings know ``d``'s year (e.g. 2027 with
        chinesecalendar 1.11 and no extra days): :func:`is_working_day` falls back to
        Monday-Friday there, so a deadline in that year is provisional.
    """
    return working_calendar(calendar).covers(d)


def uncovered_years(start: date, end: date, calendar: CalendarSettings | None = None) -> list[int]:
    """Years of ``start``..``end`` (inclusive) that :func:`calendar_covers` does not cover."""
    return [y for y in range(start.year, end.year + 1) if not calendar_covers(date(y, 1, 1), calendar)]


def warn_uncovered_years(today: date, calendar: CalendarSettings | None = None) -> list[int]:
    """The startup check: log a warning for each year within ``calendar.warn_ahead_days`` of ``today``
    that neither chinesecalendar nor the settings cover (its deadlines would count Monday-Friday).

    Returns:
        The uncovered years (empty when all is well).
    """
    ahead = calendar.warn_ahead_days if calendar is not None else CalendarSettings().warn_ahead_days
    years = uncovered_years(today, today + timedelta(days=ahead), calendar)
    for year in years:
        log.warning(
            "calendar.uncovered year=%d: working-day deadlines in %d count Monday-Friday only "
            "(no statutory holidays, no make-up workdays). %s",
            year,
            year,
            HOW_TO_FIX,
        )
    return years


def is_working_day(d: date, calendar: CalendarSettings | None = None) -> bool:
    """Whether ``d`` is a working day in mainland China.

    Args:
        d: The day.
        calendar: ``Settings.calendar`` (extra holidays and workdays), or ``None``.

    Returns:
        ``True`` on ordinary weekdays and make-up working weekends (调休上班), ``False`` on weekends
        and statutory holidays. Extra days of the settings win; outside the years either source
        covers: ``True`` Monday to Friday.
    """
    return working_calendar(calendar).is_working_day(d)


def add_working_days(start: date, n: int, calendar: CalendarSettings | None = None) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself is not counted).

    Logs a ``calendar.uncovered`` warning when the counted days reach into a year neither
    chinesecalendar nor the settings cover (the result is then provisional).

    Args:
        start: The day counting starts after (e.g. a report's completion date).
        n: Number of working days, ``>= 0``; ``0`` returns ``start``.
        calendar: ``Settings.calendar``, or ``None`` for chinesecalendar alone.

    Returns:
        The date of the ``n``-th working day strictly after ``start``.

    Raises:
        ValueError: ``n`` is negative.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    cal = working_calendar(calendar)
    day = start
    remaining = n
    while remaining:
        day += timedelta(days=1)
        if cal.is_working_day(day):
            remaining -= 1
    if n:
        missing = uncovered_years(start + timedelta(days=1), day, calendar)
        if missing:
            log.warning(
                "calendar.uncovered deadline=%s start=%s working_days=%d years=%s: counted Monday-Friday "
                "in those years. %s",
                day,
                start,
                n,
                ",".join(map(str, missing)),
                HOW_TO_FIX,
            )
    return day


def filing_deadline(
    completed_on: date,
    *,
    rule: DeadlineRule = "working_days",
    days: int = 5,
    calendar: CalendarSettings | None = None,
) -> date:
    """The last day on which a report may be filed on time (R-FILE-1).

    SPEC §5.6: the deadline is 5 working days after the report's completion date (the seed's
    samples 2019-05-16 → 2019-05-23, 2019-02-15 → 2019-02-22 and 2019-04-12 → 2019-04-19 also fit 7
    calendar days). Filing later is allowed but flagged as late.

    Args:
        completed_on: The report's completion date (Asia/Shanghai business date).
        rule: ``working_days`` (China's statutory calendar, :func:`add_working_days`) or
            ``calendar_days`` (plain days); from ``Settings.filing.rule``.
        days: How many days to count after ``completed_on``, ``>= 0``; from ``Settings.filing.days``.
        calendar: ``Settings.calendar`` (extra holidays/workdays for years chinesecalendar lacks).

    Returns:
        The deadline date (inclusive). Under ``working_days`` a deadline reaching into a year no
        source covers is logged as a warning (``calendar.uncovered``).

    Raises:
        ValueError: ``days`` is negative or ``rule`` unknown.
    """
    if days < 0:
        raise ValueError(f"days must be >= 0, got {days}")
    if rule == "working_days":
        return add_working_days(completed_on, days, calendar)
    if rule == "calendar_days":
        return completed_on + timedelta(days=days)
    raise ValueError(f"unknown deadline rule {rule!r}")
