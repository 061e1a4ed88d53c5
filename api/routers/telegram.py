"""``POST /bots/telegram/webhook``: Telegram pushes updates here (secret header checked in constant time)."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from api.deps import StateDep

router = APIRouter(tags=["telegram"])


@router.post("/bots/telegram/webhook", include_in_schema=False)
async def telegram_webhook(request: Request, state: StateDep) -> dict[str, Any]:
    """Check ``X-Telegram-Bot-Api-Secret-Token`` then process the update inside the request.

    Answers 404 when no bot runs, 403 on a missing or wrong secret (nothing is read or written),
    200 otherwise (handler errors are the bot's business, not Telegram's: no redelivery storm).
    """
    from bots.telegram.app import process_update_json

    bot = getattr(request.app.state, "telegram", None)
    expected = state.settings.telegram.webhook_secret
    if bot is None:
        raise HTTPException(404, "telegram bot not running")
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if expected is None or not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
        raise HTTPException(403, "bad secret token")
    data = await request.json()
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise HTTPException(400, "not an update")
    await process_update_json(bot, data)
    return {}
