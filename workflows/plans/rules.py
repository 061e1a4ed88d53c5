"""Pure rules of plans: periods and names (R-PLAN, R-PRJ-2)."""

from __future__ import annotations

import calendar
import re
from datetime import date

from engine.errors import InvalidInput

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")


def parse_period(nature: str, period: str) -> tuple[date, date]:
    """``(first day, last day)`` of a plan period.

    Args:
        nature: ``month``, ``quarter`` or ``year``.
        period: ``2026-10``, ``2026-Q4`` or ``2026`` respectively.

    Raises:
        InvalidInput: ``period`` does not match ``nature`` (field ``period``).
    """
    if nature == "month" and (m := _MONTH.match(period)) and 1 <= int(m.group(2)) <= 12:
        y, mo = int(m.group(1)), int(m.group(2))
        return date(y, mo, 1), date(y, mo, calendar.monthrange(y, mo)[1])
    if nature == "quarter" and (m := _QUARTER.match(period)):
        y, q = int(m.group(1)), int(m.group(2))
        first, last = 3 * q - 2, 3 * q
        return date(y, first, 1), date(y, last, calendar.monthrange(y, last)[1])
    if nature == "year" and (m := _YEAR.match(period)):
        y = int(m.group(1))
        return date(y, 1, 1), date(y, 12, 31)
    raise InvalidInput(
        "period", f"期间格式不符：{nature} 需要如 2026-10 / 2026-Q4 / 2026 / bad period {period!r}"
    )


def plan_name(nature: str, start: date, service_label: str) -> str:
    """The plan's display name, e.g. ``2026年10月维护保养计划`` (as the deployed system names them)."""
    if nature == "month":
        return f"{start.year}年{start.month}月{service_label}计划"
    if nature == "quarter":
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度{service_label}计划"
    return f"{start.year}年{service_label}计划"


def period_label(nature: str, start: date) -> str:
    """``2026年10月`` / ``2026年第4季度`` / ``2026年``."""
    if nature == "month":
        return f"{start.year}年{start.month}月"
    if nature == "quarter":
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    return f"{start.year}年"
