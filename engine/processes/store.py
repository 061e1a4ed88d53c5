"""Run BPMN instances inside the caller's transaction: start, lock, complete, cancel, tick timers.

Every call saves the instance's serialized state, its next timer and the work-item projection in
the same session as the domain rows the caller changes, so one commit records both (DESIGN.md
"One transaction per action").
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from pathlib import PurePath
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import Conflict, WorkflowError
from engine.processes.models import (
    InstanceStatus,
    ProcessInstanceRecord,
    ProcessModel,
    WorkItem,
    WorkItemState,
)
from engine.spiff.runtime import ProcessInstance, ProcessRuntime, Snapshot
from engine.spiff.specs import ModelVersion, builtin_sources, load_model

ASSIGNEE_KEYS = ("leader_id", "executor_id")


# Built once: every decision on a process locks its instance this way.
_LOCK_RUNNING = (
    select(ProcessInstanceRecord)
    .where(
        ProcessInstanceRecord.process_id == bindparam("process_id"),
        ProcessInstanceRecord.subject_type == bindparam("subject_type"),
        ProcessInstanceRecord.subject_id == bindparam("subject_id"),
        ProcessInstanceRecord.status == InstanceStatus.RUNNING,
    )
    .with_for_update()
)

_LOCK_ALL_RUNNING = (
    select(ProcessInstanceRecord)
    .where(
        ProcessInstanceRecord.process_id == bindparam("process_id"),
        ProcessInstanceRecord.subject_type == bindparam("subject_type"),
        ProcessInstanceRecord.subject_id.in_(bindparam("subject_ids", expanding=True)),
        ProcessInstanceRecord.status == InstanceStatus.RUNNING,
    )
    .order_by(ProcessInstanceRecord.created_at)
    .with_for_update()
)


_WORK_ITEMS = cast(Table, WorkItem.__table__)
_CLOSE_ITEMS = (  # Core, executemany: one row per guid no longer ready
    update(_WORK_ITEMS)
    .where(
        _WORK_ITEMS.c.instance_id == bindparam("b_instance_id"),
        _WORK_ITEMS.c.task_guid == bindparam("b_task_guid"),
        _WORK_ITEMS.c.state == WorkItemState.READY,
    )
    .values(state=bindparam("b_state"), closed_at=bindparam("b_closed_at"))
)


class ProcessStore:
    """The database side of the engine seam. One per application (it caches parsed models)."""

    def __init__(self, runtime: ProcessRuntime, clock: Clock) -> None:
        self.runtime = runtime
        self.clock = clock
        self._models: dict[str, ModelVersion] = {}
        self._current: dict[str, str] = {}

    # -- models -----------------------------------------------------------------------------
    def deploy_builtin(self, session: Session) -> dict[str, str]:
        """Parse the shipped diagrams and record each process's model version.

        Returns:
            ``{process_id: sha256}`` of the versions new instances start with.

        Raises:
            BpmnValidationError: a shipped diagram is invalid (fails at startup, not on first use).
        """
        sources = builtin_sources()
        # File stem == process id (STYLE.md naming).
        for process_id in sorted(PurePath(n).stem for n in sources if n.endswith(".bpmn")):
            model = load_model(process_id, sources)
            self._models[model.sha256] = model
            self._current[process_id] = model.sha256
            if session.get(ProcessModel, model.sha256) is None:
                session.add(
                    ProcessModel(
                        sha256=model.sha256,
                        process_id=process_id,
                        sources={name: data.decode("utf-8") for name, data in sources.items()},
                        deployed_at=self.clock.now(),
                    )
                )
        session.flush()
        return dict(self._current)

    def model(self, session: Session, sha256: str) -> ModelVersion:
        """The parsed model of a version, parsed from its stored sources on first use."""
        cached = self._models.get(sha256)
        if cached is not None:
            return cached
        row = session.get(ProcessModel, sha256)
        if row is None:
            raise WorkflowError(f"unknown process model {sha256}")
        model = load_model(row.process_id, {k: str(v).encode("utf-8") for k, v in row.sources.items()})
        self._models[sha256] = model
        return model

    def current_model(self, session: Session, process_id: str) -> ModelVersion:
        """The model version new instances of ``process_id`` start with."""
        if process_id not in self._current:
            self.deploy_builtin(session)
        return self.model(session, self._current[process_id])

    # -- instances --------------------------------------------------------------------------
    def start(
        self,
        session: Session,
        process_id: str,
        *,
        subject_type: str,
        subject_id: uuid.UUID,
        data: Mapping[str, Any],
        agency_id: uuid.UUID | None,
        project_id: uuid.UUID | None,
        context: Any = None,
    ) -> ProcessInstanceRecord:
        """Start an instance about ``subject`` and save it with its work items."""
        model = self.current_model(session, process_id)
        inst = self.runtime.start(model, dict(data), context=context)
        now = self.clock.now()
        record = ProcessInstanceRecord(
            process_id=process_id,
            model_sha256=model.sha256,
            subject_type=subject_type,
            subject_id=subject_id,
            agency_id=agency_id,
            project_id=project_id,
            state="",
            serializer_version="",
            created_at=now,
            updated_at=now,
        )
        session.add(record)
        session.flush()
        self._save(session, record, inst)
        return record

    def lock(
        self, session: Session, process_id: str, subject_type: str, subject_id: uuid.UUID
    ) -> ProcessInstanceRecord:
        """The running instance about ``subject``, locked ``FOR UPDATE`` until the transaction ends.

        Raises:
            Conflict: no running instance (it finished or was cancelled meanwhile).
        """
        params = {"process_id": process_id, "subject_type": subject_type, "subject_id": subject_id}
        record = session.scalars(_LOCK_RUNNING, params).first()
        if record is None:
            raise Conflict(f"{process_id} 流程已结束 / no running {process_id} process for {subject_type}")
        return record

    def find(
        self, session: Session, process_id: str, subject_type: str, subject_id: uuid.UUID
    ) -> ProcessInstanceRecord | None:
        """The latest instance about ``subject`` whatever its status (no lock)."""
        stmt = (
            select(ProcessInstanceRecord)
            .where(
                ProcessInstanceRecord.process_id == process_id,
                ProcessInstanceRecord.subject_type == subject_type,
                ProcessInstanceRecord.subject_id == subject_id,
            )
            .order_by(ProcessInstanceRecord.created_at.desc())
        )
        return session.scalars(stmt).first()

    def running(
        self, session: Session, process_id: str, subject_type: str, subject_ids: list[uuid.UUID]
    ) -> list[ProcessInstanceRecord]:
        """The running instances about any of ``subject_ids``, locked ``FOR UPDATE`` (one query)."""
        if not subject_ids:
            return []
        params = {"process_id": process_id, "subject_type": subject_type, "subject_ids": list(subject_ids)}
        return list(session.scalars(_LOCK_ALL_RUNNING, params))

    def ready_bpmn_ids(self, session: Session, record: ProcessInstanceRecord) -> set[str]:
        """BPMN ids of the instance's ready user tasks (read from the projection)."""
        stmt = select(WorkItem.bpmn_id).where(
            WorkItem.instance_id == record.id, WorkItem.state == WorkItemState.READY
        )
        return set(session.scalars(stmt))

    def complete(
        self,
        session: Session,
        record: ProcessInstanceRecord,
        bpmn_id: str,
        data: Mapping[str, Any],
        *,
        context: Any = None,
    ) -> Snapshot:
        """Complete the ready user task ``bpmn_id`` with ``data``, run the engine, save.

        Raises:
            Conflict: the user task is not ready (someone completed it first).
            WorkflowError: a service task failed; the caller's transaction must roll back.
        """
        inst = self._restore(session, record)
        before = self.runtime.ready_tasks(inst)
        matches = [t for t in before if t.bpmn_id == bpmn_id]
        if not matches:
            raise Conflict(
                f"步骤“{bpmn_id}”当前不可执行 / step {bpmn_id} is not ready in {record.process_id}"
            )
        if len(matches) > 1:  # complete_by_bpmn_id says so (AmbiguousTaskError)
            self.runtime.complete_by_bpmn_id(inst, bpmn_id, dict(data), context=context)
        else:  # the ready task found above: no second walk of the task tree
            self.runtime.complete(inst, matches[0].task_guid, dict(data), context=context)
        return self._save(session, record, inst, before={t.task_guid for t in before})

    def tick(self, session: Session, record: ProcessInstanceRecord, *, context: Any = None) -> Snapshot:
        """Fire due timers of the instance and run what follows (the scheduler's job)."""
        inst = self._restore(session, record)
        before = {t.task_guid for t in self.runtime.ready_tasks(inst)}
        self.runtime.refresh_timers(inst, context=context)
        return self._save(session, record, inst, before=before)

    def cancel(self, session: Session, record: ProcessInstanceRecord) -> None:
        """Cancel the instance and its open work items."""
        if record.status != InstanceStatus.RUNNING:
            return
        inst = self._restore(session, record)
        before = {t.task_guid for t in self.runtime.ready_tasks(inst)}
        self.runtime.cancel(inst)
        self._save(session, record, inst, status=InstanceStatus.CANCELLED, before=before)

    # -- internals ---------------------------------------------------------------------------
    def _restore(self, session: Session, record: ProcessInstanceRecord) -> ProcessInstance:
        model = self.model(session, record.model_sha256)
        return self.runtime.restore(model, record.state, record.serializer_version)

    def _save(
        self,
        session: Session,
        record: ProcessInstanceRecord,
        inst: ProcessInstance,
        *,
        status: InstanceStatus | None = None,
        before: set[uuid.UUID] | None = None,
    ) -> Snapshot:
        """Store the state and bring the work-item projection in line with the ready user tasks.

        ``before`` is the set of user-task guids that were ready when the instance was restored:
        exactly the instance's READY work items, since every save projects them (``None`` for a
        new instance, which has none). Items no longer ready are closed with one UPDATE, new ones
        are inserted, and everything is flushed once.
        """
        snap = self.runtime.snapshot(inst)
        now = self.clock.now()
        record.state = snap.state_json
        record.serializer_version = snap.serializer_version
        record.next_timer_at = snap.next_timer_at
        record.updated_at = now
        if status is not None:
            record.status = status
        elif snap.completed:
            record.status = InstanceStatus.COMPLETED
        ready = {} if record.status != InstanceStatus.RUNNING else {t.task_guid: t for t in snap.ready}
        existing = before or set()
        for guid, human in ready.items():
            if guid in existing:
                continue
            session.add(
                WorkItem(
                    instance_id=record.id,
                    task_guid=guid,
                    bpmn_id=human.bpmn_id,
                    name=human.name or human.bpmn_id,
                    role=human.lane,
                    assignee_id=_assignee(human.lane, human.data),
                    agency_id=record.agency_id,
                    project_id=record.project_id,
                    subject_type=record.subject_type,
                    subject_id=record.subject_id,
                    due_at=_due_at(human.data),
                    created_at=now,
                )
            )
        session.flush()
        closed = existing - ready.keys()
        if closed:  # a Core UPDATE of the projection rows (work items are not kept as objects here)
            session.execute(
                _CLOSE_ITEMS,
                [
                    {
                        "b_instance_id": record.id,
                        "b_task_guid": guid,
                        "b_state": WorkItemState.CANCELLED
                        if record.status == InstanceStatus.CANCELLED
                        else WorkItemState.DONE,
                        "b_closed_at": now,
                    }
                    for guid in closed
                ],
            )
        return snap


def _assignee(lane: str | None, data: Mapping[str, Any]) -> uuid.UUID | None:
    if lane != "executor":
        return None
    for key in ASSIGNEE_KEYS:
        value = data.get(key)
        if value:
            return uuid.UUID(str(value))
    return None


def _due_at(data: Mapping[str, Any]) -> datetime | None:
    value = data.get("due_at")
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return None
