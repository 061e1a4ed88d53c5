"""Pure project rules: the first plan month (R-PRJ-2)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from engine.errors import InvalidInput, RuleViolation
from workflows.contracts.models import ContractType

FirstPlanChoice = Literal["signing_month", "next_month"]
"""``signing_month``: the first plan and report are for the month the contract was signed;
``next_month``: for the month after (allowed only when signed on/after the 20th, R-PRJ-2)."""

CHOICE_FROM_DAY = 20
"""A maintenance contract signed on or after this day of the month lets the agency choose (R-PRJ-2)."""


class FirstPlanMonthRefused(InvalidInput):
    """The requested first plan month is not allowed by R-PRJ-2 (422, field ``first_plan_month``)."""

    code = "R-PRJ-2"

    def __init__(self, message: str) -> None:
        super().__init__("first_plan_month", f"R-PRJ-2: {message}")


class FirstPlanMonthFrozen(RuleViolation):
    """The first plan month was chosen when the project was saved and never changes (409, R-PRJ-2)."""

    def __init__(self) -> None:
        super().__init__(
            "R-PRJ-2", "首次计划月份保存后不能修改 / the first plan month is immutable after save"
        )


def month_start(d: date) -> date:
    """The first day of ``d``'s month."""
    return d.replace(day=1)


def next_month_start(d: date) -> date:
    """The first day of the month after ``d``'s month."""
    return date(d.year + 1, 1, 1) if d.month == 12 else date(d.year, d.month + 1, 1)


def first_plan_month(
    contract_type: ContractType, signed_on: date, ends_on: date, choice: FirstPlanChoice
) -> date:
    """The first day of the project's first plan month (R-PRJ-2).

    A maintenance contract signed on or after the 20th lets the agency choose the signing month or
    the next; otherwise (signed before the 20th, or any other contract type) it is the signing month.

    Args:
        contract_type: The contract's type.
        signed_on: The contract's signing date.
        ends_on: The contract's end date; the next month must start on or before it.
        choice: ``signing_month`` or ``next_month``.

    Returns:
        The first day of the chosen month.

    Raises:
        FirstPlanMonthRefused: ``next_month`` not allowed for this contract (422, R-PRJ-2).
    """
    if choice == "signing_month":
        return month_start(signed_on)
    if contract_type != ContractType.MAINTENANCE:
        raise FirstPlanMonthRefused(
            "只有维护保养合同可选择次月 / only maintenance contracts may start next month"
        )
    if signed_on.day < CHOICE_FROM_DAY:
        raise FirstPlanMonthRefused(
            f"合同签订于 {signed_on:%Y-%m-%d}（{CHOICE_FROM_DAY} 日之前），首次计划必须为签订当月 "
            f"/ signed before the {CHOICE_FROM_DAY}th: the first plan is for the signing month"
        )
    month = next_month_start(signed_on)
    if month > ends_on:
        raise FirstPlanMonthRefused("次月已超出合同期限 / the next month is after the contract end")
    return month
