"""R-FILE-2: a filed report never changes — refused at the ORM level (a DB trigger covers raw SQL).

The same holds for the report's :class:`~workflows.filings.models.Filing` row: it is written once,
when the report is filed, and never updated or deleted (migration 0007 adds the triggers), so
nothing can turn a filed report back into "not filed" on the verification page.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Mapper
from sqlalchemy.orm.attributes import get_history

from engine.errors import RuleViolation
from workflows.filings.models import Filing
from workflows.reports.models import Report, ReportStatus


def _was_filed(target: Report) -> bool:
    history = get_history(target, "status")
    previous = list(history.deleted) + list(history.unchanged)
    return ReportStatus.FILED in previous


@event.listens_for(Report, "before_update")
def _refuse_update(_mapper: Mapper[Any], _conn: Any, target: Report) -> None:
    if _was_filed(target):
        raise RuleViolation("R-FILE-2", "已备案的报告不能修改 / a filed report can never change")


@event.listens_for(Report, "before_delete")
def _refuse_delete(_mapper: Mapper[Any], _conn: Any, target: Report) -> None:
    if _was_filed(target):
        raise RuleViolation("R-FILE-2", "已备案的报告不能删除 / a filed report can never be deleted")


@event.listens_for(Filing, "before_update")
def _refuse_filing_update(_mapper: Mapper[Any], _conn: Any, _target: Filing) -> None:
    raise RuleViolation("R-FILE-2", "备案记录不能修改 / a filing can never change")


@event.listens_for(Filing, "before_delete")
def _refuse_filing_delete(_mapper: Mapper[Any], _conn: Any, _target: Filing) -> None:
    raise RuleViolation("R-FILE-2", "备案记录不能删除 / a filing can never be deleted")
