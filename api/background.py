"""Background work of a ``fireops`` process: the lease-guarded scheduler and the outbox delivery worker.

``fireops serve`` runs both inside the app's lifespan; ``fireops worker`` runs them without the
API. Every process may run an outbox worker (claims are safe: ``SKIP LOCKED`` on PostgreSQL,
``BEGIN IMMEDIATE`` on SQLite); the scheduler runs jobs only in the process that holds its lease.
Tests never start background work unless they ask for it (``environment == "test"`` turns it off).

Channels plug into the sender router kept on ``app.state.senders``: an adapter started earlier
in the lifespan registers its sender there, e.g.
``app.state.senders.register(TelegramSender(…), channel_of=telegram_channel_of)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from api.deps import AppState
from engine.outbox.senders import SenderRouter
from engine.outbox.worker import OutboxWorker
from engine.scheduler import Scheduler
from workflows.reminders.jobs import JobContext, build_scheduler

log = logging.getLogger("fireops.background")


def build_sender_router(state: AppState) -> SenderRouter:
    """The default router: everything goes to the log sender until a chat adapter registers itself."""
    return SenderRouter()


def job_context(state: AppState) -> JobContext:
    """The scheduler jobs' view of the application state."""
    return JobContext(
        sessions=state.sessions, clock=state.clock, settings=state.settings, processes=state.processes
    )


@dataclass
class Background:
    """What :func:`background` started (for stopping, and for tests to inspect)."""

    scheduler: Scheduler | None = None
    worker: OutboxWorker | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)


def wanted(state: AppState, requested: bool | None) -> bool:
    """Whether to run background work: as requested, else everywhere but in tests."""
    return requested if requested is not None else state.settings.environment != "test"


@contextlib.asynccontextmanager
async def background(
    state: AppState, senders: SenderRouter, *, scheduler: bool, worker: bool
) -> AsyncIterator[Background]:
    """Run the scheduler (APScheduler thread, lease-guarded) and/or the outbox worker (asyncio task).

    Args:
        state: The application state (database, clock, settings, BPMN store).
        senders: The sender router the worker delivers through.
        scheduler: Start the scheduler (``settings.scheduler.enabled`` and not ``--no-scheduler``).
        worker: Start the outbox worker (``settings.outbox.enabled`` and not ``--no-worker``).
    """
    bg = Background()
    if scheduler:
        bg.scheduler = build_scheduler(job_context(state))
        bg.scheduler.start()
    if worker:
        bg.worker = OutboxWorker(state.sessions, senders, state.settings.outbox, state.clock)
        bg.tasks.append(asyncio.create_task(bg.worker.run(bg.stop), name="outbox.worker"))
    try:
        yield bg
    finally:
        bg.stop.set()
        for task in bg.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if bg.scheduler is not None:
            await asyncio.to_thread(bg.scheduler.shutdown)
