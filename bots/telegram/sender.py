"""``TelegramSender``: delivers outbox notifications as Telegram messages (the outbox ``Sender`` protocol).

Limits (read by the outbox worker): 30 messages per second overall (``rate_per_s``) and one per
second per chat (``per_recipient_interval_s``). A 429 answer becomes ``SendResult(retry_after_s=…)``
so the worker retries exactly then; 403 (the user blocked the bot) and 400 "chat not found" are
permanent. Never logs ``File.file_path`` (it contains the bot token) nor the token itself.

Plug in::

    router.register(TelegramSender(bot, chat_lookup(state.sessions)), channel_of=telegram_channel_of)
"""

from __future__ import annotations

import asyncio
import logging
import uuid
import warnings
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import BaseRequest
from telegram.warnings import PTBDeprecationWarning

from bots.core.notifications import render_notification
from bots.telegram.views import CHANNEL, send_card
from engine.db import unit_of_work
from engine.outbox.senders import Delivery, SenderRouter, SendResult
from workflows.chat.service import binding_for_person

if TYPE_CHECKING:
    from api.deps import AppState

log = logging.getLogger("fireops.bots.telegram.sender")

ChatLookup = Callable[[uuid.UUID], tuple[str, str] | None]
"""``lookup(person_id)`` → ``(chat_id, language)`` of the person's Telegram binding, or ``None``."""


def telegram_channel_of(session: Session, person_id: uuid.UUID) -> str | None:
    """``"telegram"`` for people bound to a Telegram account (the outbox router's ``channel_of``)."""
    return CHANNEL if binding_for_person(session, CHANNEL, person_id) is not None else None


def chat_lookup(sessions: sessionmaker[Session]) -> ChatLookup:
    """A :data:`ChatLookup` reading bindings in a short transaction of its own."""

    def lookup(person_id: uuid.UUID) -> tuple[str, str] | None:
        with unit_of_work(sessions) as session:
            binding = binding_for_person(session, CHANNEL, person_id)
            return (binding.chat_id, binding.language) if binding else None

    return lookup


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender:
    """Sends rendered notification cards through a PTB ``Bot``.

    Args:
        bot: An initialised ``telegram.Bot`` (the Application's ``bot``).
        lookup: Finds the recipient's chat and language.
    """

    channel = CHANNEL
    rate_per_s = 30.0
    per_recipient_interval_s = 1.0

    def __init__(self, bot: Any, lookup: ChatLookup) -> None:
        self.bot = bot
        self.lookup = lookup

    async def send(self, delivery: Delivery) -> SendResult:
        """Render and send one notification; never raises for Telegram errors."""
        target = await asyncio.to_thread(self.lookup, delivery.recipient_id)
        if target is None:
            return SendResult(ok=False, permanent=True, error="not bound to telegram")
        chat_id, lang = target
        card = render_notification(delivery.kind, dict(delivery.payload), lang, delivery.recipient_id)
        try:
            # PTB 22 warns while building RetryAfter (``retry_after`` becomes a timedelta in v23).
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", PTBDeprecationWarning)
                await send_card(self.bot, chat_id, card)
        except RetryAfter as exc:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", PTBDeprecationWarning)
                wait = _seconds(exc.retry_after)
            log.info(
                "telegram.send_throttled",
                extra={"retry_after_s": wait, "message_id": str(delivery.message_id)},
            )
            return SendResult(ok=False, retry_after_s=wait, error=f"429 retry after {wait:g}s")
        except Forbidden as exc:
            return SendResult(ok=False, permanent=True, error=f"403 {exc.message}"[:200])
        except BadRequest as exc:
            permanent = (
                "chat not found" in exc.message.lower() or "button_data_invalid" in exc.message.lower()
            )
            return SendResult(ok=False, permanent=permanent, error=f"400 {exc.message}"[:200])
        except (TimedOut, NetworkError) as exc:
            return SendResult(ok=False, error=f"network: {type(exc).__name__}")
        except TelegramError as exc:
            return SendResult(ok=False, error=f"telegram: {type(exc).__name__}")
        return SendResult(ok=True)


@asynccontextmanager
async def telegram_sender(
    state: AppState, senders: SenderRouter, request: BaseRequest | None = None
) -> AsyncIterator[TelegramSender | None]:
    """For processes without the bot Application (``fireops worker``): a bare ``Bot`` whose sender is
    registered on ``senders`` while the context is open; yields ``None`` when no token is configured."""
    token = state.settings.telegram.bot_token
    if token is None:
        yield None
        return
    bot = Bot(token.get_secret_value(), request=request)
    async with bot:
        sender = TelegramSender(bot, chat_lookup(state.sessions))
        senders.register(sender, channel_of=telegram_channel_of)
        yield sender
