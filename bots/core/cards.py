"""Channel-neutral messages: a text, optional photo or document, and rows of buttons."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Button:
    """One button: ``data`` is callback data (:mod:`bots.core.callbacks`) or ``url`` a link."""

    text: str
    data: str | None = None
    url: str | None = None


@dataclass
class Card:
    """What one message shows.

    Attributes:
        text: Plain text (no markup), ≤ 4096 characters for Telegram (1024 as a caption).
        buttons: Rows of buttons.
        document: ``(file name, bytes)`` sent as a file (reports as PDF).
        photo: JPEG/PNG bytes sent as a picture with ``text`` as caption.
    """

    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    document: tuple[str, bytes] | None = None
    photo: bytes | None = None
