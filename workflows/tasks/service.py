"""Task services: build from issued lines, record results and photos, submit, drop, complete (R-TASK)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

from sqlalchemy import bindparam, delete, func, select

from engine.clock import business_date
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from workflows.audit.service import record_audit
from workflows.context import Ctx
from workflows.faults.models import Fault
from workflows.faults.opening import open_fault
from workflows.notifications.events import notify_task_submitted
from workflows.people.models import Person
from workflows.people.scope import get_project, manages_project, sees_project
from workflows.plans.models import Plan, PlanLine
from workflows.projects.models import Project, ProjectStatus
from workflows.tasks.geo import distance_m
from workflows.tasks.models import ItemResult, Photo, PhotoKind, Task, TaskKind, TaskLine, TaskState
from workflows.tasks.photos import check_photo
from workflows.tasks.start import start_task

EDITABLE = frozenset({TaskState.DRAFT, TaskState.REJECTED})


def _actor(ctx: Ctx) -> Person:
    if ctx.actor is None:
        raise InvalidInput("actor", "需要登录用户 / an acting person is required")
    return ctx.actor


# Built once (every task card and action reads the task this way): the task with its project.
_TASK = (
    select(Task, Project).join(Project, Project.id == Task.project_id).where(Task.id == bindparam("task_id"))
)
_TASK_FOR_UPDATE = _TASK.with_for_update(of=Task)


def get_task(ctx: Ctx, task_id: uuid.UUID, *, for_update: bool = False) -> tuple[Task, Project]:
    """The task if the actor may see it: its executor, or anyone who sees its project and is not
    merely a field operator (R-ROLE: operators see only tasks assigned to them).

    Raises:
        NotFound: no such task or not visible (404).
    """
    actor = _actor(ctx)
    stmt = _TASK_FOR_UPDATE if for_update else _TASK
    row = ctx.session.execute(stmt, {"task_id": task_id}).first()
    if row is None:
        raise NotFound("任务不存在 / task not found")
    task, project = row[0], row[1]
    if not sees_project(ctx.session, actor, project):  # R-ROLE-3
        raise NotFound("项目不存在 / project not found")  # as get_project says it
    if task.executor_id != actor.id and not manages_project(actor, project):
        from workflows.people.rules import Role
        from workflows.people.scope import has_role

        if not has_role(
            actor, Role.AGENCY_ADMIN, Role.FIRE_SUPERVISOR, Role.OWNER_CONTACT, Role.PLATFORM_ADMIN
        ):
            raise NotFound("任务不存在 / task not found")
    return task, project


def _own_editable(ctx: Ctx, task_id: uuid.UUID) -> tuple[Task, Project]:
    task, project = get_task(ctx, task_id, for_update=True)
    if task.executor_id != _actor(ctx).id:
        raise Forbidden("只有任务执行人可以操作 / only the task's executor may do this")
    if task.state not in EDITABLE:
        raise Conflict(f"任务状态为 {task.state}，不能修改 / the task is {task.state} and cannot be changed")
    return task, project


def create_task(ctx: Ctx, line_ids: list[uuid.UUID]) -> Task:
    """Build a plan task from lines issued to the caller and start its ``task_review`` process.

    Raises:
        InvalidInput: lines unknown, of several plans, or not issued to the caller (422, ``line_ids``).
        RuleViolation: ``R-PLAN-3`` the plan's period has ended; ``R-LIFE`` project not active (409).
        Conflict: a line is already carried by another live task (409).
    """
    actor = _actor(ctx)
    wanted = set(line_ids)
    if not wanted:
        raise InvalidInput("line_ids", "请至少选择一个计划项 / choose at least one plan line")
    lines = list(
        ctx.session.scalars(
            select(PlanLine).where(PlanLine.id.in_(wanted), PlanLine.plan_id.is_not(None)).with_for_update()
        )
    )
    if len(lines) != len(wanted) or any(line.executor_id != actor.id or line.ignored for line in lines):
        raise InvalidInput("line_ids", "只能选择下发给自己的计划项 / choose lines issued to you")
    plan_ids = {line.plan_id for line in lines}
    if len(plan_ids) != 1:
        raise InvalidInput("line_ids", "一个任务只能包含同一计划的计划项 / lines must belong to one plan")
    plan = ctx.session.get(Plan, plan_ids.pop())
    assert plan is not None
    project = get_project(ctx, actor, plan.project_id)
    if project.status != ProjectStatus.ACTIVE:
        raise RuleViolation("R-LIFE", "项目不在进行中 / the project is not active")
    if business_date(ctx.clock.now()) > plan.period_end:
        raise RuleViolation("R-PLAN-3", "计划已过期，不能接收 / the plan has expired and cannot be received")
    busy = ctx.session.scalar(
        select(func.count())
        .select_from(TaskLine)
        .join(Task, Task.id == TaskLine.task_id)
        .where(TaskLine.plan_line_id.in_(wanted), Task.state != TaskState.CANCELLED)
    )
    if busy:
        raise Conflict("部分计划项已在其他任务中 / some lines are in another task already")
    return start_task(ctx, project, kind=TaskKind.PLAN, plan_id=plan.id, executor_id=actor.id, lines=lines)


def _task_line(ctx: Ctx, task: Task, line_id: uuid.UUID) -> PlanLine:
    line = ctx.session.scalars(
        select(PlanLine)
        .join(TaskLine, TaskLine.plan_line_id == PlanLine.id)
        .where(TaskLine.task_id == task.id, PlanLine.id == line_id)
    ).first()
    if line is None:
        raise NotFound("该任务没有这个计划项 / the task has no such line")
    return line


def record_result(
    ctx: Ctx, task_id: uuid.UUID, line_id: uuid.UUID, *, outcome: str, measured_record: str, brand: str | None
) -> ItemResult:
    """Record (or change) the result of one line: 符合/不符合/不能测试 with the measured record (实测记录).

    Raises:
        NotFound: task/line not visible (404). Forbidden: not the executor (403).
        Conflict: the task is submitted or decided (409).
    """
    task, _ = _own_editable(ctx, task_id)
    line = _task_line(ctx, task, line_id)
    result = ctx.session.scalars(
        select(ItemResult).where(ItemResult.task_id == task.id, ItemResult.plan_line_id == line.id)
    ).first()
    before = None
    if result is None:
        result = ItemResult(
            task_id=task.id, plan_line_id=line.id, outcome=outcome, recorded_at=ctx.clock.now()
        )
        ctx.session.add(result)
    else:
        before = {"outcome": result.outcome, "measured_record": result.measured_record, "brand": result.brand}
    result.outcome, result.measured_record, result.brand = outcome, measured_record.strip(), brand
    result.recorded_at = ctx.clock.now()
    ctx.session.flush()
    record_audit(
        ctx,
        "task.result_recorded",
        "item_result",
        result.id,
        before=before,
        after={"outcome": outcome, "measured_record": result.measured_record, "brand": brand},
    )
    return result


def add_photo(ctx: Ctx, task_id: uuid.UUID, content: bytes, *, line_id: uuid.UUID | None, kind: str) -> Photo:
    """Store a photo of a line (``kind="item"``) or the submitter's selfie (``kind="selfie"``).

    Raises:
        PayloadTooLarge: over ``settings.max_photo_bytes`` (10 MB) (413).
        UnsupportedMedia: not a real JPEG/PNG by content (415).
        InvalidInput: an item photo without ``line_id`` (422).
    """
    task, _ = _own_editable(ctx, task_id)
    if kind not in (PhotoKind.ITEM, PhotoKind.SELFIE):
        raise InvalidInput("kind", "照片类型须为 item 或 selfie / kind must be item or selfie")
    media_type = check_photo(content, max_bytes=ctx.settings.max_photo_bytes)
    if kind == PhotoKind.ITEM:
        if line_id is None:
            raise InvalidInput("line_id", "测试项照片需要指定计划项 / an item photo needs line_id")
        _task_line(ctx, task, line_id)
    else:
        line_id = None
    photo = Photo(
        task_id=task.id,
        plan_line_id=line_id,
        kind=kind,
        media_type=media_type,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by=task.executor_id,
        created_at=ctx.clock.now(),
    )
    ctx.session.add(photo)
    ctx.session.flush()
    record_audit(ctx, "task.photo_added", "photo", photo.id, after={"kind": kind, "sha256": photo.sha256})
    return photo


def submit_task(ctx: Ctx, task_id: uuid.UUID, *, latitude: float, longitude: float) -> Task:
    """Submit (or resubmit) a task for review; every ``fail`` result opens a fault (R-FAULT) with
    its own ``fault_handling`` process.

    Raises:
        InvalidInput: a line without a result (``results``), a fail without photos
            (``photos``, R-TASK-1), no selfie (``selfie``) (422).
        Conflict: already submitted or decided (409).
    """
    task, project = _own_editable(ctx, task_id)
    line_ids = list(ctx.session.scalars(select(TaskLine.plan_line_id).where(TaskLine.task_id == task.id)))
    results = {
        r.plan_line_id: r
        for r in ctx.session.scalars(select(ItemResult).where(ItemResult.task_id == task.id))
    }
    missing = [lid for lid in line_ids if lid not in results]
    if missing:
        raise InvalidInput(
            "results", f"还有 {len(missing)} 个测试项未记录结果 / {len(missing)} lines have no result"
        )
    photo_lines = set(
        ctx.session.scalars(
            select(Photo.plan_line_id).where(Photo.task_id == task.id, Photo.kind == PhotoKind.ITEM)
        )
    )
    unphotographed = [
        r for r in results.values() if r.outcome == "fail" and r.plan_line_id not in photo_lines
    ]
    if unphotographed:
        raise InvalidInput(
            "photos",
            f"R-TASK-1: 不符合的测试项必须拍照（缺 {len(unphotographed)} 项） / fail results need photos",
        )
    if not ctx.session.scalar(
        select(func.count())
        .select_from(Photo)
        .where(Photo.task_id == task.id, Photo.kind == PhotoKind.SELFIE)
    ):
        raise InvalidInput("selfie", "请上传提交人自拍照 / the submitter's selfie is required")
    before = {"state": task.state}
    now = ctx.clock.now()
    task.latitude, task.longitude = latitude, longitude
    task.distance_m = distance_m(latitude, longitude, project.latitude, project.longitude)
    task.within_geofence = task.distance_m <= project.geofence_radius_m
    task.state, task.submitted_at = TaskState.SUBMITTED, now
    for result in results.values():
        if result.outcome == "fail":
            _open_fault(ctx, task, project, result)
    record_audit(
        ctx,
        "task.submitted",
        "task",
        task.id,
        before=before,
        after={"state": task.state, "distance_m": round(task.distance_m, 1), "round": task.round},
    )
    ctx.session.flush()
    record = ctx.processes.lock(ctx.session, "task_review", "task", task.id)
    due = now + timedelta(days=ctx.settings.review.due_days)
    ctx.processes.complete(
        ctx.session, record, "execute_task", {"review_due_at": due.isoformat()}, context=ctx
    )
    fault_count = sum(1 for r in results.values() if r.outcome == "fail")
    notify_task_submitted(ctx, task, project, fault_count=fault_count)
    return task


def _open_fault(ctx: Ctx, task: Task, project: Project, result: ItemResult) -> Fault:
    line = ctx.session.get(PlanLine, result.plan_line_id)
    assert line is not None
    fault = Fault(
        task_id=task.id,
        item_result_id=result.id,
        plan_line_id=line.id,
        test_item_id=line.test_item_id,
        measured_record=result.measured_record,
    )
    return open_fault(
        ctx, project, fault, step="发现故障", person_id=task.executor_id, audit_after={"task": task.code}
    )


def drop_task(ctx: Ctx, task_id: uuid.UUID) -> None:
    """Drop an unsubmitted draft task (管理未提交任务 → 删除), freeing its lines (R-PLAN-2 step 1).

    The task row and its results and photos are deleted (and the plan-less lines of a
    supplementary/mismatch task) (it was never submitted, so no review or
    fault refers to it); the audit log keeps the record of the drop.

    Raises:
        Conflict: the task was submitted at least once (409).
    """
    task, _ = _own_editable(ctx, task_id)
    if task.state != TaskState.DRAFT or task.submitted_at is not None:
        raise Conflict("只能删除未提交过的任务 / only never-submitted tasks can be dropped")
    record = ctx.processes.find(ctx.session, "task_review", "task", task.id)
    if record is not None:
        ctx.processes.cancel(ctx.session, record)
    record_audit(ctx, "task.dropped", "task", task.id, before={"code": task.code, "state": task.state})
    ctx.session.execute(delete(Photo).where(Photo.task_id == task.id))
    ctx.session.execute(delete(ItemResult).where(ItemResult.task_id == task.id))
    own_lines = select(TaskLine.plan_line_id).where(TaskLine.task_id == task.id)
    planless = list(
        ctx.session.scalars(select(PlanLine.id).where(PlanLine.id.in_(own_lines), PlanLine.plan_id.is_(None)))
    )
    ctx.session.execute(delete(TaskLine).where(TaskLine.task_id == task.id))
    if planless:  # a supplementary/mismatch task's own lines go with it (R-TASK-2)
        ctx.session.execute(delete(PlanLine).where(PlanLine.id.in_(planless)))
    ctx.session.delete(task)
    ctx.session.flush()
