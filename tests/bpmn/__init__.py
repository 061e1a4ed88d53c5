"""Scenario tests of the shipped diagrams, plus the helpers they share.

Each diagram is driven through the real :class:`engine.spiff.runtime.ProcessRuntime` with fake
delegates that record ``(operator, context, params)``; every wait state is saved and restored.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from engine.spiff.delegates import DelegateRegistry
from engine.spiff.runtime import ProcessInstance, ProcessRuntime
from engine.spiff.specs import ModelVersion, builtin_sources, load_model

SHANGHAI = timezone(timedelta(hours=8))


class Recorder:
    """Fake delegates: record ``(operator, context, params)`` and return ``{"ok": True}``."""

    def __init__(self, operators: Iterable[str]) -> None:
        self.calls: list[tuple[str, Any, dict[str, Any]]] = []
        self.registry = DelegateRegistry()
        for name in operators:
            self.registry.register(name, self._make(name))

    def _make(self, name: str) -> Any:
        def delegate(context: Any, **params: Any) -> dict[str, bool]:
            self.calls.append((name, context, params))
            return {"ok": True}

        return delegate

    def names(self) -> list[str]:
        """The operators called so far, in order."""
        return [name for name, _, _ in self.calls]


def load_builtin(process_id: str, operators: Iterable[str]) -> ModelVersion:
    """The shipped diagram ``<process_id>.bpmn``, validated against a registry of ``operators``."""
    file = f"{process_id}.bpmn"
    return load_model(process_id, {file: builtin_sources()[file]}, registry=Recorder(operators).registry)


def iso(delta: timedelta) -> str:
    """Now + ``delta`` as ISO 8601 in Asia/Shanghai (+08:00), the way the app writes due times."""
    return (datetime.now(UTC) + delta).astimezone(SHANGHAI).isoformat()


def roundtrip(runtime: ProcessRuntime, inst: ProcessInstance) -> ProcessInstance:
    """Save and restore the instance, as the database layer does between two requests.

    Asserts that the restored instance serializes identically and offers the same work.
    """
    snap = runtime.snapshot(inst)
    restored = runtime.restore(inst.model, snap.state_json, snap.serializer_version)
    again = runtime.snapshot(restored)
    assert again.state_json == snap.state_json
    assert again.ready == snap.ready
    assert again.next_timer_at == snap.next_timer_at
    return restored


def ready(runtime: ProcessRuntime, inst: ProcessInstance) -> list[tuple[str, str | None]]:
    """``(bpmn id, lane)`` of the READY user tasks."""
    return [(t.bpmn_id, t.lane) for t in runtime.ready_tasks(inst)]
