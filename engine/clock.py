"""Injectable clock: every "now" goes through here so tests can move time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    """Source of the current time (tz-aware UTC)."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FrozenClock:
    """A clock that only moves when told to (tests, demo, benchmarks)."""

    current: datetime = field(default_factory=lambda: datetime.now(UTC))

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current = self.current + delta

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock.set needs a tz-aware datetime")
        self.current = at


def business_date(at: datetime) -> date:
    """The calendar date of ``at`` in Asia/Shanghai (plan months, report dates, deadlines)."""
    return at.astimezone(BUSINESS_TZ).date()


def end_of_business_day(d: date) -> datetime:
    """23:59:59 of ``d`` in Asia/Shanghai, as a tz-aware datetime."""
    return datetime(d.year, d.month, d.day, 23, 59, 59, tzinfo=BUSINESS_TZ)
