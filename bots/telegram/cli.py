"""``fireops telegram poll`` (local use, no public URL) and ``fireops telegram set-webhook --url``."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from typing import Any

from telegram import Bot
from telegram.request import BaseRequest

from engine.settings import Settings

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


def cmd_poll(settings: Settings) -> int:
    """Run the bot by long polling (deletes any webhook first); Ctrl-C stops it."""
    from api.app import build_state
    from bots.telegram.app import build_application

    _token(settings)
    state = build_state(settings)
    app = build_application(state, with_updater=True)
    print("fireops telegram: polling (Ctrl-C to stop)")  # noqa: T201 - CLI output
    app.run_polling(allowed_updates=ALLOWED_UPDATES)
    state.engine.dispose()
    return 0


def add_telegram_parser(sub: Any, settings_of: Callable[[argparse.Namespace], Settings]) -> None:
    """Add ``telegram poll`` and ``telegram set-webhook`` to the ``fireops`` parser."""
    tg = sub.add_parser("telegram", help="the Telegram bot (token: FIREOPS_TELEGRAM__BOT_TOKEN)")
    tg_sub = tg.add_subparsers(dest="telegram_command", required=True)
    poll = tg_sub.add_parser("poll", help="run the bot by long polling (local use)")
    poll.add_argument("--database-url")
    poll.set_defaults(func=lambda args: cmd_poll(settings_of(args)))
    hook = tg_sub.add_parser("set-webhook", help="register the webhook URL with Telegram")
    hook.add_argument("--url", required=True, help=f"public HTTPS URL ending in {WEBHOOK_PATH}")
    hook.add_argument("--drop-pending", action="store_true")

    def run_set(args: argparse.Namespace) -> int:
        summary = asyncio.run(set_webhook(settings_of(args), args.url, drop_pending=args.drop_pending))
        print(summary)  # noqa: T201 - CLI output
        return 0

    hook.set_defaults(func=run_set)
