"""Tables of the chat front ends (issue 4): bindings, binding codes, seen Telegram updates, dialogs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, IdMixin


class ChatBinding(IdMixin, Base):
    """One chat account bound to one person per channel (R-ROLE-6).

    Attributes:
        person_id: The bound person; unique per channel.
        channel: ``telegram`` (``wechat`` next).
        external_user_id: The channel's user id (Telegram ``from.id`` as a string); unique per channel.
        chat_id: Where pushes go (Telegram private chat id as a string).
        language: ``zh`` or ``en``.
        bound_at: When the binding was made.
    """

    __tablename__ = "chat_binding"
    __table_args__ = (
        UniqueConstraint("channel", "person_id"),
        UniqueConstraint("channel", "external_user_id"),
    )

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    external_user_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="zh")
    bound_at: Mapped[datetime]


class ChatBindingCode(IdMixin, Base):
    """A one-time binding code: only its SHA-256 is stored; it expires and is used at most once."""

    __tablename__ = "chat_binding_code"

    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    issued_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class TelegramUpdate(Base):
    """An ``update_id`` already processed (Telegram redelivers on timeouts); pruned after a few days."""

    __tablename__ = "telegram_update"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seen_at: Mapped[datetime] = mapped_column(index=True)


class ChatDialog(Base):
    """The one multi-step dialog a person has open in a channel (drafts survive restarts)."""

    __tablename__ = "chat_dialog"

    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
