"""Content check of uploaded task photos (R-TASK-1 evidence, selfies): JPEG or PNG, by content only.

The file name and the declared ``Content-Type`` are never trusted. A photo is accepted when its
first bytes are a JPEG or PNG signature, Pillow identifies the same format, ``verify()`` passes
(PNG chunk checksums) and the whole image decodes (which catches truncated JPEGs, for which
``verify()`` checks nothing).
"""

from __future__ import annotations

import io
from typing import Final, Literal

from PIL import Image, UnidentifiedImageError

from engine.errors import PayloadTooLarge, UnsupportedMedia

PhotoMediaType = Literal["image/jpeg", "image/png"]

DEFAULT_MAX_PHOTO_BYTES: Final = 10 * 1024 * 1024
"""10 MiB, the attachment limit of SPEC §3 applied to photos."""

JPEG_SIGNATURE: Final = b"\xff\xd8\xff"
PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"

_PIL_FORMATS: Final[dict[PhotoMediaType, frozenset[str]]] = {
    # Phones write multi-picture JPEGs (MPF) that Pillow names "MPO"; they are JPEG files.
    "image/jpeg": frozenset({"JPEG", "MPO"}),
    "image/png": frozenset({"PNG"}),
}

_DECODE_ERRORS: Final = (
    UnidentifiedImageError,
    SyntaxError,
    OSError,
    ValueError,
    EOFError,
    IndexError,
    TypeError,
)


def _sniff(content: bytes) -> PhotoMediaType:
    if content.startswith(JPEG_SIGNATURE):
        return "image/jpeg"
    if content.startswith(PNG_SIGNATURE):
        return "image/png"
    raise UnsupportedMedia("照片须为 JPEG 或 PNG 图片 / a photo must be a JPEG or PNG image")


def check_photo(content: bytes, *, max_bytes: int = DEFAULT_MAX_PHOTO_BYTES) -> PhotoMediaType:
    """Accept an uploaded photo only if its bytes are a complete, decodable JPEG or PNG.

    Args:
        content: The uploaded file's bytes.
        max_bytes: Size limit in bytes (``Settings.max_photo_bytes``; default 10 MiB).

    Returns:
        The media type found in the content: ``image/jpeg`` or ``image/png``.

    Raises:
        PayloadTooLarge: (413) more than ``max_bytes`` bytes, or more pixels than Pillow's
            decompression-bomb limit (``PIL.Image.MAX_IMAGE_PIXELS``).
        UnsupportedMedia: (415) empty, not a JPEG/PNG signature, a format mismatch, or a corrupt
            or truncated image.
    """
    if len(content) > max_bytes:
        raise PayloadTooLarge(
            f"照片超过 {max_bytes // (1024 * 1024)} MB 上限 / photo exceeds the {max_bytes}-byte limit"
        )
    media_type = _sniff(content)
    corrupt = UnsupportedMedia("图片文件损坏或不完整 / the image is corrupt or truncated")
    try:
        with Image.open(io.BytesIO(content), formats=sorted(_PIL_FORMATS[media_type])) as image:
            if image.format not in _PIL_FORMATS[media_type]:
                raise corrupt
            width, height = image.size
            if Image.MAX_IMAGE_PIXELS is not None and width * height > Image.MAX_IMAGE_PIXELS:
                raise _too_many_pixels(width, height)
            image.verify()
        with Image.open(io.BytesIO(content), formats=sorted(_PIL_FORMATS[media_type])) as image:
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PayloadTooLarge("照片像素过多 / the image has too many pixels") from exc
    except _DECODE_ERRORS as exc:
        raise corrupt from exc
    return media_type


def _too_many_pixels(width: int, height: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"照片像素过多（{width}×{height}）/ the image has too many pixels ({width}x{height})"
    )
