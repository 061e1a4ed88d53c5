"""The QR verification token: signed, compact, and refused when touched."""

from __future__ import annotations

import base64
import hashlib
import uuid

import pytest

from engine.errors import NotFound
from workflows.reports.verification import (
    TOKEN_CHARS,
    VerifyClaims,
    make_verify_token,
    read_verify_token,
    verify_url,
)

SECRET = b"test-secret-0123456789abcdef"
REPORT_ID = uuid.UUID("7d1f4c1e-2b7a-4f37-9d0e-3a6b9c2d1e50")
CONTENT = hashlib.sha256(b"report content").hexdigest()


@pytest.fixture
def token() -> str:
    return make_verify_token(REPORT_ID, CONTENT, SECRET)


def flip_char(token: str, index: int) -> str:
    replacement = "A" if token[index] != "A" else "B"
    return token[:index] + replacement + token[index + 1 :]


class TestMakeVerifyToken:
    def test_round_trip(self, token: str) -> None:
        assert read_verify_token(token, SECRET) == VerifyClaims(report_id=REPORT_ID, content_sha256=CONTENT)

    def test_is_compact_and_url_safe(self, token: str) -> None:
        assert len(token) == TOKEN_CHARS < 120
        assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    def test_is_deterministic(self, token: str) -> None:
        assert make_verify_token(REPORT_ID, CONTENT.upper(), SECRET) == token

    def test_differs_per_report_and_content(self, token: str) -> None:
        assert make_verify_token(uuid.uuid4(), CONTENT, SECRET) != token
        assert make_verify_token(REPORT_ID, hashlib.sha256(b"other").hexdigest(), SECRET) != token

    @pytest.mark.parametrize("digest", ["", "abc", "g" * 64, CONTENT + "00"])
    def test_refuses_a_malformed_hash(self, digest: str) -> None:
        with pytest.raises(ValueError, match="64 hex digits"):
            make_verify_token(REPORT_ID, digest, SECRET)

    def test_refuses_a_short_secret(self) -> None:
        with pytest.raises(ValueError, match="at least 16 bytes"):
            make_verify_token(REPORT_ID, CONTENT, b"short")


class TestReadVerifyToken:
    @pytest.mark.parametrize("index", [0, 1, 10, 30, 66, 70, 86])
    def test_tampered_token_is_rejected(self, token: str, index: int) -> None:
        with pytest.raises(NotFound) as caught:
            read_verify_token(flip_char(token, index), SECRET)
        assert caught.value.code == "invalid_token"
        assert caught.value.status_code == 404

    def test_swapped_content_hash_is_rejected(self, token: str) -> None:
        raw = bytearray(base64.urlsafe_b64decode(token + "="))
        raw[17:49] = hashlib.sha256(b"forged").digest()
        forged = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
        with pytest.raises(NotFound):
            read_verify_token(forged, SECRET)

    def test_wrong_secret_is_rejected(self, token: str) -> None:
        with pytest.raises(NotFound):
            read_verify_token(token, b"another-secret-0123456789")

    @pytest.mark.parametrize(
        "garbled",
        ["", "abc", "not a token", *(c * TOKEN_CHARS for c in "A!=é")],
    )
    def test_garbage_is_rejected(self, garbled: str) -> None:
        with pytest.raises(NotFound):
            read_verify_token(garbled, SECRET)

    def test_truncated_and_extended_tokens_are_rejected(self, token: str) -> None:
        for bad in (token[:-1], token + "A", token + "=", token[:64]):
            with pytest.raises(NotFound):
                read_verify_token(bad, SECRET)

    def test_non_canonical_last_character_is_rejected(self, token: str) -> None:
        # 65 bytes leave 2 unused low bits in the last base64 character; another spelling of the same
        # bytes must not verify, so each report has exactly one token.
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        last = alphabet.index(token[-1])
        variant = token[:-1] + alphabet[last | 1]
        assert base64.urlsafe_b64decode(variant + "=") == base64.urlsafe_b64decode(token + "=")
        with pytest.raises(NotFound):
            read_verify_token(variant, SECRET)


class TestVerifyUrl:
    def test_joins_without_double_slash(self, token: str) -> None:
        assert (
            verify_url("https://fireops.example.cn/", token) == f"https://fireops.example.cn/verify/{token}"
        )
        assert verify_url("https://fireops.example.cn", token) == f"https://fireops.example.cn/verify/{token}"
