"""Reusable SQL conditions about projects (no rules of their own: the rules they encode are cited)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_

from workflows.contracts.models import Contract, ContractType
from workflows.projects.models import Project


def maintenance_month_due(month: date) -> ColumnElement[bool]:
    """The SQL condition "``month`` is a plan month of this maintenance project": the project's
    contract is a maintenance contract, ``month`` is on or after the project's first plan month
    (R-PRJ-2, itself never before the signing month) and not after the contract's end.

    The statement must join :class:`~workflows.contracts.models.Contract` on
    ``Project.contract_id``. Project status, suspended months (R-PLAN-1) and existing plans are
    left to the caller: the month drafts, the plan-issue reminders and the supervision statistics
    treat them differently.

    Args:
        month: First day of the month.
    """
    return and_(
        Contract.type == ContractType.MAINTENANCE,
        Project.first_plan_month <= month,
        Contract.ends_on >= month,
    )
