"""Run BPMN instances in memory: start, restore, complete user tasks, fire timers, cancel, snapshot.

No database here. The caller (``engine.processes``) persists what :meth:`ProcessRuntime.snapshot`
returns: the spec-less state JSON and its serializer version, the ready human tasks (projected to the
work-item table) and the earliest pending timer (for the scheduler).

Every call that runs the engine takes a ``context`` (the caller's unit of work), which service-task
delegates receive for the duration of that call only.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from engine.errors import WorkflowError
from engine.spiff.delegates import DelegateRegistry
from engine.spiff.scripting import EngineStepError, FireopsScriptEngine, delegate_context
from engine.spiff.serialization import MODEL_KEY_ATTR, SERIALIZER_VERSION, StateSerializer
from engine.spiff.specs import ModelVersion, SpecCache
from engine.spiff.timeclock import Now, engine_clock

#: ``do_engine_steps`` rounds per call; a fired timer's follow-up needs a second round (notes §0.2).
MAX_ENGINE_ROUNDS = 10
_SHARED_CACHE = SpecCache()


class TaskNotReadyError(WorkflowError):
    """The user task is not READY (already completed, cancelled, unknown, or not a human step) (409)."""

    code = "task_not_ready"
    status_code = 409


class AmbiguousTaskError(WorkflowError):
    """Several READY user tasks share the BPMN id; complete one by its guid instead (409)."""

    code = "ambiguous_task"
    status_code = 409


class InvalidProcessDataError(WorkflowError):
    """Process data that is not plain JSON (dict with str keys, list, str, int, float, bool, None) (422)."""

    code = "invalid_process_data"
    status_code = 422


@dataclass(frozen=True)
class HumanTask:
    """A READY user task (a work item to be).

    Attributes:
        task_guid: The Spiff task id, stable across save/restore.
        bpmn_id: The BPMN element id (``review_task``).
        name: The element's name (Chinese UI text), ``""`` when unnamed.
        lane: The lane name = role (``project_lead``), ``None`` outside lanes.
        data: Read-only copy of the task's data.
    """

    task_guid: UUID
    bpmn_id: str
    name: str
    lane: str | None
    data: Mapping[str, Any]


@dataclass(frozen=True)
class Snapshot:
    """What the database layer stores after each call.

    Attributes:
        state_json: Spec-less workflow state (a few KB).
        serializer_version: Format of ``state_json``; :meth:`ProcessRuntime.restore` needs it back.
        completed: The instance reached its end (or was cancelled).
        success: ``True`` when completed normally, ``False`` when cancelled, ``None`` while running.
        ready: READY user tasks, in task-tree order (empty once completed).
        next_timer_at: Earliest pending timer, tz-aware UTC; ``None`` when no timer waits.
        data: The workflow data once completed, else ``{}``.
        errored: BPMN ids of tasks left in ERROR by a failed step (retry with :meth:`ProcessRuntime.retry`).
        end_events: BPMN ids of the end events reached so far, side branches included, in tree order
            (``("reminder_sent", "task_approved")``).
    """

    state_json: str
    serializer_version: str
    completed: bool
    success: bool | None
    ready: tuple[HumanTask, ...]
    next_timer_at: datetime | None
    data: Mapping[str, Any]
    errored: tuple[str, ...] = ()
    end_events: tuple[str, ...] = ()


class ProcessInstance:
    """A running ``BpmnWorkflow`` and the model version it runs. Not thread-safe: one caller at a time."""

    def __init__(self, workflow: Any, model: ModelVersion) -> None:
        self.workflow = workflow
        self.model = model

    @property
    def process_id(self) -> str:
        """The model's process id."""
        return self.model.process_id

    def __repr__(self) -> str:
        done = self.workflow.completed
        return f"<ProcessInstance {self.process_id} {self.model.sha256[:12]} completed={done}>"


class ProcessRuntime:
    """Starts and advances process instances; shared by the whole application (thread-safe)."""

    def __init__(
        self, delegates: DelegateRegistry, cache: SpecCache | None = None, *, now: Now | None = None
    ) -> None:
        """Create a runtime.

        Args:
            delegates: Delegates that service tasks call.
            cache: Where parsed models are kept by sha256; defaults to one cache shared by the process.
            now: The clock BPMN timers read (tz-aware UTC); ``None`` = the wall clock.
        """
        self.now = now
        self.delegates = delegates
        self.cache = cache if cache is not None else _SHARED_CACHE
        self.script_engine = FireopsScriptEngine(delegates)
        self.serializer = StateSerializer(self.cache)

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self, model: ModelVersion, data: Mapping[str, Any], *, context: Any = None) -> ProcessInstance:
        """Create an instance, put ``data`` on its start task and run it to its first wait state.

        Args:
            model: The model version to run (cached by its sha256).
            data: Start data, plain JSON; times as ISO 8601 strings with an explicit offset.
            context: Passed to every delegate that runs during this call.

        Returns:
            The instance, waiting at user tasks or timers, or already completed.

        Raises:
            InvalidProcessDataError: ``data`` is not plain JSON (422).
            DelegateError: a service task's delegate raised (its status, or 500).
            EngineStepError: a script, condition or timer of the diagram failed (500).
        """
        _require_json(data, "data")
        self.cache.put(model)
        workflow = BpmnWorkflow(model.spec, model.subprocess_specs, script_engine=self.script_engine)
        setattr(workflow, MODEL_KEY_ATTR, model.sha256)
        inst = ProcessInstance(workflow, model)
        with self._step(inst, context):
            workflow.get_next_task(state=TaskState.READY).data.update(copy.deepcopy(dict(data)))
            self._run(inst)
        return inst

    def restore(self, model: ModelVersion, state_json: str, serializer_version: str) -> ProcessInstance:
        """Rebuild an instance from a :class:`Snapshot`'s ``state_json`` and ``serializer_version``.

        Raises:
            SerializerVersionError: the version is not the one this build writes (500).
            ModelMismatchError: the state was written with another model version (500).
            WorkflowError: ``state_json`` is not a workflow state.
        """
        self.cache.put(model)
        workflow = self.serializer.loads(model, state_json, serializer_version, self.script_engine)
        return ProcessInstance(workflow, model)

    def complete(
        self, inst: ProcessInstance, task_guid: UUID, data: Mapping[str, Any], *, context: Any = None
    ) -> None:
        """Complete the READY user task ``task_guid`` with ``data`` and run on to the next wait state.

        Args:
            inst: The instance.
            task_guid: ``HumanTask.task_guid`` of a READY user task.
            data: Merged into the task data (plain JSON), e.g. ``{"verdict": "approve"}``.
            context: Passed to every delegate that runs during this call.

        Raises:
            TaskNotReadyError: no READY user task with that guid (409).
            InvalidProcessDataError: ``data`` is not plain JSON (422).
            DelegateError: a delegate raised; the service task is left in ERROR (its status, or 500).
            EngineStepError: a script, condition or timer failed (500).
        """
        task = self._ready_user_task(inst, task_guid)
        _require_json(data, "data")
        with self._step(inst, context):
            task.data.update(copy.deepcopy(dict(data)))
            task.run()
            self._run(inst)

    def complete_by_bpmn_id(
        self, inst: ProcessInstance, bpmn_id: str, data: Mapping[str, Any], *, context: Any = None
    ) -> UUID:
        """Complete the one READY user task with BPMN id ``bpmn_id``; see :meth:`complete`.

        Returns:
            The completed task's guid.

        Raises:
            TaskNotReadyError: no READY user task with that id (409).
            AmbiguousTaskError: more than one (409).
        """
        matches = [t for t in self.ready_tasks(inst) if t.bpmn_id == bpmn_id]
        if not matches:
            raise TaskNotReadyError(
                f"步骤“{bpmn_id}”当前不可执行 / {bpmn_id} is not ready",
                process_id=inst.process_id,
                bpmn_task_id=bpmn_id,
            )
        if len(matches) > 1:
            raise AmbiguousTaskError(
                f"{len(matches)} ready tasks {bpmn_id}", process_id=inst.process_id, bpmn_task_id=bpmn_id
            )
        self.complete(inst, matches[0].task_guid, data, context=context)
        return matches[0].task_guid

    def refresh_timers(self, inst: ProcessInstance, *, context: Any = None) -> None:
        """Fire the timers that are due and run what follows them (the scheduler's job).

        Raises:
            DelegateError, EngineStepError: as for :meth:`complete`.
        """
        with self._step(inst, context):
            inst.workflow.refresh_timers()
            self._run(inst)

    def retry(self, inst: ProcessInstance, *, context: Any = None) -> tuple[str, ...]:
        """Reset every task left in ERROR to READY and run the engine again.

        Returns:
            BPMN ids of the retried tasks (empty when nothing had failed).

        Raises:
            DelegateError, EngineStepError: the retry failed again (the task is in ERROR again).
        """
        failed = inst.workflow.get_tasks(state=TaskState.ERROR)
        with self._step(inst, context):
            for task in failed:
                inst.workflow.reset_from_task_id(task.id)
            self._run(inst)
        return tuple(_bpmn_id(t) for t in failed)

    def cancel(self, inst: ProcessInstance) -> None:
        """Cancel every open task; the instance ends with ``completed=True, success=False``."""
        with self._step(inst, None):
            inst.workflow.cancel()

    # -- reading --------------------------------------------------------------------------------
    def ready_tasks(self, inst: ProcessInstance) -> tuple[HumanTask, ...]:
        """READY user tasks of the instance (subprocesses included), in task-tree order."""
        return tuple(_human(t) for t in inst.workflow.get_tasks(state=TaskState.READY, manual=True))

    def snapshot(self, inst: ProcessInstance) -> Snapshot:
        """Serialize the instance and summarise what the database layer projects.

        Raises:
            EngineStepError: a pending timer's due time has no UTC offset (never store naive times).
        """
        wf = inst.workflow
        completed = bool(wf.completed)
        ready: list[Any] = []
        errored: list[str] = []
        end_events: list[str] = []
        for t in wf.get_tasks():  # one walk of the task tree (subprocesses included) for all three
            if t.state == TaskState.READY and t.task_spec.manual:
                ready.append(t)
            elif t.state == TaskState.ERROR:
                errored.append(_bpmn_id(t))
            elif t.state == TaskState.COMPLETED and isinstance(t.task_spec, EndEvent):
                end_events.append(_bpmn_id(t))
        return Snapshot(
            state_json=self.serializer.dumps(wf),
            serializer_version=SERIALIZER_VERSION,
            completed=completed,
            success=bool(wf.success) if completed else None,
            ready=() if completed else tuple(_human(t) for t in ready),
            next_timer_at=None if completed else _next_timer_at(inst),
            data=MappingProxyType(copy.deepcopy(wf.data)) if completed else MappingProxyType({}),
            errored=tuple(errored),
            end_events=tuple(end_events),
        )

    # -- internals ------------------------------------------------------------------------------
    def _ready_user_task(self, inst: ProcessInstance, task_guid: UUID) -> Any:
        try:
            task = inst.workflow.get_task_from_id(task_guid)
        except TaskNotFoundException:
            task = None
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            bpmn_id = "" if task is None else _bpmn_id(task)
            raise TaskNotReadyError(
                f"步骤当前不可执行 / task {task_guid} is not a ready user task",
                process_id=inst.process_id,
                bpmn_task_id=bpmn_id,
            )
        return task

    def _run(self, inst: ProcessInstance) -> None:
        """Engine steps until only user tasks and waiting events are left, then check the timers."""
        wf = inst.workflow
        for _ in range(MAX_ENGINE_ROUNDS):
            wf.do_engine_steps()
            if wf.get_next_task(state=TaskState.READY, manual=False) is None:
                break
        _next_timer_at(inst)  # refuse naive due times now, inside the caller's step

    @contextmanager
    def _step(self, inst: ProcessInstance, context: Any) -> Iterator[None]:
        """Delegates see ``context``; engine failures become :class:`WorkflowError` with ids."""
        with delegate_context(context), engine_clock(self.now):
            try:
                yield
            except WorkflowError:
                raise
            except Exception as exc:
                task = getattr(exc, "task", None)
                spec = task.task_spec if task is not None else getattr(exc, "task_spec", None)
                if spec is None:
                    errored = inst.workflow.get_tasks(state=TaskState.ERROR)
                    spec = errored[0].task_spec if errored else None
                bpmn_id = "" if spec is None else (spec.bpmn_id or spec.name)
                notes = " ".join(getattr(exc, "__notes__", []))
                raise EngineStepError(
                    f"{inst.process_id}/{bpmn_id}: {type(exc).__name__}: {exc} {notes}".strip(),
                    process_id=inst.process_id,
                    bpmn_task_id=bpmn_id,
                ) from exc


def _human(task: Any) -> HumanTask:
    return HumanTask(
        task_guid=task.id,
        bpmn_id=_bpmn_id(task),
        name=task.task_spec.bpmn_name or "",
        lane=task.task_spec.lane,
        data=MappingProxyType(copy.deepcopy(task.data)),
    )


def _bpmn_id(task: Any) -> str:
    return str(task.task_spec.bpmn_id or task.task_spec.name)


def _next_timer_at(inst: ProcessInstance) -> datetime | None:
    """Earliest due time of the waiting timer events, UTC; naive due times are refused."""
    due: list[datetime] = []
    for task in list(inst.workflow.event_manager.tasks.values()):
        definitions = getattr(task.task_spec.event_definition, "event_definitions", None) or [
            task.task_spec.event_definition
        ]
        if not any(isinstance(d, TimerEventDefinition) for d in definitions):
            continue
        value = task.task_spec.event_definition.details(task).value
        if value is None:
            continue  # not evaluated yet, or hidden behind an event-based gateway (notes §2.3)
        due.append(_parse_due(inst, task, value))
    return min(due) if due else None


def _parse_due(inst: ProcessInstance, task: Any, value: Any) -> datetime:
    try:
        when = datetime.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        when = TimerEventDefinition.parse_time_or_duration(value)  # ISO week dates
    if not isinstance(when, datetime) or when.tzinfo is None:
        raise EngineStepError(
            f"timer {_bpmn_id(task)} is due at {value!r}: ISO 8601 with an explicit offset required",
            process_id=inst.process_id,
            bpmn_task_id=_bpmn_id(task),
        )
    return when.astimezone(UTC)


def _require_json(value: Any, path: str) -> None:
    """Refuse anything a JSON round trip would change (tuples, sets, datetimes, non-str keys...)."""
    if value is None or isinstance(value, str | bool | int | float):
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidProcessDataError(f"{path}: key {key!r} is not a string")
            _require_json(item, f"{path}.{key}")
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _require_json(item, f"{path}[{index}]")
        return
    raise InvalidProcessDataError(f"{path}: {type(value).__name__} is not plain JSON (times: ISO 8601 str)")
