"""R-FILE-2: a filed report never changes — refused at the ORM level (a DB trigger covers raw SQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Mapper
from sqlalchemy.orm.attributes import get_history

from engine.errors import RuleViolation
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
