"""The script engine: restricted builtins for BPMN scripts, service tasks dispatched to delegates.

Scripts and expressions in diagrams only route data (DESIGN.md). They run with a small whitelist of
builtins and ``import`` refused. This is **not** a sandbox (a dunder escape still works, notes §2.2):
editing BPMN stays an admin-only, audited deployment.

Service tasks call :meth:`FireopsScriptEngine.call_service`, which runs the registered delegate with
the context of the :class:`~engine.spiff.runtime.ProcessRuntime` call currently executing (a
``ContextVar`` set and reset around each runtime call, so nested calls and threads never see each
other's context).
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NoReturn

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from engine.errors import DomainError, WorkflowError
from engine.spiff.delegates import DelegateRegistry

# fmt: off
SAFE_BUILTIN_NAMES = (
    "abs", "all", "any", "bool", "dict", "enumerate", "filter", "float", "int", "isinstance", "len",
    "list", "map", "max", "min", "range", "round", "set", "sorted", "str", "sum", "tuple", "zip",
)
# fmt: on

_context: ContextVar[Any] = ContextVar("fireops_delegate_context", default=None)


class DelegateError(WorkflowError):
    """A service task's delegate raised; the original exception is chained as ``__cause__``.

    The Spiff task is left in ``ERROR`` (``ProcessRuntime.retry`` runs it again). When the delegate
    raised a :class:`DomainError`, its ``code``, ``status_code`` and user-safe message are kept;
    otherwise this is a 500.
    """

    code = "delegate_failed"
    status_code = 500


class EngineStepError(WorkflowError):
    """A script, condition or timer expression of a diagram failed (500: a modelling bug)."""

    code = "engine_step_failed"
    status_code = 500


def _deny_import(name: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ImportError(f"import {name} not allowed in BPMN scripts")


def safe_builtins() -> dict[str, Any]:
    """The builtins BPMN scripts may use: a whitelist, with ``__import__`` refusing every import."""
    allowed = {name: getattr(builtins, name) for name in SAFE_BUILTIN_NAMES}
    allowed["__import__"] = _deny_import
    return allowed


@contextmanager
def delegate_context(context: Any) -> Iterator[None]:
    """Make ``context`` the delegates' context for the duration of the ``with`` block."""
    token = _context.set(context)
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> Any:
    """The context of the runtime call executing now (``None`` outside one)."""
    return _context.get()


class FireopsScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """Spiff script engine with restricted builtins and service tasks bound to a delegate registry.

    One engine is shared by every instance of a runtime; it holds no per-call state.
    """

    def __init__(self, delegates: DelegateRegistry) -> None:
        environment = TaskDataEnvironment({"__builtins__": safe_builtins()})
        super().__init__(environment=environment)
        self.delegates = delegates

    def call_service(self, task: Any, operation_name: str, operation_params: dict[str, Any], **_: Any) -> str:
        """Run the delegate ``operation_name`` for a service task and return its result as JSON.

        Args:
            task: The running ``SpiffTask``.
            operation_name: The operator id (``domain.verb``).
            operation_params: ``{parameter id: {"value": evaluated value, "type": declared type}}``.

        Returns:
            ``json.dumps`` of the delegate's result (Spiff decodes it into the result variable).

        Raises:
            DelegateError: the delegate raised or returned something that is not JSON-serialisable,
                carrying ``process_id`` and ``bpmn_task_id``; the cause is chained.
        """
        params = {key: param["value"] for key, param in operation_params.items()}
        process_id = task.workflow.top_workflow.spec.name
        bpmn_id = task.task_spec.bpmn_id or task.task_spec.name
        try:
            result = self.delegates.call(operation_name, current_context(), params)
            return json.dumps(result, ensure_ascii=False)
        except Exception as exc:
            raise _delegate_failed(exc, operation_name, process_id, bpmn_id) from exc


def _delegate_failed(exc: Exception, operation: str, process_id: str, bpmn_id: str) -> DelegateError:
    if isinstance(exc, DomainError):
        err = DelegateError(exc.message, process_id=process_id, bpmn_task_id=bpmn_id)
        err.code = exc.code  # type: ignore[misc]
        err.status_code = exc.status_code  # type: ignore[misc]
        return err
    if isinstance(exc, TypeError) and "JSON serializable" in str(exc):
        message = f"{operation} returned a value that is not JSON-serialisable: {exc}"
    else:
        message = f"{operation} failed in {process_id}/{bpmn_id}: {type(exc).__name__}: {exc}"
    return DelegateError(message, process_id=process_id, bpmn_task_id=bpmn_id)
