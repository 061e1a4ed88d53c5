"""China's statutory working-day calendar and the report filing deadline (R-FILE-1, R-DUE).

Working days come from the maintained ``chinese_calendar`` package (``chinesecalendar`` on PyPI),
which holds the State Council's yearly holiday notices: statutory holidays (法定节假日) and the
make-up working days on weekends (调休上班). No holiday table is written here.

The package covers the years it has notices for (2004-2026 in 1.11) and raises
``NotImplementedError`` outside them. For those years this module falls back to plain
Monday-Friday working days, so deadlines are still computed, and :func:`calendar_covers` lets
callers flag such a date as provisional. Upgrading the package (the State Council publishes each
year's notice in the autumn before) adds the year without a code change.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

import chinese_calendar

DeadlineRule = Literal["working_days", "calendar_days"]


def calendar_covers(d: date) -> bool:
    """Whether the statutory calendar has data for ``d``'s year.

    Args:
        d: Any date.

    Returns:
        ``False`` when :func:`is_working_day` falls back to Monday-Friday for ``d`` (e.g. 2027
        with chinesecalendar 1.11): the deadline is provisional and should be flagged.
    """
    try:
        chinese_calendar.is_workday(d)
    except NotImplementedError:
        return False
    return True


def is_working_day(d: date) -> bool:
    """Whether ``d`` is a working day in mainland China.

    Args:
        d: The day.

    Returns:
        ``True`` on ordinary weekdays and make-up working weekends (调休上班), ``False`` on weekends
        and statutory holidays. Outside the years the calendar covers: ``True`` Monday to Friday.
    """
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        return d.weekday() < 5


def add_working_days(start: date, n: int) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself is not counted).

    Args:
        start: The day counting starts after (e.g. a report's completion date).
        n: Number of working days, ``>= 0``; ``0`` returns ``start``.

    Returns:
        The date of the ``n``-th working day strictly after ``start``.

    Raises:
        ValueError: ``n`` is negative.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    day = start
    remaining = n
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def filing_deadline(completed_on: date, *, rule: DeadlineRule = "working_days", days: int = 5) -> date:
    """The last day on which a report may be filed on time (R-FILE-1).

    SPEC §5.6: the deadline is 5 working days after the report's completion date (the seed's
    samples 2019-05-16 → 2019-05-23, 2019-02-15 → 2019-02-22 and 2019-04-12 → 2019-04-19 also fit 7
    calendar days). Filing later is allowed but flagged as late.

    Args:
        completed_on: The report's completion date (Asia/Shanghai business date).
        rule: ``working_days`` (China's statutory calendar, :func:`add_working_days`) or
            ``calendar_days`` (plain days); from ``Settings.filing.rule``.
        days: How many days to count after ``completed_on``, ``>= 0``; from ``Settings.filing.days``.

    Returns:
        The deadline date (inclusive).

    Raises:
        ValueError: ``days`` is negative or ``rule`` unknown.
    """
    if days < 0:
        raise ValueError(f"days must be >= 0, got {days}")
    if rule == "working_days":
        return add_working_days(completed_on, days)
    if rule == "calendar_days":
        return completed_on + timedelta(days=days)
    raise ValueError(f"unknown deadline rule {rule!r}")
