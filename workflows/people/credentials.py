"""Passwords (bcrypt) and bearer tokens (JWT, HS256) for the OAuth2 password flow.

A token carries the person id and their ``session_version``; logging in again bumps the version,
so only the newest token is live (R-ROLE-6: one live session per account).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import bcrypt
import jwt

from engine.errors import Unauthorized


def hash_password(password: str, *, rounds: int = 12) -> str:
    """A bcrypt hash of ``password`` (UTF-8, at most 72 bytes are significant); ``rounds`` = log2 cost."""
    return bcrypt.hashpw(password.encode("utf-8")[:72], bcrypt.gensalt(rounds=rounds)).decode("ascii")


def check_password(password: str, password_hash: str | None) -> bool:
    """Whether ``password`` matches ``password_hash`` (``False`` when no password is set)."""
    if not password_hash:
        return False
    return bcrypt.checkpw(password.encode("utf-8")[:72], password_hash.encode("ascii"))


def make_token(person_id: uuid.UUID, session_version: int, *, secret: str, now: datetime, ttl_s: int) -> str:
    """A signed bearer token valid for ``ttl_s`` seconds."""
    claims = {
        "sub": str(person_id),
        "sv": session_version,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_s)).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def read_token(token: str, *, secret: str, now: datetime) -> tuple[uuid.UUID, int]:
    """``(person_id, session_version)`` from a token.

    Raises:
        Unauthorized: bad signature, malformed or expired (checked against ``now``).
    """
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"verify_exp": False})
        if int(claims["exp"]) < int(now.timestamp()):
            raise Unauthorized("登录已过期，请重新登录 / token expired, log in again")
        return uuid.UUID(claims["sub"]), int(claims["sv"])
    except (jwt.PyJWTError, KeyError, ValueError) as exc:
        raise Unauthorized("无效的登录凭证 / invalid token") from exc
