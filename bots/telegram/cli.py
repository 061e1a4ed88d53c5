"""``fireops telegram poll`` (local use, no public URL) and ``fireops telegram set-webhook --url``.

Poll mode runs the bot, the outbox worker (pushes go out through the same bot) and, unless
``--no-scheduler``, the lease-guarded scheduler: one command is enough to use the bot locally.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from telegram import Bot
from telegram.request import BaseRequest

from engine.settings import Settings

if TYPE_CHECKING:
    from api.deps import AppState

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
WEBHOOK_PATH = "/bots/telegram/webhook"


def _token(settings: Settings) -> str:
    if settings.telegram.bot_token is None:
        raise SystemExit("FIREOPS_TELEGRAM__BOT_TOKEN is not set")
    return settings.telegram.bot_token.get_secret_value()


async def set_webhook(
    settings: Settings, url: str, *, drop_pending: bool = False, request: BaseRequest | None = None
) -> str:
    """Point Telegram at ``url`` (the full webhook URL) with the configured secret token.

    Returns:
        A one-line summary (no token, no secret).

    Raises:
        SystemExit: no token or no webhook secret configured.
    """
    if settings.telegram.webhook_secret is None:
        raise SystemExit("FIREOPS_TELEGRAM__WEBHOOK_SECRET is not set (1-256 chars of A-Za-z0-9_-)")
    bot = Bot(_token(settings), request=request)
    async with bot:
        await bot.set_webhook(
            url,
            secret_token=settings.telegram.webhook_secret.get_secret_value(),
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=drop_pending,
        )
    return f"webhook set: {url} (updates: {', '.join(ALLOWED_UPDATES)})"


async def run_polling(
    state: AppState,
    stop: asyncio.Event,
    *,
    request: BaseRequest | None = None,
    scheduler: bool = False,
    worker: bool = True,
) -> None:
    """Run the bot by long polling until ``stop`` is set, with the outbox worker delivering pushes
    (notifications, reminders) through the same bot, and optionally the lease-guarded scheduler.

    Args:
        state: Application state (settings with the bot token, database).
        stop: Set it to stop (Ctrl-C in :func:`cmd_poll`).
        request: Replaces PTB's HTTP client for both the Bot API and ``getUpdates`` (tests: a
            recording fake, no network).
        scheduler: Also run the scheduler jobs (reminders, timers; only the lease holder runs them).
        worker: Run the outbox worker (pushes reach bound people through this bot).

    Raises:
        ValueError: no bot token configured.
    """
    from api.background import background, build_sender_router
    from bots.telegram.app import build_application
    from bots.telegram.sender import register_telegram_sender

    app = build_application(state, request, with_updater=True)
    senders = build_sender_router(state)
    async with app:
        register_telegram_sender(state, senders, bot=app.bot)
        updater = app.updater
        if updater is None:  # pragma: no cover - built with_updater=True
            raise RuntimeError("the polling Application has no Updater")
        await updater.start_polling(allowed_updates=ALLOWED_UPDATES)  # deletes any webhook first
        await app.start()
        try:
            async with background(state, senders, scheduler=scheduler, worker=worker):
                await stop.wait()
        finally:
            await updater.stop()
            await app.stop()


def cmd_poll(settings: Settings) -> int:
    """Run the bot by long polling (deletes any webhook first) and deliver pushes; Ctrl-C stops it."""
    import signal

    from api.app import build_state

    _token(settings)
    state = build_state(settings)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        scheduler = settings.scheduler.enabled
        also = " and running the scheduler" if scheduler else ""
        print(f"fireops telegram: polling, delivering pushes{also} (Ctrl-C to stop)")  # noqa: T201 - CLI output
        await run_polling(state, stop, scheduler=scheduler, worker=settings.outbox.enabled)

    asyncio.run(main())
    state.engine.dispose()
    return 0


def add_telegram_parser(sub: Any, settings_of: Callable[[argparse.Namespace], Settings]) -> None:
    """Add ``telegram poll`` and ``telegram set-webhook`` to the ``fireops`` parser."""
    tg = sub.add_parser("telegram", help="the Telegram bot (token: FIREOPS_TELEGRAM__BOT_TOKEN)")
    tg_sub = tg.add_subparsers(dest="telegram_command", required=True)
    poll = tg_sub.add_parser(
        "poll", help="run the bot by long polling (local use) and deliver pushes from the outbox"
    )
    poll.add_argument("--database-url")
    poll.add_argument("--no-scheduler", action="store_true", help="do not run the scheduler jobs here")
    poll.add_argument("--no-worker", action="store_true", help="do not deliver outbox notifications here")
    poll.set_defaults(func=lambda args: cmd_poll(settings_of(args)))
    hook = tg_sub.add_parser("set-webhook", help="register the webhook URL with Telegram")
    hook.add_argument("--url", required=True, help=f"public HTTPS URL ending in {WEBHOOK_PATH}")
    hook.add_argument("--drop-pending", action="store_true")

    def run_set(args: argparse.Namespace) -> int:
        summary = asyncio.run(set_webhook(settings_of(args), args.url, drop_pending=args.drop_pending))
        print(summary)  # noqa: T201 - CLI output
        return 0

    hook.set_defaults(func=run_set)
