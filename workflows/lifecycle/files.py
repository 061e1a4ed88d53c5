"""Content checks of a suspension request's supporting files: PDF, JPEG or PNG, ≤ 10 MB each.

The declared name and ``Content-Type`` are never trusted: a PDF must start with ``%PDF-`` and parse
with pypdf (at least one page); an image must pass :func:`workflows.tasks.photos.check_photo`.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from engine.errors import PayloadTooLarge, UnsupportedMedia
from workflows.lifecycle.rules import MAX_FILE_BYTES
from workflows.tasks.photos import check_photo

PDF_SIGNATURE = b"%PDF-"


@dataclass(frozen=True)
class Upload:
    """An uploaded file as the edge read it: its name and at most ``MAX_FILE_BYTES + 1`` bytes."""

    name: str
    content: bytes


@dataclass(frozen=True)
class CheckedFile:
    """A supporting file that passed the checks."""

    name: str
    media_type: str
    content: bytes
    sha256: str


def check_pdf(content: bytes) -> None:
    """Accept only a PDF that parses and has at least one page.

    Raises:
        UnsupportedMedia: not a PDF, or corrupt (415).
    """
    if not content.startswith(PDF_SIGNATURE):
        raise UnsupportedMedia("文件须为 PDF、JPEG 或 PNG / files must be PDF, JPEG or PNG")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pages = len(PdfReader(io.BytesIO(content), strict=True).pages)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, AttributeError, IndexError) as exc:
        raise UnsupportedMedia("PDF 文件损坏或无法读取 / the PDF is corrupt or unreadable") from exc
    if pages < 1:
        raise UnsupportedMedia("PDF 文件没有页面 / the PDF has no pages")


def check_file(upload: Upload, *, max_bytes: int = MAX_FILE_BYTES) -> CheckedFile:
    """Check one supporting file by content.

    Args:
        upload: The file's name and bytes.
        max_bytes: Size limit in bytes (10 MiB).

    Returns:
        The file with its media type (``application/pdf``, ``image/jpeg``, ``image/png``) and SHA-256.

    Raises:
        PayloadTooLarge: more than ``max_bytes`` (413).
        UnsupportedMedia: not a PDF/JPEG/PNG by content, or corrupt (415).
    """
    content = upload.content
    if len(content) > max_bytes:
        raise PayloadTooLarge(
            f"文件“{upload.name}”超过 {max_bytes // (1024 * 1024)} MB "
            f"/ {upload.name} exceeds {max_bytes} bytes"
        )
    if content.startswith(PDF_SIGNATURE):
        check_pdf(content)
        media_type = "application/pdf"
    else:
        try:
            media_type = check_photo(content, max_bytes=max_bytes)
        except UnsupportedMedia as exc:
            raise UnsupportedMedia(
                f"文件“{upload.name}”须为 PDF、JPEG 或 PNG / {upload.name}: {exc.message}"
            ) from exc
    name = (upload.name or "file").strip()[:200] or "file"
    return CheckedFile(
        name=name, media_type=media_type, content=content, sha256=hashlib.sha256(content).hexdigest()
    )
