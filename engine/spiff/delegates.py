"""The registry of Python delegates that BPMN service tasks call.

A service task names its delegate with ``<spiffworkflow:serviceTaskOperator id="domain.verb">``; its
``<spiffworkflow:parameter>`` values are Python expressions evaluated against the task data. The
script engine (:mod:`engine.spiff.scripting`) calls ``registry.call(name, context, params)``, which
runs ``fn(context, **params)``. ``context`` is whatever the caller passed to the
:class:`~engine.spiff.runtime.ProcessRuntime` call that is running the engine (the database layer
passes its unit of work). The delegate's result is stored, JSON-encoded and decoded again, under the
task's ``resultVariable``, so it must be JSON-serialisable.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from engine.errors import WorkflowError

#: ``domain.verb``: lower snake case on both sides of exactly one dot (STYLE.md, BPMN naming).
DELEGATE_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


class UnknownDelegateError(WorkflowError):
    """A service task names an operator that no delegate was registered for (500: a deployment bug)."""

    code = "unknown_delegate"
    status_code = 500


class DelegateRegistry:
    """Maps service-task operator names (``domain.verb``) to Python callables.

    Registration happens at application start-up; lookups may come from any thread afterwards.
    """

    def __init__(self) -> None:
        self._delegates: dict[str, Callable[..., Any]] = {}
        self._lock = threading.Lock()

    def register(self, name: str, fn: Callable[..., Any]) -> None:
        """Register ``fn`` as the delegate for operator ``name``.

        Args:
            name: Operator id as written in the diagrams, ``domain.verb`` (``tasks.approve_task``).
            fn: Called as ``fn(context, **params)``; must return a JSON-serialisable value.

        Raises:
            ValueError: ``name`` is not of the form ``domain.verb``, or is already registered.
        """
        if not DELEGATE_NAME.match(name):
            raise ValueError(f"delegate name {name!r} is not of the form domain.verb")
        with self._lock:
            if name in self._delegates:
                raise ValueError(f"delegate {name!r} is already registered")
            self._delegates[name] = fn

    def names(self) -> frozenset[str]:
        """The registered operator names."""
        with self._lock:
            return frozenset(self._delegates)

    def __contains__(self, name: object) -> bool:
        with self._lock:
            return name in self._delegates

    def call(self, name: str, context: Any, params: dict[str, Any]) -> Any:
        """Run the delegate ``name`` as ``fn(context, **params)`` and return its result.

        Args:
            name: Operator id (``domain.verb``).
            context: The caller's context object (the database layer's unit of work), passed through.
            params: Evaluated service-task parameters, ``{parameter id: value}``.

        Returns:
            Whatever the delegate returns (expected to be JSON-serialisable).

        Raises:
            UnknownDelegateError: nothing is registered under ``name`` (500).
            Exception: whatever the delegate raises, unchanged (the script engine wraps it).
        """
        with self._lock:
            fn = self._delegates.get(name)
        if fn is None:
            raise UnknownDelegateError(f"no delegate registered for service operator {name!r}")
        return fn(context, **params)
