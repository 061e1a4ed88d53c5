"""The PTB ``Application`` of one FastAPI app (webhook) or of ``fireops telegram poll``.

Built per app, never at import time (an Application is bound to one event loop), with
``updater(None)`` for the webhook: the route feeds updates in through :func:`process_update_json`.
Groups: ``-1`` drops redelivered ``update_id``s (recorded in the database, so it holds across
processes), ``0`` the feature handlers (:mod:`bots.telegram.handlers`), ``1`` the dialog-input router.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler
from telegram.request import BaseRequest

from bots.core.i18n import normalize_lang, t
from bots.core.services import ChatServices
from bots.telegram.handlers import DialogInput, collect
from bots.telegram.handlers.common import build_fallbacks, build_last_resort
from bots.telegram.logs import install_log_redaction
from bots.telegram.sender import register_telegram_sender
from bots.telegram.views import CHANNEL, TgContext, remember_user, services_of
from workflows.chat.service import update_gate

if TYPE_CHECKING:
    from fastapi import FastAPI

    from api.deps import AppState

log = logging.getLogger("fireops.bots.telegram")
TelegramApp = Application[Any, Any, Any, Any, Any, Any]


def build_application(
    state: AppState,
    request: BaseRequest | None = None,
    *,
    token: str | None = None,
    offload: bool = True,
    with_updater: bool = False,
) -> TelegramApp:
    """Build the bot for ``state``.

    Args:
        state: Application state (database, clock, settings).
        request: Replaces PTB's HTTP client (tests pass a recording fake: no network).
        token: Bot token; defaults to ``settings.telegram.bot_token``.
        offload: Run database work in worker threads (see :class:`ChatServices`).
        with_updater: Keep PTB's Updater (polling mode).

    Raises:
        ValueError: no token configured.
    """
    secret = state.settings.telegram.bot_token
    token = token or (secret.get_secret_value() if secret else None)
    if not token:
        raise ValueError("FIREOPS_TELEGRAM__BOT_TOKEN is not set")
    install_log_redaction(token)
    builder = Application.builder().token(token)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if not with_updater:
        builder = builder.updater(None)
    app = builder.build()
    services = ChatServices(state, CHANNEL, offload=offload)
    features = collect(services)
    app.bot_data["services"] = services
    app.bot_data["dialog_inputs"] = features.inputs
    app.bot_data["live_location_dialogs"] = features.live_location
    app.add_handler(TypeHandler(Update, _drop_redelivered), group=-1)
    app.add_handlers([*features.handlers, *build_last_resort()], group=0)
    app.add_handlers(build_fallbacks(), group=1)
    app.add_error_handler(_on_error)
    return app


async def _on_error(update: object, context: TgContext) -> None:
    """Unexpected failures: log the error type and update id (never the request URL: it holds the token),
    and tell the chat that it did not work."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("telegram.handler_failed", extra={"update_id": update_id, "error": type(error).__name__})
    chat = update.effective_chat if isinstance(update, Update) else None
    if chat is not None:
        lang = normalize_lang(
            update.effective_user.language_code
            if isinstance(update, Update) and update.effective_user
            else None
        )
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(chat.id, t("error.unexpected", lang))


def dialog_inputs(context: TgContext) -> dict[str, DialogInput]:
    """The dialog-input routes of the running Application."""
    inputs: dict[str, DialogInput] = context.application.bot_data["dialog_inputs"]
    return inputs


def live_location_dialogs(context: TgContext) -> frozenset[str]:
    """Dialogs that take live-location updates (``edited_message`` with a location) as input."""
    names: frozenset[str] = context.application.bot_data["live_location_dialogs"]
    return names


async def _drop_redelivered(update: Update, context: TgContext) -> None:
    """Group -1: record the update id (drop a redelivery) and identify the sender in one transaction."""
    services = services_of(context)
    sender = update.effective_user
    retention_s = services.state.settings.telegram.update_retention_s

    gate = update_gate(update.update_id, now=services.state.clock.now(), retention_s=retention_s)
    is_new, user = await services.admit(str(sender.id) if sender else None, gate)
    if not is_new:
        log.info("telegram.update_redelivered", extra={"update_id": update.update_id})
        raise ApplicationHandlerStop
    remember_user(context, update.update_id, user)


async def process_update_json(app: TelegramApp, data: dict[str, Any]) -> None:
    """Process one update (webhook body) inside the request."""
    update = Update.de_json(data, app.bot)
    await app.process_update(update)


@asynccontextmanager
async def telegram_lifespan(api: FastAPI) -> AsyncIterator[None]:
    """Start the bot with the API when a token is configured (``api.state.telegram``), else do nothing.

    Tests set ``api.state.telegram_request`` to a recording ``BaseRequest`` before starting the app.
    """
    state: AppState = api.state.fireops
    api.state.telegram = None
    if state.settings.telegram.bot_token is None:
        yield
        return
    bot = build_application(state, getattr(api.state, "telegram_request", None))
    async with bot:
        await bot.start()
        api.state.telegram = bot
        senders = getattr(api.state, "senders", None)
        if senders is not None:  # the outbox worker delivers to bound people through the bot
            register_telegram_sender(state, senders, bot=bot.bot)
        try:
            yield
        finally:
            api.state.telegram = None
            await bot.stop()
