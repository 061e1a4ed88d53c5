"""Make SpiffWorkflow's timers read the application's clock instead of the wall clock.

SpiffWorkflow 3.2.0 computes "now" with ``datetime.now(timezone.utc)`` inside
``SpiffWorkflow.bpmn.specs.event_definitions.timer``. We replace that module's ``datetime`` name
with a subclass whose ``now()`` asks the clock of the runtime call in progress (a ContextVar set by
:class:`engine.spiff.runtime.ProcessRuntime` around every engine step). Outside a runtime call it
is the real clock, so the library behaves exactly as before. This keeps deadlines, month ends and
filing timers consistent with the domain's clock (tests move it; production uses the real one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, tzinfo

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _timer_module

Now = Callable[[], datetime]

_current_now: ContextVar[Now | None] = ContextVar("fireops_engine_now", default=None)


class _ClockedDatetime(datetime):
    """``datetime`` whose ``now()`` follows the active engine clock."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _ClockedDatetime:
        source = _current_now.get()
        current = source() if source is not None else datetime.now(UTC)
        current = current.astimezone(tz) if tz is not None else current.astimezone(UTC).replace(tzinfo=None)
        return cls.fromisoformat(current.isoformat())


_timer_module.datetime = _ClockedDatetime


@contextmanager
def engine_clock(now: Now | None) -> Iterator[None]:
    """Run the enclosed engine steps with ``now`` as the timers' clock (``None``: the wall clock)."""
    token = _current_now.set(now)
    try:
        yield
    finally:
        _current_now.reset(token)
