"""Pure rules of the project lifecycle (R-LIFE, R-PLAN-1): months, contract range, completion. No database."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from datetime import date
from typing import Final

from engine.errors import InvalidInput, RuleViolation
from workflows.projects.rules import month_start, next_month_start

_MONTH: Final = re.compile(r"^(\d{4})-(\d{1,2})$")

MAX_FILE_BYTES: Final = 10 * 1024 * 1024
"""Each supporting file of a suspension request: at most 10 MiB (SPEC §3 attachments)."""

MAX_FILES: Final = 10
"""At most this many supporting files per request."""


def parse_month(value: str) -> date:
    """The first day of a month written ``2026-12``.

    Raises:
        InvalidInput: not ``YYYY-MM`` (422, field ``month``).
    """
    m = _MONTH.match(value.strip())
    if m is None or not 1 <= int(m.group(2)) <= 12:
        raise InvalidInput("month", f"月份格式应为 2026-12 / month must look like 2026-12, got {value!r}")
    return date(int(m.group(1)), int(m.group(2)), 1)


def month_end(first: date) -> date:
    """The last day of the month starting at ``first``."""
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def months_between(start: date, end: date) -> list[date]:
    """First days of every month that overlaps ``start``..``end`` (inclusive), in order."""
    out, cur = [], month_start(start)
    while cur <= end:
        out.append(cur)
        cur = next_month_start(cur)
    return out


def check_suspension_month(month: date, *, signed_on: date, ends_on: date, today: date) -> None:
    """A suspension month must lie within the contract and must not have ended yet (R-LIFE).

    Args:
        month: First day of the requested month.
        signed_on: Contract signing date.
        ends_on: Contract end date.
        today: Business date of the request (Asia/Shanghai).

    Raises:
        RuleViolation: ``R-LIFE`` outside the contract, or the month is over (422).
    """
    if month < month_start(signed_on) or month > ends_on:
        raise RuleViolation(
            "R-LIFE",
            f"暂停月份须在合同期限内（{signed_on:%Y-%m}至{ends_on:%Y-%m}）"
            "/ the month must fall within the contract",
            status_code=422,
        )
    if month_end(month) < today:
        raise RuleViolation(
            "R-LIFE",
            f"{month:%Y-%m} 已结束，不能申请暂停 / the month is over: request the current or a later month",
            status_code=422,
        )


def check_no_overlap(start: date, end: date, blocked: Iterable[date]) -> None:
    """R-PLAN-1: a plan period ``start``..``end`` must not contain a suspended (or requested) month.

    Args:
        start: First day of the plan period.
        end: Last day of the plan period.
        blocked: First days of months that are suspended or have a pending suspension request.

    Raises:
        RuleViolation: ``R-PLAN-1`` (409), naming the month.
    """
    hits = sorted(m for m in blocked if start <= m <= end)
    if hits:
        raise RuleViolation(
            "R-PLAN-1",
            f"{hits[0]:%Y-%m} 已申请或已批准暂停，不能制定计划；如需计划请先撤回暂停申请 "
            f"/ {hits[0]:%Y-%m} is suspended (or a suspension is pending): no plan for it",
        )


def last_due_month(ends_on: date, first_plan_month: date, suspended: Iterable[date]) -> date | None:
    """The last month of the contract that needs a report: the contract's last month, stepping back over
    suspended months; ``None`` when every month from the first plan month on is suspended."""
    skip = set(suspended)
    cur = month_start(ends_on)
    while cur >= first_plan_month:
        if cur not in skip:
            return cur
        cur = date(cur.year - 1, 12, 1) if cur.month == 1 else date(cur.year, cur.month - 1, 1)
    return None


def check_completion(*, today: date, ends_on: date, last_report_filed: bool, last_period: str) -> None:
    """R-LIFE: a project is complete only after its contract end date and once the last report is filed.

    Args:
        today: Business date of the request.
        ends_on: Contract end date.
        last_report_filed: Whether the report of the last due period is filed.
        last_period: The last period as shown to the user (``2027-08``), for the message.

    Raises:
        RuleViolation: ``R-LIFE`` before the end date, or the last report not filed (409).
    """
    if today <= ends_on:
        raise RuleViolation(
            "R-LIFE",
            f"合同于 {ends_on:%Y-%m-%d} 到期，到期后才能完成项目 "
            f"/ the contract ends on {ends_on}: complete after it",
        )
    if not last_report_filed:
        raise RuleViolation(
            "R-LIFE",
            f"最后一期（{last_period}）报告尚未备案，备案后才能完成项目 "
            f"/ file the last report ({last_period}) first",
        )
