"""The FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.deps import AppState
from api.errors import install_error_handlers
from engine.clock import Clock, SystemClock
from engine.db import make_engine, make_session_factory, migrate, unit_of_work
from engine.processes.store import ProcessStore
from engine.settings import Settings, get_settings
from engine.spiff.runtime import ProcessRuntime

log = logging.getLogger("fireops")


def build_state(settings: Settings, *, clock: Clock | None = None, run_migrations: bool = True) -> AppState:
    """Engine, sessions, BPMN runtime and store; migrates the database and seeds the catalog."""
    from engine.clock import business_date
    from workflows.catalog.service import seed_default_catalog
    from workflows.delegates import build_registry
    from workflows.filings.calendar import warn_uncovered_years

    if run_migrations:
        migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    clock = clock or SystemClock()
    processes = ProcessStore(ProcessRuntime(build_registry(), now=clock.now), clock)
    with unit_of_work(sessions) as session:
        processes.deploy_builtin(session)
        seed_default_catalog(session)
    warn_uncovered_years(business_date(clock.now()), settings.calendar)  # R-FILE-1: working-day calendar
    return AppState(settings=settings, engine=engine, sessions=sessions, clock=clock, processes=processes)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the Telegram bot with the app when a token is configured (issue 4), then the scheduler and
    the outbox worker (issue 3; not in tests unless ``create_app(background=True)``)."""
    from api.background import background, wanted
    from bots.telegram.app import telegram_lifespan

    state: AppState = app.state.fireops
    run = wanted(state, app.state.run_background)
    async with (
        telegram_lifespan(app),
        background(
            state,
            app.state.senders,
            scheduler=run and state.settings.scheduler.enabled,
            worker=run and state.settings.outbox.enabled,
        ),
    ):
        yield


def create_app(
    settings: Settings | None = None, *, state: AppState | None = None, background: bool | None = None
) -> FastAPI:
    """The API application. Pass ``state`` to share one engine/clock (tests, demo); ``background``
    forces the scheduler and outbox worker on or off (default: on, except in the test environment)."""
    from api.background import build_sender_router
    from api.routers import register_routers

    settings = settings or get_settings()
    app = FastAPI(
        title="fireops",
        version="0.1.0",
        description="消防技术服务执业过程管理 — maintenance, inspection and assessment as BPMN processes.",
        lifespan=_lifespan,
    )
    app.state.fireops = state or build_state(settings)
    app.state.senders = build_sender_router(app.state.fireops)
    app.state.run_background = background
    install_error_handlers(app)
    register_routers(app)
    return app
