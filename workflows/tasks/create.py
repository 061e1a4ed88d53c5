"""``POST /tasks``: which kind of task to build, and which fields each kind takes (R-TASK, R-TASK-2).

One :class:`~workflows.tasks.schemas.TaskCreate` body carries every kind's fields; a field that
does not belong to the requested kind is refused (422 naming it) rather than silently dropped, so a
client that meant a supplementary task but forgot ``kind`` learns it at once.
"""

from __future__ import annotations

from typing import Final

from engine.errors import InvalidInput
from workflows.context import Ctx
from workflows.tasks import service
from workflows.tasks.extra import create_extra_task
from workflows.tasks.models import Task, TaskKind
from workflows.tasks.schemas import TaskCreate

KIND_FIELDS: Final[dict[str, frozenset[str]]] = {
    TaskKind.PLAN: frozenset({"line_ids"}),
    TaskKind.SUPPLEMENTARY: frozenset({"project_id", "test_item_ids", "executor_id"}),
    TaskKind.MISMATCH: frozenset({"project_id", "items", "executor_id"}),
}
"""The fields of :class:`TaskCreate` each kind takes (besides ``kind``)."""

_KIND_HELP: Final[dict[str, str]] = {
    TaskKind.PLAN: "按计划自建任务只需 line_ids（下发给您的计划项） / a plan task takes line_ids only",
    TaskKind.SUPPLEMENTARY: (
        "补充测试项任务请填写 project_id、test_item_ids（管理人员可加 executor_id）"
        " / a supplementary task takes project_id, test_item_ids and optionally executor_id"
    ),
    TaskKind.MISMATCH: (
        "规范不匹配任务请填写 project_id、items（管理人员可加 executor_id）"
        " / a mismatch task takes project_id, items and optionally executor_id"
    ),
}


def check_kind_fields(data: TaskCreate) -> None:
    """Refuse a field given (non-empty) that the requested kind does not take.

    Raises:
        InvalidInput: the first such field in declaration order (422, ``field`` = its name), saying
            which fields the kind takes.
    """
    allowed = KIND_FIELDS[data.kind]
    for name in TaskCreate.model_fields:
        if name == "kind" or name in allowed:
            continue
        value = getattr(data, name)
        if value is not None and value != []:
            raise InvalidInput(
                name,
                f"{name} 不适用于 {data.kind} 任务：{_KIND_HELP[data.kind]}"
                f" / {name} does not belong to a {data.kind} task",
            )


def build_task(ctx: Ctx, data: TaskCreate) -> Task:
    """Build a task of ``data.kind``: from plan lines issued to the caller (``plan``, 按计划自建任务,
    :func:`workflows.tasks.service.create_task`), or without a plan (``supplementary`` /
    ``mismatch``, R-TASK-2, :func:`workflows.tasks.extra.create_extra_task`).

    Args:
        ctx: The acting person.
        data: The request body; only the kind's fields (:data:`KIND_FIELDS`) may be given.

    Returns:
        The new task (``draft``), its ``task_review`` process started.

    Raises:
        InvalidInput: a field of another kind (422, naming it); whatever the kind's service refuses
            (see those functions: 404, 403, 409, 422).
    """
    check_kind_fields(data)
    if data.kind == "plan":
        return service.create_task(ctx, data.line_ids)
    return create_extra_task(
        ctx,
        kind=data.kind,
        project_id=data.project_id,
        test_item_ids=data.test_item_ids,
        items=data.items,
        executor_id=data.executor_id,
    )
