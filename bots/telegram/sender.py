"""``TelegramSender``: delivers outbox notifications as Telegram messages (the outbox ``Sender`` protocol).

Limits (read by the outbox worker): 30 messages per second overall (``rate_per_s``) and one per
second per chat (``per_recipient_interval_s``). They hold per bot, so the sender is ``exclusive``:
however many processes run a worker (``fireops serve``, ``fireops worker``, ``fireops telegram
poll``), only the holder of the ``outbox.telegram`` lease delivers Telegram pushes
(:class:`engine.outbox.senders.ChannelLease`). A 429 answer becomes ``SendResult(retry_after_s=…)``
so the worker retries exactly then; 403 (the user blocked the bot) and 400 "chat not found" are
permanent. Never logs ``File.file_path`` (it contains the bot token) nor the token itself.

Two ways to get one:

* with the running bot Application (``fireops serve``, ``fireops telegram poll``)::

      router.register(TelegramSender(app.bot, recipient_lookup(state.sessions, CHANNEL)),
                      channel_of=channel_of(CHANNEL))

* without it (``fireops worker``): :func:`register_telegram_sender` registers a sender whose own
  ``Bot`` is created and initialised at the first send (in the worker's event loop) and shut down by
  :meth:`TelegramSender.aclose`. ``api.background.build_sender_router`` calls it whenever a bot
  token is configured.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import BaseRequest
from telegram.warnings import PTBDeprecationWarning

from bots.core.notifications import render_notification
from bots.telegram.logs import install_log_redaction
from bots.telegram.views import CHANNEL, send_card
from engine.outbox.senders import Delivery, SenderRouter, SendResult
from workflows.chat.service import ChatRecipient, channel_of, recipient_lookup

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable

    from api.deps import AppState

log = logging.getLogger("fireops.bots.telegram.sender")

TelegramRequest = BaseRequest
"""PTB's HTTP client class, for code outside ``bots/telegram`` that passes one through (tests pass a
recording fake); only ``bots/telegram`` imports ``telegram``."""


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender:
    """Sends rendered notification cards through a PTB ``Bot``.

    Args:
        bot: An initialised ``telegram.Bot`` (the Application's ``bot``), or ``None`` with ``token``:
            the sender then builds its own bot at the first send.
        lookup: ``lookup(person_id)`` → the recipient's chat, language and roles, or ``None``.
        token: Bot token of the sender's own bot (when ``bot`` is ``None``).
        request: PTB request of the sender's own bot (tests pass a recording fake: no network).
    """

    channel = CHANNEL
    rate_per_s = 30.0
    per_recipient_interval_s = 1.0
    exclusive = True
    """Telegram's limits hold per bot: one worker process at a time delivers (a lease row)."""

    def __init__(
        self,
        bot: Any,
        lookup: Callable[[uuid.UUID], ChatRecipient | None],
        *,
        token: str | None = None,
        request: BaseRequest | None = None,
    ) -> None:
        if bot is None and not token:
            raise ValueError("TelegramSender needs a bot or a token")
        self.bot = bot
        self.lookup = lookup
        self._token = token
        self._request = request
        self._owns_bot = bot is None
        self._ready: asyncio.Lock | None = None

    async def _bot(self) -> Any:
        if self.bot is not None:
            return self.bot
        if self._ready is None:
            self._ready = asyncio.Lock()
        async with self._ready:
            if self.bot is None and self._token:
                install_log_redaction(self._token)
                bot = Bot(self._token, request=self._request)
                await bot.initialize()
                self.bot = bot
        return self.bot

    async def aclose(self) -> None:
        """Shut down the sender's own bot (no-op for the Application's bot)."""
        if self._owns_bot and self.bot is not None:
            bot, self.bot = self.bot, None
            await bot.shutdown()

    async def send(self, delivery: Delivery) -> SendResult:
        """Render and send one notification; never raises for Telegram errors."""
        target = await asyncio.to_thread(self.lookup, delivery.recipient_id)
        if target is None:
            return SendResult(ok=False, permanent=True, error="not bound to telegram")
        card = render_notification(delivery.kind, dict(delivery.payload), target)
        try:
            bot = await self._bot()
            # PTB 22 warns while building RetryAfter (``retry_after`` becomes a timedelta in v23).
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", PTBDeprecationWarning)
                await send_card(bot, target.chat_id, card)
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


def register_telegram_sender(
    state: AppState, senders: SenderRouter, *, bot: Any = None, request: BaseRequest | None = None
) -> TelegramSender | None:
    """Register the Telegram sender on ``senders`` for people bound to Telegram.

    Args:
        state: Application state (settings with the token, sessions for the bindings).
        senders: The outbox router.
        bot: The running Application's bot; ``None`` gives the sender its own bot (worker mode).
        request: PTB request of the sender's own bot (tests: a recording fake).

    Returns:
        The registered sender, or ``None`` (nothing registered) when no bot token is configured.
    """
    secret = state.settings.telegram.bot_token
    if bot is None and secret is None:
        return None
    token = secret.get_secret_value() if secret is not None else None
    sender = TelegramSender(bot, recipient_lookup(state.sessions, CHANNEL), token=token, request=request)
    senders.register(sender, channel_of=channel_of(CHANNEL))
    return sender
