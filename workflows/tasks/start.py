"""The one write every new task makes, whatever its kind (R-TASK, R-TASK-2).

:func:`start_task` is called after a kind's own checks: by
:func:`workflows.tasks.service.create_task` (plan tasks from issued lines) and
:func:`workflows.tasks.extra.create_extra_task` (supplementary and mismatch tasks without a plan).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from engine.clock import business_date
from engine.codes import next_code
from workflows.audit.service import record_audit
from workflows.context import Ctx
from workflows.plans.models import PlanLine
from workflows.projects.models import Project
from workflows.tasks.models import Task, TaskKind, TaskLine, TaskState


def start_task(
    ctx: Ctx,
    project: Project,
    *,
    kind: TaskKind,
    plan_id: uuid.UUID | None,
    executor_id: uuid.UUID,
    lines: Sequence[PlanLine],
    audit_extra: Mapping[str, Any] | None = None,
) -> Task:
    """Write a checked task and start its ``task_review`` process (``execute_task`` waits in the
    executor's inbox).

    Writes the :class:`Task` row (state ``draft``, code ``T-<year>-NNNN`` of the business year),
    one :class:`TaskLine` per line, the ``task.created`` audit row (``code``, ``lines`` and
    ``audit_extra``) and the ``task_review`` instance, in the caller's transaction.

    Args:
        ctx: The acting context; the caller has checked every rule of the task's kind.
        project: The task's project.
        kind: ``plan``, ``supplementary`` or ``mismatch``.
        plan_id: The plan of a plan task; ``None`` for tasks without a plan (R-TASK-2).
        executor_id: ``Person.id`` of who executes the task.
        lines: Its lines, in order, already added to the session (flushed here if new).
        audit_extra: More fields of the audit row's ``after`` (e.g. ``kind``, ``executor_id``).

    Returns:
        The new task (flushed).
    """
    now = ctx.clock.now()
    task = Task(
        code=next_code(ctx.session, f"T-{business_date(now).year}"),
        kind=kind,
        state=TaskState.DRAFT,
        project_id=project.id,
        plan_id=plan_id,
        executor_id=executor_id,
        created_at=now,
    )
    ctx.session.add(task)
    ctx.session.flush()
    ctx.session.add_all(TaskLine(task_id=task.id, plan_line_id=line.id) for line in lines)
    record_audit(
        ctx,
        "task.created",
        "task",
        task.id,
        after={"code": task.code, "lines": len(lines), **(audit_extra or {})},
    )
    ctx.session.flush()
    ctx.processes.start(
        ctx.session,
        "task_review",
        subject_type="task",
        subject_id=task.id,
        data={"task_id": str(task.id), "executor_id": str(executor_id), "project_id": str(project.id)},
        agency_id=project.agency_id,
        project_id=project.id,
        context=ctx,
    )
    return task
