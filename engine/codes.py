"""Short human codes (``P-2026-0012``, ``F-0042``) shown in chat, from a locked counter row."""

from __future__ import annotations

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.db import Base


class CodeCounter(Base):
    """The last number handed out for a code prefix."""

    __tablename__ = "code_counter"

    prefix: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


def next_code(session: Session, prefix: str, *, width: int = 4) -> str:
    """The next code for ``prefix``, e.g. ``next_code(s, "T-2026")`` → ``"T-2026-0001"``.

    The counter row is locked ``FOR UPDATE`` so concurrent transactions never share a number.
    """
    row = session.scalars(select(CodeCounter).where(CodeCounter.prefix == prefix).with_for_update()).first()
    if row is None:
        row = CodeCounter(prefix=prefix, value=0)
        session.add(row)
    row.value += 1
    session.flush()
    return f"{prefix}-{row.value:0{width}d}"
