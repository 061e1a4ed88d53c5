"""A chat transcript recorder: drives the real bot with real Update JSON (through :class:`Tg`) and
writes down what each person did and what the bot actually sent back (texts, buttons, edited cards,
photos, documents, pushes delivered by the outbox worker).

``tests/bots/test_readme_transcript.py`` uses it to produce the transcript in the README's
"Telegram bot" section, so that transcript is a real offline run, not prose.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from api.deps import AppState
from tests.bots.conftest import Tg, buttons
from tests.bots.field_chat import deliver_pushes, jpeg, send_location, send_photo

SHOWN = ("sendMessage", "editMessageText", "sendPhoto", "sendMediaGroup", "sendDocument")
CODE = re.compile(r"^/start \S+$")


@dataclass
class Person:
    """Someone in the transcript: Telegram user id, name and role as shown."""

    uid: int
    name: str
    role: str


@dataclass
class Transcript:
    """Records a chat session line by line (see the module doc)."""

    tg: Tg
    state: AppState
    people: dict[str, Person]
    lines: list[str] = field(default_factory=list)
    _seen: int = 0
    _quiet: bool = False

    # --- what people do --------------------------------------------------------------------------
    def _who(self, key: str) -> Person:
        return self.people[key]

    def _act(self, key: str, what: str) -> None:
        p = self._who(key)
        if not self._quiet:
            self.lines.append(f"{p.name}（{p.role}）▸ {what}")

    def note(self, text: str) -> None:
        """A line of narration (what happens off-chat)."""
        self._flush()
        self.lines.append(f"   ⋯ {text}")

    def say(self, key: str, text: str) -> None:
        self._flush()
        self._act(key, "/start <绑定码>" if CODE.match(text) else text)
        self.tg.say(self._who(key).uid, text)
        self._flush()

    def press(self, key: str, label: str, *, message_id: int = 555, on: str = "") -> str:
        """Press the button containing ``label`` on the newest card the bot sent this person (whose
        text starts with ``on``, to go back to an earlier card)."""
        self._flush()
        uid = self._who(key).uid
        card = next(
            p
            for p in reversed(self.tg.request.sent())
            if buttons(p)
            and str(p.get("chat_id")) == str(uid)
            and str(p.get("text") or p.get("caption") or "").startswith(on)
        )
        text, data = next((t, d) for t, d in buttons(card) if label in t)
        self._act(key, f"[{text}]")
        self.tg.press(uid, data, message_id)
        self._flush()
        return data

    def photo(self, key: str, name: str, seed: int) -> None:
        self._flush()
        self._act(key, "📷 照片")
        send_photo(self.tg, self._who(key).uid, name, jpeg(seed))
        self._flush()

    def location(self, key: str, lat: float, lon: float) -> None:
        self._flush()
        self._act(key, f"📍 位置 {lat:.4f}, {lon:.4f}")
        send_location(self.tg, self._who(key).uid, lat, lon)
        self._flush()

    def pushes(self) -> None:
        """Deliver the outbox through the real worker and the Telegram sender; show each push (the
        worker sends several at once, so they are listed by recipient, then text)."""
        self._flush()
        before = len(self.tg.request.calls)
        deliver_pushes(self.tg, self.state)
        order = [str(p.uid) for p in self.people.values()]
        sent = [(api, params) for api, params, _ in self.tg.request.calls[before:] if api in SHOWN]
        sent.sort(key=lambda x: (order.index(str(x[1].get("chat_id"))), str(x[1].get("text"))))
        for api, params in sent:
            self._render(api, params, push=True)
        self._seen = len(self.tg.request.calls)

    class _Quiet:
        def __init__(self, outer: Transcript, summary: str) -> None:
            self.outer, self.summary = outer, summary

        def __enter__(self) -> None:
            self.outer._flush()
            self.outer._quiet = True

        def __exit__(self, *_exc: object) -> None:
            self.outer._seen = len(self.outer.tg.request.calls)
            self.outer._quiet = False
            self.outer.lines.append(f"   ⋯ {self.summary}")

    def quietly(self, summary: str) -> Transcript._Quiet:
        """A block whose actions and answers are summarised in one line."""
        return Transcript._Quiet(self, summary)

    # --- what the bot sent -----------------------------------------------------------------------
    def _flush(self) -> None:
        calls = self.tg.request.calls
        if not self._quiet:
            for api, params, _ in calls[self._seen :]:
                if api in SHOWN:
                    self._render(api, params)
        self._seen = len(calls)

    def _name_of(self, chat_id: Any) -> str:
        return next((p.name for p in self.people.values() if str(p.uid) == str(chat_id)), str(chat_id))

    def _render(self, api: str, params: dict[str, Any], *, push: bool = False) -> None:
        head = f"   🔔 推送 → {self._name_of(params.get('chat_id'))}：" if push else "   🤖 "
        body: list[str]
        if api == "sendMediaGroup":
            media = params.get("media") or []
            body = [f"🖼 照片 ×{len(media) if isinstance(media, list) else 1}"]
        elif api == "sendPhoto":
            body = ["🖼 照片", *str(params.get("caption") or "").splitlines()]
        elif api == "sendDocument":
            body = ["📄 PDF 文件", *str(params.get("caption") or "").splitlines()]
        elif api == "editMessageText":
            body = ["✏️（卡片更新，按钮已移除）", *str(params.get("text") or "").splitlines()]
        else:
            body = str(params.get("text") or "").splitlines()
        markup = params.get("reply_markup") or {}
        if isinstance(markup, str):
            markup = json.loads(markup)
        rows = [" ".join(f"[{b['text']}]" for b in row) for row in markup.get("inline_keyboard", [])]
        pad = "      "
        if push:
            self.lines.append(head)
            self.lines.extend(pad + text for text in [*body, *rows])
            return
        for i, text in enumerate([*body, *rows]):
            self.lines.append((head if i == 0 else pad) + text)

    def text(self) -> str:
        """The transcript so far."""
        self._flush()
        return "\n".join(line.rstrip() for line in self.lines) + "\n"
