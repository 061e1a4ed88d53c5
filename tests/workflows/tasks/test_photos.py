"""Uploaded photos are checked by content: JPEG/PNG only, complete, within the size limit (R-TASK-1)."""

from __future__ import annotations

import io
import random
import struct
import warnings
import zlib
from pathlib import Path

import pytest
from PIL import Image

from engine.errors import PayloadTooLarge, UnsupportedMedia
from workflows.tasks.photos import DEFAULT_MAX_PHOTO_BYTES, check_photo


def _noise(size: tuple[int, int] = (320, 240), mode: str = "RGB") -> Image.Image:
    rng = random.Random(42)
    channels = len(mode)
    return Image.frombytes(mode, size, bytes(rng.randrange(256) for _ in range(size[0] * size[1] * channels)))


def _encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **params)
    return buf.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG signature, an IHDR claiming ``width``×``height`` RGB pixels and IEND: no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


class TestAccepted:
    def test_jpeg(self) -> None:
        assert check_photo(_encode(_noise(), "JPEG", quality=90)) == "image/jpeg"

    def test_progressive_jpeg_with_exif(self) -> None:
        exif = Image.Exif()
        exif[0x0112] = 6  # orientation, as phones write it
        data = _encode(_noise(), "JPEG", progressive=True, exif=exif.tobytes())
        assert check_photo(data) == "image/jpeg"

    def test_png_with_alpha(self) -> None:
        assert check_photo(_encode(_noise(mode="RGBA"), "PNG")) == "image/png"

    def test_multi_picture_jpeg_from_phones(self) -> None:
        data = _encode(_noise((64, 64)), "MPO", save_all=True, append_images=[_noise((64, 64))])
        assert Image.open(io.BytesIO(data)).format == "MPO"
        assert check_photo(data) == "image/jpeg"

    def test_exactly_at_the_limit(self) -> None:
        data = _encode(_noise((64, 64)), "PNG")
        assert check_photo(data, max_bytes=len(data)) == "image/png"


class TestContentDecides:
    def test_pdf_renamed_jpg(self, tmp_path: Path) -> None:
        path = tmp_path / "现场照片.jpg"
        path.write_bytes(MINIMAL_PDF)
        with pytest.raises(UnsupportedMedia) as exc:
            check_photo(path.read_bytes())
        assert exc.value.status_code == 415

    def test_png_named_jpg_is_reported_as_png(self, tmp_path: Path) -> None:
        path = tmp_path / "photo.jpg"
        path.write_bytes(_encode(_noise((32, 32)), "PNG"))
        assert check_photo(path.read_bytes()) == "image/png"

    @pytest.mark.parametrize("fmt", ["GIF", "BMP", "WEBP", "TIFF"])
    def test_other_real_image_formats_refused(self, fmt: str) -> None:
        with pytest.raises(UnsupportedMedia):
            check_photo(_encode(_noise((32, 32)), fmt))

    def test_empty(self) -> None:
        with pytest.raises(UnsupportedMedia):
            check_photo(b"")

    def test_jpeg_signature_then_garbage(self) -> None:
        with pytest.raises(UnsupportedMedia, match="损坏"):
            check_photo(b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 100)

    def test_png_signature_then_pdf(self) -> None:
        with pytest.raises(UnsupportedMedia, match="损坏"):
            check_photo(b"\x89PNG\r\n\x1a\n" + MINIMAL_PDF)


class TestCorrupt:
    def test_truncated_jpeg(self) -> None:
        data = _encode(_noise(), "JPEG", quality=90)
        assert check_photo(data) == "image/jpeg"
        with pytest.raises(UnsupportedMedia, match="损坏"):
            check_photo(data[: len(data) * 2 // 3])

    def test_truncated_png(self) -> None:
        data = _encode(_noise(), "PNG")
        with pytest.raises(UnsupportedMedia):
            check_photo(data[: len(data) // 2])

    def test_png_with_a_broken_chunk_checksum(self) -> None:
        data = bytearray(_encode(_noise((32, 32)), "PNG"))
        idat_data = data.index(b"IDAT") + 4
        data[idat_data + 10] ^= 0xFF  # one byte of compressed pixels; the chunk CRC no longer matches
        with pytest.raises(UnsupportedMedia):
            check_photo(bytes(data))


class TestTooLarge:
    def test_over_the_default_ten_mib(self) -> None:
        assert DEFAULT_MAX_PHOTO_BYTES == 10 * 1024 * 1024
        with pytest.raises(PayloadTooLarge) as exc:
            check_photo(b"\xff\xd8\xff" + bytes(DEFAULT_MAX_PHOTO_BYTES))
        assert exc.value.status_code == 413

    def test_size_checked_before_content(self) -> None:
        data = _encode(_noise((64, 64)), "PNG")
        with pytest.raises(PayloadTooLarge):
            check_photo(data, max_bytes=len(data) - 1)
        with pytest.raises(PayloadTooLarge):
            check_photo(MINIMAL_PDF, max_bytes=10)

    def test_decompression_bomb(self) -> None:
        with pytest.raises(PayloadTooLarge, match="像素"):
            check_photo(_png_header_only(100_000, 100_000))

    def test_pixels_over_the_warning_limit(self) -> None:
        # 10000×10000 is above MAX_IMAGE_PIXELS (89.5 Mpx) but below the hard error (2×): Pillow only warns.
        data = _png_header_only(10_000, 10_000)
        with pytest.raises(PayloadTooLarge):
            check_photo(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with pytest.raises(PayloadTooLarge, match="10000×10000"):
                check_photo(data)
