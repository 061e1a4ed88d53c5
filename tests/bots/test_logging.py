"""The bot token and Telegram file paths never reach the logs (issue 4: "file_path never logged").

The bot runs on PTB's real HTTP client (``HTTPXRequest``) whose httpx transport is faked at the
network edge (``httpx.MockTransport``), so httpx and PTB log exactly what they log in production.
Records are captured at DEBUG from the root logger, as ``logging.basicConfig`` in ``fireops`` would
pass them on (serve, poll and worker modes all build their bot through the redacting code).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

import httpx
import pytest
from telegram.request import HTTPXRequest

from api.deps import AppState
from bots.telegram.app import build_application
from bots.telegram.logs import RedactTelegramSecrets
from bots.telegram.sender import TelegramSender
from engine.outbox.senders import Delivery
from workflows.chat.service import ChatRecipient

TOKEN = "7712345678:AAH-real_looking-Token_0123456789abcd"
FILE_PATH = "photos/file_4711.jpg"


def telegram_api(request: httpx.Request) -> httpx.Response:
    """The Bot API at the network edge: getMe, sendMessage, getFile and the file download."""
    path = request.url.path
    if path.startswith("/file/"):
        return httpx.Response(200, content=b"\xff\xd8\xff\xe0jpeg")
    method = path.rsplit("/", 1)[-1]
    result: Any = {"message_id": 5, "date": 0, "chat": {"id": 42, "type": "private"}, "text": "hi"}
    if method == "getMe":
        result = {"id": 7712345678, "is_bot": True, "first_name": "fireops", "username": "fireops_bot"}
    elif method == "getFile":
        result = {"file_id": "ph-1", "file_unique_id": "u1", "file_size": 8, "file_path": FILE_PATH}
    return httpx.Response(200, content=json.dumps({"ok": True, "result": result}).encode())


def http_request() -> HTTPXRequest:
    return HTTPXRequest(httpx_kwargs={"transport": httpx.MockTransport(telegram_api)})


def leaked(caplog: pytest.LogCaptureFixture) -> list[str]:
    texts = [r.getMessage() for r in caplog.records] + [caplog.text]
    return [x for x in texts if TOKEN in x or FILE_PATH in x or TOKEN.split(":")[1] in x]


async def _send_and_download(state: AppState, *, httpx_level: int | None = None) -> bytes:
    app = build_application(state, http_request(), token=TOKEN)
    if httpx_level is not None:  # an operator's logging config, applied after the bot was built
        logging.getLogger("httpx").setLevel(httpx_level)
    async with app:
        await app.bot.send_message(42, "hi")
        tg_file = await app.bot.get_file("ph-1")
        return bytes(await tg_file.download_as_bytearray())


def test_send_and_get_file_log_no_token_and_no_file_path(
    state: AppState, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    content = asyncio.run(_send_and_download(state))
    assert content.startswith(b"\xff\xd8")
    assert any("getFile" in r.getMessage() for r in caplog.records)  # PTB did log the call …
    assert leaked(caplog) == []  # … but neither the token nor the file path


def test_even_with_httpx_at_debug_the_urls_are_redacted(
    state: AppState, caplog: pytest.LogCaptureFixture
) -> None:
    """An operator who turns httpx logging back on sees request lines without the secrets."""
    caplog.set_level(logging.DEBUG)
    try:
        asyncio.run(_send_and_download(state, httpx_level=logging.DEBUG))
    finally:
        logging.getLogger("httpx").setLevel(logging.WARNING)
    lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert any("/file/bot<redacted>/<redacted>" in x for x in lines), lines
    assert any("/bot<redacted>/sendMessage" in x for x in lines), lines
    assert leaked(caplog) == []


def test_the_worker_senders_own_bot_logs_no_token(caplog: pytest.LogCaptureFixture) -> None:
    """``fireops worker``: the sender builds its own bot at the first send, with the redaction on."""
    caplog.set_level(logging.DEBUG)
    person = uuid.uuid4()
    sender = TelegramSender(
        None,
        lambda _pid: ChatRecipient(person_id=person, chat_id="42", language="zh", roles=frozenset()),
        token=TOKEN,
        request=http_request(),
    )

    async def go() -> bool:
        result = await sender.send(
            Delivery(uuid.uuid4(), person, "report.filed", {"title": "t", "body": "b"}, attempt=1)
        )
        await sender.aclose()
        return result.ok

    assert asyncio.run(go())
    assert any("sendMessage" in r.getMessage() for r in caplog.records)
    assert leaked(caplog) == []


def test_the_filter_rewrites_urls_paths_and_exceptions() -> None:
    f = RedactTelegramSecrets({TOKEN})
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        "GET %s -> %r",
        (f"https://api.telegram.org/file/bot{TOKEN}/{FILE_PATH}", {"file_path": FILE_PATH}),
        None,
    )
    try:
        raise RuntimeError(f"boom at https://api.telegram.org/bot{TOKEN}/getFile")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    assert f.filter(record)
    text = logging.Formatter().format(record)
    assert TOKEN not in text and FILE_PATH not in text
    assert "/file/bot<redacted>/<redacted>" in text and "'file_path': '<redacted>'" in text
