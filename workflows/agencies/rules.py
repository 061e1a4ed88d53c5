"""Pure rules of agency and owner master data: the unified social credit code (SPEC §3).

统一社会信用代码 (USCC) per GB 32100-2015: 18 characters from ``0-9`` and the uppercase letters
except I, O, Z, S, V::

    9 1 350100 M000100Y4 3
    │ │ │      │         └ 18    check character over positions 1-17 (mod 31)
    │ │ │      └────────── 9-17  主体标识码 = organisation code per GB 11714-1997, with its own
    │ │ │                        check character (mod 11) in position 17
    │ │ └───────────────── 3-8   administrative division code of the registering authority (digits)
    │ └─────────────────── 2     organisation category
    └───────────────────── 1     registering department

Positions 1-2 are only checked against the character set: the department and category code
lists have grown since 2015 and both check characters already catch mistyped codes.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from engine.errors import InvalidInput

USCC_CHARSET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of GB 32100-2015, in value order (``0`` = 0 … ``Y`` = 30)."""

USCC_WEIGHTS: Final = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
"""GB 32100-2015 weights of positions 1-17 (``3**(i-1) mod 31``)."""

ORG_CODE_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)
"""GB 11714-1997 weights of the 8 body characters of an organisation code."""

_VALUES: Final = {c: i for i, c in enumerate(USCC_CHARSET)}


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character (position 18) of 17 code characters.

    Args:
        first17: Positions 1-17, uppercase, each in :data:`USCC_CHARSET`.

    Returns:
        ``USCC_CHARSET[(31 - Σ value·weight mod 31) mod 31]``.

    Raises:
        ValueError: not 17 characters of the charset.
    """
    if len(first17) != 17 or any(c not in _VALUES for c in first17):
        raise ValueError(f"expected 17 characters of {USCC_CHARSET}, got {first17!r}")
    total = sum(_VALUES[c] * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def org_code_check_char(body8: str) -> str:
    """The GB 11714-1997 check character of an organisation code's 8 body characters.

    Args:
        body8: 8 characters, digits or uppercase letters (``A`` = 10 … ``Z`` = 35).

    Returns:
        ``11 - Σ value·weight mod 11``, written ``X`` for 10 and ``0`` for 11.

    Raises:
        ValueError: not 8 digits/uppercase ASCII letters.
    """
    if len(body8) != 8 or not all(c.isascii() and (c.isdigit() or c.isupper()) for c in body8):
        raise ValueError(f"expected 8 digits or uppercase letters, got {body8!r}")
    total = sum(int(c, 36) * w for c, w in zip(body8, ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def normalise_uscc(code: str) -> str:
    """``code`` with full-width characters folded (NFKC), surrounding blanks stripped, uppercased."""
    return unicodedata.normalize("NFKC", code).strip().upper()


def validate_uscc(code: str, *, field: str = "uscc") -> str:
    """Check a unified social credit code (统一社会信用代码) per GB 32100-2015.

    Args:
        code: The code as typed; full-width characters, surrounding blanks and lowercase are accepted.
        field: Name of the input field reported in the error.

    Returns:
        The normalised 18-character code (uppercase, stripped).

    Raises:
        InvalidInput: (422, ``field``) wrong length, a character outside the GB 32100 set,
            non-digits in positions 3-8, a wrong GB 11714 organisation-code check character
            (position 17) or a wrong GB 32100 check character (position 18).
    """
    normal = normalise_uscc(code)
    if len(normal) != 18:
        raise InvalidInput(field, f"统一社会信用代码应为18位，现为{len(normal)}位 / a USCC has 18 characters")
    bad = sorted({c for c in normal if c not in _VALUES})
    if bad:
        raise InvalidInput(
            field,
            f"统一社会信用代码含非法字符 {''.join(bad)}（不使用I、O、Z、S、V）"
            f" / characters not allowed in a USCC: {''.join(bad)}",
        )
    if not normal[2:8].isdigit():
        raise InvalidInput(
            field,
            "统一社会信用代码第3-8位应为行政区划码数字 / positions 3-8 must be a division code (digits)",
        )
    if org_code_check_char(normal[8:16]) != normal[16]:
        raise InvalidInput(
            field,
            "统一社会信用代码第9-17位组织机构代码校验位错误 (GB 11714)"
            " / the organisation code in positions 9-17 has a wrong check character",
        )
    if uscc_check_char(normal[:17]) != normal[17]:
        raise InvalidInput(
            field, "统一社会信用代码校验位错误 (GB 32100) / the USCC check character (position 18) is wrong"
        )
    return normal


def validate_owner_uscc(code: str | None, *, field: str = "uscc") -> str | None:
    """Check an owner's USCC, which is ``NULL`` for non-enterprise units (SPEC §3).

    Args:
        code: The code, ``None``, a blank string or the literal ``NULL`` (any case).
        field: Name of the input field reported in the error.

    Returns:
        ``None`` for ``None``/blank/``NULL``; otherwise the normalised code.

    Raises:
        InvalidInput: (422, ``field``) see :func:`validate_uscc`.
    """
    if code is None:
        return None
    normal = normalise_uscc(code)
    if normal in {"", "NULL"}:
        return None
    return validate_uscc(normal, field=field)
