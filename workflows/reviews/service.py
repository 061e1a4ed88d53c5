"""Review services: approve or reject a submitted task (R-REV)."""

from __future__ import annotations

import uuid
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select

from engine.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from workflows.audit.service import record_audit
from workflows.context import Ctx
from workflows.contracts.models import Contract, ContractType
from workflows.faults.models import Fault, FaultStatus
from workflows.notifications.events import notify_task_reviewed
from workflows.people.models import Person
from workflows.people.rules import Role
from workflows.people.scope import roles_of
from workflows.projects.models import Project
from workflows.reviews.models import ReviewEntry
from workflows.tasks.models import Task, TaskState
from workflows.tasks.service import get_task

Verdict = Literal["approve", "reject"]


def can_review(person: Person, project: Project) -> bool:
    """A project lead of this project or a technical lead of its agency (both registered engineers)."""
    roles = roles_of(person)
    if Role.PROJECT_LEAD in roles and project.lead_id == person.id:
        return True
    return Role.TECHNICAL_LEAD in roles and project.agency_id == person.agency_id


def undisposed_faults(ctx: Ctx, task: Task) -> list[Fault]:
    """Faults raised by ``task`` that have no disposition yet (what blocks approval, R-REV-1)."""
    return list(ctx.session.scalars(_UNDISPOSED, {"task_id": task.id}))


_UNDISPOSED = (  # built once: every approval of a task with faults asks it
    select(Fault)
    .where(Fault.task_id == bindparam("task_id"), Fault.status == FaultStatus.PENDING)
    .order_by(Fault.found_at)
)


# Built once (the review's hot path): the task locked with its project and the R-REV-1 flag.
_LOCK_FOR_REVIEW = (
    select(
        Task,
        Project,
        select(Fault.id)
        .where(Fault.task_id == Task.id, Fault.status == FaultStatus.PENDING)
        .exists()
        .label("pending"),
    )
    .join(Project, Project.id == Task.project_id)
    .where(Task.id == bindparam("task_id"))
    .with_for_update(of=Task)
)


def last_review(ctx: Ctx, task_id: uuid.UUID) -> tuple[ReviewEntry, str] | None:
    """The latest review of a task and its reviewer's name (审核日志), ``None`` before the first."""
    row = ctx.session.execute(
        select(ReviewEntry, Person.name)
        .join(Person, Person.id == ReviewEntry.reviewer_id)
        .where(ReviewEntry.task_id == task_id)
        .order_by(ReviewEntry.at.desc(), ReviewEntry.round.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def already_reviewed(ctx: Ctx, task_id: uuid.UUID, state: str) -> Conflict:
    """The 409 for a decision on a task that is not waiting for review: who decided it last and when
    (business time, ``Settings.timezone``), so a second reviewer knows what happened."""
    last = last_review(ctx, task_id)
    if last is None:
        return Conflict(
            f"任务不在待审核状态 / the task is not waiting for review ({state})",
            code="task_already_reviewed",
        )
    entry, name = last
    at = f"{entry.at.astimezone(ZoneInfo(ctx.settings.timezone)):%Y-%m-%d %H:%M}"
    return Conflict(
        f"任务不在待审核状态，已由{name}于{at}审核 / the task is not waiting for review "
        f"({state}): decided by {name} at {at}",
        code="task_already_reviewed",
    )


def _lock_for_review(ctx: Ctx, task_id: uuid.UUID) -> tuple[Task, Project, bool]:
    """The task locked ``FOR UPDATE``, its project and whether a fault of it awaits a disposition,
    in one round trip (the review's hot path; ``bench/bench_month.py``).

    Scope is not checked here: a reviewer (:func:`can_review`) always sees the project; the caller
    falls back to :func:`~workflows.tasks.service.get_task` for anyone else.

    Raises:
        NotFound: no such task (404).
    """
    row = ctx.session.execute(_LOCK_FOR_REVIEW, {"task_id": task_id}).first()
    if row is None:
        raise NotFound("任务不存在 / task not found")
    return row[0], row[1], bool(row[2])


def review_task(ctx: Ctx, task_id: uuid.UUID, *, verdict: Verdict, opinion: str) -> Task:
    """Approve or reject a submitted task and advance its ``task_review`` process.

    The task row is locked ``FOR UPDATE``: of two concurrent decisions exactly one wins, the other
    sees the task decided and gets 409.

    Args:
        ctx: Acting reviewer (project lead of the project or technical lead of its agency).
        task_id: The task.
        verdict: ``approve`` or ``reject``.
        opinion: Review opinion (审核意见), required to reject, at most 500 characters.

    Raises:
        NotFound: task not visible (404).
        Forbidden: not a reviewer of the project (403).
        InvalidInput: rejecting without an opinion (422, ``opinion``).
        Conflict: the task is not waiting for review, e.g. someone decided first (409, code
            ``task_already_reviewed``).
        RuleViolation: ``R-REV-1`` approving a maintenance task while one of its faults has no
            disposition (409).
    """
    actor = ctx.actor
    assert actor is not None
    task, project, has_pending = _lock_for_review(ctx, task_id)
    if not can_review(actor, project):
        get_task(ctx, task_id)  # outside the actor's scope: 404, never 403 (R-ROLE-3)
        raise Forbidden(
            "只有本项目的项目负责人或技术负责人可以审核"
            " / only the project lead or a technical lead may review"
        )
    if task.state != TaskState.SUBMITTED:
        raise already_reviewed(ctx, task.id, task.state)
    opinion = opinion.strip()
    if len(opinion) > 500:
        raise InvalidInput("opinion", "审核意见不超过 500 字 / at most 500 characters")
    if verdict == "reject" and not opinion:
        raise InvalidInput("opinion", "审核不通过时须填写审核意见 / an opinion is required to reject")
    pending = undisposed_faults(ctx, task) if verdict == "approve" and has_pending else []
    if pending:  # only then does the contract type matter (inspection needs no fault handling)
        contract = ctx.session.get(Contract, project.contract_id)
        assert contract is not None
        if contract.type == ContractType.MAINTENANCE:
            codes = "、".join(f.code for f in pending)
            raise RuleViolation(
                "R-REV-1",
                f"审核通过前必须处理所有测试故障：{codes} 尚未处理 / dispose every fault before approving",
            )
    # Lock the process before writing: its SELECT then flushes nothing, and every write of the
    # decision (review log, audit, task state, process state, work items) goes in one flush.
    record = ctx.processes.lock(ctx.session, "task_review", "task", task.id)
    ctx.session.add(
        ReviewEntry(
            task_id=task.id,
            reviewer_id=actor.id,
            round=task.round,
            verdict=verdict,
            opinion=opinion or "同意",
            at=ctx.clock.now(),
        )
    )
    record_audit(
        ctx,
        f"task.{'approved' if verdict == 'approve' else 'rejected'}",
        "task",
        task.id,
        before={"state": task.state},
        after={"verdict": verdict, "opinion": opinion},
    )
    ctx.processes.complete(ctx.session, record, "review_task", {"verdict": verdict}, context=ctx)
    notify_task_reviewed(ctx, task, project, verdict=verdict, opinion=opinion)
    return task
