"""Notifications are outbox rows; the table lives in the engine next to its delivery loop (DESIGN.md)."""

from engine.outbox.models import OutboxMessage, OutboxState

__all__ = ["OutboxMessage", "OutboxState"]
