"""Fault services: list, dispose (five ways), receive and complete investigation/repair tasks (R-FAULT)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from engine.clock import business_date
from engine.codes import next_code
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from workflows.audit.service import record_audit
from workflows.context import Ctx
from workflows.faults.history import add_event
from workflows.faults.labels import fault_labels
from workflows.faults.models import DispositionKind, Fault, FaultEvent, FaultStatus
from workflows.faults.schemas import FaultEventRead, FaultRead
from workflows.notifications.events import notify_fault_disposed
from workflows.owners.views import record_owner_view
from workflows.people.models import Person
from workflows.people.rules import EXECUTOR_ROLES
from workflows.people.scope import get_project, require_manager, roles_of, visible_projects
from workflows.projects.models import Project
from workflows.tasks.models import Task, TaskKind, TaskState

STATUS_AFTER = {
    DispositionKind.INVESTIGATE: FaultStatus.INVESTIGATING,
    DispositionKind.OWNER_APPROVED_REPAIR: FaultStatus.REPAIRING,
    DispositionKind.OWNER_REFUSED_REPAIR: FaultStatus.REFUSED,
    DispositionKind.OUT_OF_SCOPE: FaultStatus.OUT_OF_SCOPE,
    DispositionKind.NEGOTIATING: FaultStatus.NEGOTIATING,
}
DISPOSITION_LABEL = {
    DispositionKind.INVESTIGATE: "排查",
    DispositionKind.OWNER_APPROVED_REPAIR: "业主同意维修",
    DispositionKind.OWNER_REFUSED_REPAIR: "业主不同意维修",
    DispositionKind.OUT_OF_SCOPE: "不在合同范围内",
    DispositionKind.NEGOTIATING: "与业主沟通中",
}
TASK_WORD = {TaskKind.INVESTIGATION: "排查", TaskKind.REPAIR: "维修"}
DISPOSE_STEPS = ("dispose_fault", "track_fault")


def _actor(ctx: Ctx) -> Person:
    if ctx.actor is None:
        raise InvalidInput("actor", "需要登录用户 / an acting person is required")
    return ctx.actor


def get_fault(ctx: Ctx, fault_id: uuid.UUID, *, for_update: bool = False) -> tuple[Fault, Project]:
    """The fault if its project is visible to the actor (404 otherwise)."""
    stmt = select(Fault).where(Fault.id == fault_id)
    if for_update:
        stmt = stmt.with_for_update()
    fault = ctx.session.scalars(stmt).first()
    if fault is None:
        raise NotFound("故障不存在 / fault not found")
    return fault, get_project(ctx, _actor(ctx), fault.project_id)


def dispose_fault(
    ctx: Ctx,
    fault_id: uuid.UUID,
    *,
    kind: str,
    explanation: str | None = None,
    leader_id: uuid.UUID | None = None,
    repair_plan: str | None = None,
) -> Fault:
    """Give a fault one of the five dispositions and advance its ``fault_handling`` process.

    Needs (R-FAULT): ``investigate`` → ``leader_id``; ``owner_approved_repair`` → ``repair_plan`` and
    ``leader_id``; ``owner_refused_repair`` and ``out_of_scope`` → ``explanation``; ``negotiating`` → nothing.

    Raises:
        NotFound: fault not visible (404). Forbidden: not a manager of the project (403).
        InvalidInput: a needed field is missing, or the leader is not an executor of the agency (422).
        Conflict: the fault cannot be disposed now (being investigated/repaired, closed, resolved) (409).
    """
    actor = _actor(ctx)
    fault, project = get_fault(ctx, fault_id, for_update=True)
    require_manager(actor, project, action="处理故障 / dispose a fault")
    k = DispositionKind(kind)
    explanation = (explanation or "").strip() or None
    repair_plan = (repair_plan or "").strip() or None
    if k in (DispositionKind.OWNER_REFUSED_REPAIR, DispositionKind.OUT_OF_SCOPE) and not explanation:
        raise InvalidInput("explanation", "请填写说明 / an explanation is required for this disposition")
    if k == DispositionKind.OWNER_APPROVED_REPAIR and not repair_plan:
        raise InvalidInput("repair_plan", "请填写维修方案 / a repair plan is required")
    if k in (DispositionKind.INVESTIGATE, DispositionKind.OWNER_APPROVED_REPAIR):
        leader = ctx.session.get(Person, leader_id) if leader_id else None
        if (
            leader is None
            or leader.agency_id != project.agency_id
            or not leader.enabled
            or not roles_of(leader) & EXECUTOR_ROLES
        ):
            raise InvalidInput(
                "leader_id", "请选择本机构的排查/维修组长 / choose a leader from the agency's executors"
            )
    else:
        leader_id = None
    record = ctx.processes.lock(ctx.session, "fault_handling", "fault", fault.id)
    ready = ctx.processes.ready_bpmn_ids(ctx.session, record) & set(DISPOSE_STEPS)
    if not ready:
        raise Conflict(f"故障当前状态为 {fault.status}，不能处理 / the fault cannot be disposed now")
    before = {"status": fault.status, "disposition": fault.disposition}
    now = ctx.clock.now()
    fault.status, fault.disposition = STATUS_AFTER[k], k
    fault.explanation, fault.repair_plan, fault.leader_id = explanation, repair_plan, leader_id
    fault.disposed_at = now
    if k == DispositionKind.OUT_OF_SCOPE:
        fault.closed_at = now
    step = {
        DispositionKind.INVESTIGATE: "生成待下达排查任务",
        DispositionKind.OWNER_APPROVED_REPAIR: "生成待下达维修任务",
    }.get(k, DISPOSITION_LABEL[k])
    add_event(ctx, fault.id, step, person_id=actor.id, disposition=k, note=explanation or repair_plan)
    record_audit(
        ctx,
        "fault.disposed",
        "fault",
        fault.id,
        before=before,
        after={"status": fault.status, "disposition": k, "leader_id": leader_id},
    )
    ctx.session.flush()
    ctx.processes.complete(
        ctx.session,
        record,
        sorted(ready)[0],
        {"kind": k.value, "leader_id": str(leader_id) if leader_id else None},
        context=ctx,
    )
    notify_fault_disposed(ctx, fault, project)
    return fault


def open_fault_task(ctx: Ctx, fault_id: uuid.UUID, kind: TaskKind) -> uuid.UUID:
    """Create the investigation or repair task of a disposed fault for its leader (service-task delegate).

    Records the history steps 下达排查任务 / 下达维修任务. Returns the new task's id.
    """
    fault = ctx.session.get(Fault, fault_id)
    if fault is None or fault.leader_id is None:
        raise NotFound("故障或组长不存在 / fault or leader missing")
    now = ctx.clock.now()
    task = Task(
        code=next_code(ctx.session, f"T-{business_date(now).year}"),
        kind=kind,
        state=TaskState.DRAFT,
        project_id=fault.project_id,
        fault_id=fault.id,
        executor_id=fault.leader_id,
        created_at=now,
        repair_plan=fault.repair_plan if kind == TaskKind.REPAIR else None,
    )
    ctx.session.add(task)
    ctx.session.flush()
    add_event(
        ctx,
        fault.id,
        f"下达{TASK_WORD[kind]}任务",
        person_id=ctx.actor.id if ctx.actor else None,
        disposition=fault.disposition,
        note=task.code,
    )
    record_audit(
        ctx, "task.created", "task", task.id, after={"code": task.code, "kind": kind, "fault": fault.code}
    )
    return task.id


def _own_fault_task(ctx: Ctx, task_id: uuid.UUID) -> tuple[Task, Fault]:
    actor = _actor(ctx)
    task = ctx.session.scalars(select(Task).where(Task.id == task_id).with_for_update()).first()
    if task is None or task.fault_id is None or task.kind not in TASK_WORD:
        raise NotFound("排查/维修任务不存在 / investigation or repair task not found")
    fault, _ = get_fault(ctx, task.fault_id, for_update=True)
    if task.executor_id != actor.id:
        raise Forbidden("只有任务组长可以操作 / only the task's leader may do this")
    if task.state != TaskState.DRAFT:
        raise Conflict(f"任务已{task.state} / the task is {task.state} already")
    return task, fault


def receive_fault_task(ctx: Ctx, task_id: uuid.UUID) -> Task:
    """The leader receives (接收) an investigation/repair task; recorded in the fault history once."""
    task, fault = _own_fault_task(ctx, task_id)
    word = TASK_WORD[TaskKind(task.kind)]
    step = f"接收{word}任务"
    seen = ctx.session.scalar(
        select(FaultEvent.id).where(
            FaultEvent.fault_id == fault.id, FaultEvent.step == step, FaultEvent.note == task.code
        )
    )
    if seen is None:
        add_event(ctx, fault.id, step, person_id=task.executor_id, note=task.code)
        record_audit(ctx, "task.received", "task", task.id, after={"code": task.code})
    ctx.session.flush()
    return task


def complete_fault_task(ctx: Ctx, task_id: uuid.UUID, *, resolved: bool, note: str) -> Task:
    """Complete an investigation/repair task as resolved (已解决) or unresolved (未解决).

    Resolved closes the fault; unresolved keeps it in progress and puts it back for a new
    disposition (R-FAULT).

    Raises:
        NotFound: not such a task (404). Forbidden: not its leader (403). Conflict: already completed (409).
    """
    task, fault = _own_fault_task(ctx, task_id)
    receive_fault_task(ctx, task_id)
    word = TASK_WORD[TaskKind(task.kind)]
    now = ctx.clock.now()
    task.state, task.resolved, task.note, task.decided_at = TaskState.COMPLETED, resolved, note.strip(), now
    task.submitted_at = task.submitted_at or now
    add_event(ctx, fault.id, f"执行{word}任务", person_id=task.executor_id, note=task.code)
    add_event(
        ctx,
        fault.id,
        f"完成{word}任务：{'已解决' if resolved else '未解决'}",
        person_id=task.executor_id,
        disposition=fault.disposition,
        note=note.strip() or None,
    )
    before = {"status": fault.status}
    if resolved:
        fault.status, fault.closed_at = FaultStatus.RESOLVED, now
    record_audit(ctx, "task.completed", "task", task.id, after={"resolved": resolved})
    record_audit(
        ctx, "fault.task_completed", "fault", fault.id, before=before, after={"status": fault.status}
    )
    ctx.session.flush()
    record = ctx.processes.lock(ctx.session, "fault_handling", "fault", fault.id)
    step = "investigate_fault" if task.kind == TaskKind.INVESTIGATION else "repair_fault"
    ctx.processes.complete(ctx.session, record, step, {"resolved": resolved}, context=ctx)
    return task


def list_faults(ctx: Ctx, project_id: uuid.UUID | None) -> list[FaultRead]:
    """Faults of a visible project (or of every visible project), newest first; ``void`` ones left out."""
    actor = _actor(ctx)
    projects = visible_projects(actor).with_only_columns(Project.id)
    stmt = select(Fault.id).where(Fault.project_id.in_(projects), Fault.status != FaultStatus.VOID)
    if project_id is not None:
        get_project(ctx, actor, project_id)
        stmt = stmt.where(Fault.project_id == project_id)
    return [read_fault(ctx, fid) for fid in ctx.session.scalars(stmt.order_by(Fault.found_at.desc()))]


def read_fault(ctx: Ctx, fault_id: uuid.UUID) -> FaultRead:
    """One fault with its catalog context, open investigation/repair task and history; an owner
    contact's read (also through :func:`list_faults`) is recorded (R-ROLE-5)."""
    fault, _ = get_fault(ctx, fault_id)
    record_owner_view(ctx, "fault", fault.id, project_id=fault.project_id)
    lab = fault_labels(ctx.session, [fault])[fault.id]
    open_task = ctx.session.scalar(
        select(Task.id).where(Task.fault_id == fault.id, Task.state == TaskState.DRAFT)
    )
    history = [
        FaultEventRead(at=e.at, person_name=name, disposition=e.disposition, step=e.step, note=e.note)
        for e, name in ctx.session.execute(
            select(FaultEvent, Person.name)
            .outerjoin(Person, Person.id == FaultEvent.person_id)
            .where(FaultEvent.fault_id == fault.id)
            .order_by(FaultEvent.seq)
        )
    ]
    return FaultRead(
        id=fault.id,
        code=fault.code,
        project_id=fault.project_id,
        task_id=fault.task_id,
        source=fault.source,
        system=lab.system,
        facility=lab.facility,
        item=lab.item,
        criterion=lab.criterion,
        measured_record=fault.measured_record,
        location=fault.location,
        status=fault.status,
        disposition=fault.disposition,
        explanation=fault.explanation,
        repair_plan=fault.repair_plan,
        leader_id=fault.leader_id,
        found_at=fault.found_at,
        closed_at=fault.closed_at,
        open_task_id=open_task,
        history=history,
    )
