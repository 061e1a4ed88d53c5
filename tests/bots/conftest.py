"""Offline Telegram fixtures: the real PTB Application inside the real FastAPI app, a recording
``BaseRequest`` instead of HTTP (no network), and helpers that post real Update JSON to the webhook."""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from telegram.request import BaseRequest, RequestData

from api.app import create_app
from api.deps import AppState
from engine.settings import TelegramSettings

BOT = {"id": 999, "is_bot": True, "first_name": "fireops", "username": "fireops_bot"}
SECRET = "test-secret_123"


class RecordingRequest(BaseRequest):
    """Records every Bot API call and answers with canned JSON (``responses`` overrides per method)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any], bool]] = []
        self.uploads: list[tuple[str, bytes]] = []  # (method, bytes of the uploaded file)
        self.responses: dict[str, tuple[int, dict[str, Any]]] = {}
        self._ids = itertools.count(100)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float:
        return 1.0

    async def do_request(  # type: ignore[override]  # the timeouts are irrelevant offline
        self, url: str, method: str, request_data: RequestData | None = None, **_timeouts: Any
    ) -> tuple[int, bytes]:
        api = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        self.calls.append((api, params, bool(request_data and request_data.contains_files)))
        if request_data is not None and request_data.contains_files:
            for part in (request_data.multipart_data or {}).values():
                content = part[1] if isinstance(part, tuple) else part
                if isinstance(content, bytes):
                    self.uploads.append((api, content))
        if api in self.responses:
            status, body = self.responses[api]
            return status, json.dumps(body).encode()
        result: Any
        if api == "getMe":
            result = BOT
        elif api in ("answerCallbackQuery", "setWebhook", "deleteWebhook"):
            result = True
        elif api == "sendMediaGroup":
            result = [self._message(params) for _ in params.get("media", [1])]
        else:
            result = self._message(params)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "message_id": next(self._ids),
            "date": 0,
            "chat": {"id": int(params.get("chat_id", 0) or 0), "type": "private"},
            "text": params.get("text") or "",
        }

    def sent(self, *apis: str) -> list[dict[str, Any]]:
        """Parameters of the calls of these methods (all sends by default)."""
        wanted = apis or ("sendMessage", "sendDocument", "sendPhoto", "editMessageText", "sendMediaGroup")
        return [p for a, p, _ in self.calls if a in wanted]

    def texts(self) -> list[str]:
        """Texts of sent and edited messages, and captions."""
        return [str(p.get("text") or p.get("caption") or "") for p in self.sent()]

    def clear(self) -> None:
        self.calls.clear()


def buttons(params: dict[str, Any]) -> list[tuple[str, str]]:
    """``(text, callback_data)`` of an inline keyboard in sent parameters."""
    markup = params.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]


class Tg:
    """Posts Update JSON to the webhook like Telegram does."""

    def __init__(self, client: TestClient, request: RecordingRequest) -> None:
        self.client = client
        self.request = request
        self._update_ids = itertools.count(1000)
        self._msg_ids = itertools.count(1)

    def post(self, update: dict[str, Any], secret: str | None = SECRET) -> Any:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        return self.client.post("/bots/telegram/webhook", json=update, headers=headers)

    @staticmethod
    def user(uid: int, lang: str = "zh-hans") -> dict[str, Any]:
        return {"id": uid, "is_bot": False, "first_name": f"u{uid}", "language_code": lang}

    def message_update(self, uid: int, text: str, **extra: Any) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "message_id": next(self._msg_ids),
            "date": 1_790_000_000,
            "chat": {"id": uid, "type": "private"},
            "from": self.user(uid),
            "text": text,
        }
        if text.startswith("/"):
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        msg.update(extra)
        return {"update_id": next(self._update_ids), "message": msg}

    def say(self, uid: int, text: str) -> Any:
        r = self.post(self.message_update(uid, text))
        assert r.status_code == 200, r.text
        return r

    def press_update(self, uid: int, data: str, message_id: int = 555) -> dict[str, Any]:
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": f"q{next(self._msg_ids)}",
                "from": self.user(uid),
                "chat_instance": "ci",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": 1_790_000_000,
                    "chat": {"id": uid, "type": "private"},
                    "from": BOT,
                    "text": "card",
                },
            },
        }

    def press(self, uid: int, data: str, message_id: int = 555) -> Any:
        r = self.post(self.press_update(uid, data, message_id))
        assert r.status_code == 200, r.text
        return r


def telegram_state(state: AppState) -> AppState:
    """``state`` with a bot token and webhook secret configured."""
    tg = TelegramSettings(bot_token=SecretStr("1:TEST"), webhook_secret=SecretStr(SECRET))
    return dataclasses.replace(state, settings=state.settings.model_copy(update={"telegram": tg}))


@pytest.fixture
def tg_request() -> RecordingRequest:
    return RecordingRequest()


@pytest.fixture
def tg(state: AppState, tg_request: RecordingRequest) -> Iterator[Tg]:
    """The API app with the bot running on the recording request."""
    st = telegram_state(state)
    app = create_app(st.settings, state=st)
    app.state.telegram_request = tg_request
    with TestClient(app) as client:
        yield Tg(client, tg_request)


def bind(tg: Tg, client: TestClient, admin_headers: dict[str, str], person_id: str, uid: int) -> None:
    """Issue a binding code as the admin and send ``/start <code>`` from Telegram user ``uid``."""
    r = client.post(f"/api/v1/people/{person_id}/chat-binding-code", headers=admin_headers)
    assert r.status_code == 201, r.text
    tg.say(uid, f"/start {r.json()['code']}")
    assert "✅" in tg.request.texts()[-1], tg.request.texts()[-1]
