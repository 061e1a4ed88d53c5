"""Helpers of the field-operator and owner chat tests: photo, location and live-location updates,
file downloads answered with canned JPEG bytes, pressing buttons by label, restarting the bot, and
delivering the outbox through the real worker and Telegram sender (pushes pressed as they were sent)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from telegram.request import RequestData

from api.app import create_app
from api.demo import demo_photo
from api.deps import AppState
from engine.db import unit_of_work
from tests.bots.conftest import RecordingRequest, Tg, buttons, telegram_state


class FileRecordingRequest(RecordingRequest):
    """A :class:`RecordingRequest` that also serves ``getFile`` and file downloads (canned JPEGs)."""

    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, bytes] = {}

    def add_file(self, file_id: str, content: bytes) -> None:
        """Make ``file_id`` downloadable with ``content``."""
        self.files[file_id] = content

    async def do_request(  # type: ignore[override]  # the timeouts are irrelevant offline
        self, url: str, method: str, request_data: RequestData | None = None, **timeouts: Any
    ) -> tuple[int, bytes]:
        api = url.rsplit("/", 1)[-1]
        if method == "GET" and "/file/bot" in url:
            self.calls.append(("download", {}, False))
            file_id = api.removesuffix(".jpg")
            return (200, self.files[file_id]) if file_id in self.files else (404, b"")
        if api == "getFile" and request_data is not None:
            file_id = str(request_data.parameters["file_id"])
            self.calls.append((api, {"file_id": file_id}, False))
            result = {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_size": len(self.files.get(file_id, b"")),
                "file_path": f"photos/{file_id}.jpg",
            }
            return 200, json.dumps({"ok": True, "result": result}).encode()
        return await super().do_request(url, method, request_data, **timeouts)


def jpeg(seed: int) -> bytes:
    """A small real JPEG made by Pillow."""
    return demo_photo("chat", seed=seed, size=(96, 72))


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def send_photo(tg: Tg, uid: int, file_id: str, content: bytes) -> None:
    """The user sends a photo (Telegram gives several sizes; the bot takes the largest)."""
    assert isinstance(tg.request, FileRecordingRequest)
    tg.request.add_file(file_id, content)
    update = tg.message_update(uid, "")
    del update["message"]["text"]
    update["message"]["photo"] = [
        {"file_id": f"{file_id}-thumb", "file_unique_id": "t", "width": 90, "height": 68},
        {"file_id": file_id, "file_unique_id": file_id, "width": 96, "height": 72, "file_size": len(content)},
    ]
    assert tg.post(update).status_code == 200


def send_document(
    tg: Tg, uid: int, file_id: str, content: bytes, mime: str, name: str = "IMG_0001.jpg"
) -> None:
    """The user sends a file (e.g. a photo "as a file", uncompressed) with its MIME type."""
    assert isinstance(tg.request, FileRecordingRequest)
    tg.request.add_file(file_id, content)
    update = tg.message_update(uid, "")
    del update["message"]["text"]
    update["message"]["document"] = {
        "file_id": file_id,
        "file_unique_id": file_id,
        "file_name": name,
        "mime_type": mime,
        "file_size": len(content),
    }
    assert tg.post(update).status_code == 200


def send_location(tg: Tg, uid: int, lat: float, lon: float, *, live: bool = False) -> int:
    """The user shares a location (``live``: with a live period); returns the message id."""
    update = tg.message_update(uid, "")
    del update["message"]["text"]
    update["message"]["location"] = {"latitude": lat, "longitude": lon} | (
        {"live_period": 900} if live else {}
    )
    assert tg.post(update).status_code == 200
    return int(update["message"]["message_id"])


def move_live_location(tg: Tg, uid: int, message_id: int, lat: float, lon: float) -> None:
    """A live-location update: Telegram sends it as ``edited_message``."""
    msg = {
        "message_id": message_id,
        "date": 1_790_000_000,
        "edit_date": 1_790_000_060,
        "chat": {"id": uid, "type": "private"},
        "from": tg.user(uid),
        "location": {"latitude": lat, "longitude": lon, "live_period": 900},
    }
    assert tg.post({"update_id": next(tg._update_ids), "edited_message": msg}).status_code == 200


def last_card(tg: Tg) -> dict[str, Any]:
    """Parameters of the last sent message that had buttons."""
    return next(p for p in reversed(tg.request.sent()) if buttons(p))


def press_label(tg: Tg, uid: int, label: str, message_id: int = 555) -> str:
    """Press the first button containing ``label`` on the last card with buttons; returns its data."""
    assert label, "name the button to press"
    card = last_card(tg)
    data = next((d for text, d in buttons(card) if label in text), None)
    assert data is not None, f"no button {label!r} in {buttons(card)}"
    tg.press(uid, data, message_id)
    return data


@contextmanager
def restarted_bot(state: AppState, tg: Tg) -> Iterator[Tg]:
    """A brand-new FastAPI app and PTB Application on the same database (a process restart);
    update ids continue (Telegram's counter)."""
    st = telegram_state(state)
    app = create_app(st.settings, state=st)
    app.state.telegram_request = tg.request
    with TestClient(app) as client:
        fresh = Tg(client, tg.request)
        fresh._update_ids = tg._update_ids
        fresh._msg_ids = tg._msg_ids
        yield fresh


class FakeTime:
    """Monotonic time and sleep for the outbox worker's rate limits: sleeping advances time at once."""

    def __init__(self) -> None:
        self.t = 1000.0

    def monotonic(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += max(0.0, seconds)


def deliver_pushes(tg: Tg, state: AppState) -> list[dict[str, Any]]:
    """Deliver every due outbox row through the app's sender router (the Telegram sender for bound
    people) with the real :class:`~engine.outbox.worker.OutboxWorker`; rows the per-chat pacing
    deferred are delivered after moving the test clock a few seconds. Returns the messages sent."""
    from engine.outbox.worker import OutboxWorker
    from workflows.notifications.models import OutboxMessage

    app: Any = tg.client.app
    fake = FakeTime()
    worker = OutboxWorker(
        state.sessions,
        app.state.senders,
        state.settings.outbox,
        state.clock,
        monotonic=fake.monotonic,
        sleep=fake.sleep,
    )
    before = len(tg.request.calls)
    portal = tg.client.portal
    assert portal is not None
    for _ in range(10):
        portal.call(worker.drain)
        with unit_of_work(state.sessions) as s:
            waiting = s.query(OutboxMessage).filter(OutboxMessage.state == "pending").count()
        if not waiting:
            break
        state.clock.advance(timedelta(seconds=3))  # type: ignore[attr-defined]  # the FrozenClock
    return [p for a, p, _ in tg.request.calls[before:] if a in ("sendMessage", "sendDocument", "sendPhoto")]


def push_to(pushes: list[dict[str, Any]], uid: int, title: str) -> dict[str, Any]:
    """The push sent to chat ``uid`` whose text starts with ``title`` (exactly one)."""
    found = [
        p for p in pushes if str(p.get("chat_id")) == str(uid) and str(p.get("text", "")).startswith(title)
    ]
    assert len(found) == 1, (title, [(p.get("chat_id"), p.get("text")) for p in pushes])
    return found[0]


def press_on(tg: Tg, uid: int, message: dict[str, Any], label: str, message_id: int = 555) -> str:
    """Press the button containing ``label`` on ``message`` (a push or card actually sent)."""
    data = next((d for text, d in buttons(message) if label in text), None)
    assert data is not None, f"no button {label!r} in {buttons(message)}"
    tg.press(uid, data, message_id)
    return data
