"""The signed token carried by a report's QR code (``/verify/{token}``).

Token format (version 1), URL-safe base64 without padding, 87 characters::

    byte 0        version, 0x01
    bytes 1-16    report id (UUID, 16 raw bytes)
    bytes 17-48   content SHA-256 (32 raw bytes), see report_content_sha256()
    bytes 49-64   HMAC-SHA256(secret, b"fireops.verify.v1" + bytes 0-48), first 16 bytes

Why a *content* hash and not the PDF's hash: the QR code is printed inside the PDF, so it cannot
contain the hash of the file that contains it. The token binds the report id to the SHA-256 of the
report's content (:func:`workflows.reports.report_data.report_content_sha256`, which leaves out
``verify_url``). The verification page looks the report up by id, checks the stored
``content_sha256`` matches the token, and separately shows the SHA-256 of the stored PDF file, so a
holder can compare the file they were given.

A 128-bit truncated MAC keeps the QR small (version 7 at level M for a typical URL) while forging
stays out of reach (2^-128 per guess).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from uuid import UUID

from engine.errors import NotFound

TOKEN_VERSION = 1
MAC_BYTES = 16
_MAC_DOMAIN = b"fireops.verify.v1"
_PAYLOAD_BYTES = 1 + 16 + 32
TOKEN_CHARS = 87
"""Length of a version-1 token: ceil((49 + 16) * 4 / 3) base64 characters, unpadded."""
_TOKEN_RE = re.compile(rf"[A-Za-z0-9_-]{{{TOKEN_CHARS}}}")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class VerifyClaims:
    """What a valid token asserts: this report id had this content hash when it was signed."""

    report_id: UUID
    content_sha256: str


def _mac(payload: bytes, secret: bytes) -> bytes:
    return hmac.new(secret, _MAC_DOMAIN + payload, hashlib.sha256).digest()[:MAC_BYTES]


def make_verify_token(report_id: UUID, content_sha256: str, secret: bytes) -> str:
    """Sign a report id and its content hash for the QR code.

    Args:
        report_id: ``Report.id`` (UUID4).
        content_sha256: :func:`~workflows.reports.report_data.report_content_sha256` of the report's
            data, 64 hex digits (either case; stored lowercase).
        secret: The settings' secret key, at least 16 bytes.

    Returns:
        An 87-character URL-safe token (format in the module docstring).

    Raises:
        ValueError: ``content_sha256`` is not 64 hex digits, or ``secret`` is shorter than 16 bytes.
    """
    digest = content_sha256.lower()
    if not _SHA256_RE.fullmatch(digest):
        raise ValueError("content_sha256 must be 64 hex digits")
    if len(secret) < 16:
        raise ValueError("the verification secret must be at least 16 bytes")
    payload = bytes([TOKEN_VERSION]) + report_id.bytes + bytes.fromhex(digest)
    raw = payload + _mac(payload, secret)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def read_verify_token(token: str, secret: bytes) -> VerifyClaims:
    """Check a token's signature and return what it claims.

    Args:
        token: The last path segment of the verification URL, untrusted.
        secret: The same secret that signed it.

    Returns:
        The report id and content hash (lowercase hex) the token was made for.

    Raises:
        NotFound: (code ``invalid_token``, 404) garbled, truncated, of another version, or not signed
            with ``secret``; the caller learns nothing about why.
    """
    invalid = NotFound("二维码无效或已被篡改（invalid verification token）", code="invalid_token")
    if not _TOKEN_RE.fullmatch(token):
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(token + "=")
    except (binascii.Error, ValueError):
        raise invalid from None
    # Reject non-canonical spellings (stray low bits in the last character) so a token has one form.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != token:
        raise invalid
    payload, mac = raw[:_PAYLOAD_BYTES], raw[_PAYLOAD_BYTES:]
    if not hmac.compare_digest(mac, _mac(payload, secret)) or payload[0] != TOKEN_VERSION:
        raise invalid
    return VerifyClaims(report_id=UUID(bytes=payload[1:17]), content_sha256=payload[17:].hex())


def verify_url(base_url: str, token: str) -> str:
    """The public verification URL the QR code encodes, e.g. ``https://x.cn/verify/AQ…``."""
    return f"{base_url.rstrip('/')}/verify/{token}"
