"""Background work of a ``fireops`` process: the lease-guarded scheduler and the outbox delivery worker.

``fireops serve`` runs both inside the app's lifespan; ``fireops worker`` runs them without the
API. Every process may run an outbox worker (claims are safe: ``SKIP LOCKED`` on PostgreSQL,
``BEGIN IMMEDIATE`` on SQLite); the scheduler runs jobs only in the process that holds its lease.
Tests never start background work unless they ask for it (``environment == "test"`` turns it off).

Channels plug into the sender router kept on ``app.state.senders``. :func:`build_sender_router`
registers the Telegram sender whenever a bot token is configured (so ``fireops worker`` delivers to
Telegram too, with a bot of its own); under ``fireops serve`` and ``fireops telegram poll`` the
running bot Application replaces it with a sender that uses the Application's bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from api.deps import AppState
from engine.outbox.senders import SenderRouter
from engine.outbox.worker import OutboxWorker
from engine.scheduler import Scheduler
from workflows.reminders.jobs import JobContext, build_scheduler

if TYPE_CHECKING:
    from bots.telegram.sender import TelegramRequest

log = logging.getLogger("fireops.background")


def build_sender_router(state: AppState, *, telegram_request: TelegramRequest | None = None) -> SenderRouter:
    """The outbox router of a process: Telegram for people bound to Telegram (when a bot token is
    configured), the log sender for everyone else.

    Args:
        state: The application state (settings, sessions).
        telegram_request: PTB request of the Telegram sender's own bot (tests: a recording fake).
    """
    router = SenderRouter()
    if state.settings.telegram.bot_token is not None:
        from bots.telegram.sender import register_telegram_sender

        register_telegram_sender(state, router, request=telegram_request)
    return router


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
        if bg.worker is not None:
            await close_senders(senders)


async def close_senders(senders: SenderRouter) -> None:
    """Release what senders hold (e.g. the Telegram sender's own bot: its HTTP client)."""
    for sender in senders.senders.values():
        close = getattr(sender, "aclose", None)
        if close is not None:
            await close()
