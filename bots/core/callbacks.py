"""Versioned, short, untrusted callback data: ``v1:<noun>:<verb>:<id32hex>[:<arg>]`` (≤ 64 bytes).

Nouns and verbs are 1-8 characters ``[a-z_]``; ``id`` is a UUID as 32 hex digits; ``arg`` is
0-16 characters ``[A-Za-z0-9_.-]``. Decoding never raises: anything malformed, of another version or
too long gives ``None``. Decoded data is still untrusted: handlers re-check identity, role and scope
through the services.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Final

VERSION: Final = "v1"
MAX_BYTES: Final = 64
_PATTERN: Final = re.compile(r"^v1:([a-z_]{1,8}):([a-z_]{1,8}):([0-9a-f]{32})(?::([A-Za-z0-9_.\-]{0,16}))?$")


@dataclass(frozen=True)
class Callback:
    """A decoded button press."""

    noun: str
    verb: str
    id: uuid.UUID
    arg: str | None = None


def encode(noun: str, verb: str, id_: uuid.UUID, arg: str | int | None = None) -> str:
    """Encode a button's data.

    Raises:
        ValueError: a part has forbidden characters or the result exceeds 64 bytes (programming error).
    """
    data = f"{VERSION}:{noun}:{verb}:{id_.hex}" + ("" if arg is None else f":{arg}")
    if len(data.encode()) > MAX_BYTES or decode(data) is None:
        raise ValueError(f"bad callback data: {data!r}")
    return data


def decode(data: str | None) -> Callback | None:
    """Decode button data; ``None`` for anything malformed (never raises)."""
    if not data or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    m = _PATTERN.match(data)
    if m is None:
        return None
    return Callback(noun=m.group(1), verb=m.group(2), id=uuid.UUID(hex=m.group(3)), arg=m.group(4))


def pattern(noun: str) -> str:
    """The regex a transport uses to route presses of ``noun`` buttons (``^v1:<noun>:``)."""
    return rf"^{VERSION}:{re.escape(noun)}:"
