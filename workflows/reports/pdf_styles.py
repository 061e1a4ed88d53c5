"""Fonts, paragraph styles, table styles, the QR flowable and the page decoration of the report PDF.

All text uses reportlab's built-in CID font ``STSong-Light`` (Adobe-GB1, not embedded): Chinese
needs no font file, and PDF viewers substitute their own Song/Ming face. Sizes are in points
(1 pt = 1/72 in), lengths built from :data:`reportlab.lib.units.mm`.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, TableStyle

FONT = "STSong-Light"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN
"""Usable width between the side margins, in points (≈ 174 mm)."""
CELL_FONT_SIZE, CELL_LEADING, CELL_PADDING = 8.5, 11.5, 3
"""Table cells: font size and leading in pt, left/right padding in pt."""

GRID_COLOR = colors.HexColor("#808080")
HEAD_BG = colors.HexColor("#E8EDF3")
LABEL_BG = colors.HexColor("#F3F5F8")
FAIL_BG = colors.HexColor("#FBE3E3")
CANNOT_TEST_BG = colors.HexColor("#FFF3D6")

# Glyphs missing from Adobe-GB1 that would print blank, mapped to ones it has.
_GLYPH_FALLBACKS = str.maketrans({"²": "2", "³": "3", "✓": "√", "✔": "√", "✗": "×", "✘": "×", "\t": " "})


@cache
def register_fonts() -> str:
    """Register ``STSong-Light`` with reportlab once per process; returns the font name."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def markup(text: str | None, empty: str = "—") -> str:
    """Plain text as safe Paragraph markup: XML-escaped, missing glyphs replaced, newlines kept.

    Args:
        text: Any user-entered text; ``None`` or blank prints as ``empty``.
        empty: What to show for missing values.
    """
    if text is None or not text.strip():
        return empty
    return escape(text.translate(_GLYPH_FALLBACKS)).replace("\n", "<br/>")


def _style(name: str, size: float, leading: float, **extra: Any) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=FONT, fontSize=size, leading=leading, wordWrap="CJK", **extra)


class Styles:
    """The report's paragraph styles, built once (``STYLES``) and shared by every render."""

    def __init__(self) -> None:
        register_fonts()
        self.title = _style("title", 24, 34, alignment=TA_CENTER, spaceAfter=6 * mm)
        self.subtitle = _style("subtitle", 14, 20, alignment=TA_CENTER, spaceAfter=10 * mm)
        self.h1 = _style("h1", 15, 22, spaceBefore=5 * mm, spaceAfter=3 * mm)
        self.h2 = _style("h2", 12, 17, spaceBefore=3 * mm, spaceAfter=2 * mm)
        self.body = _style("body", 10, 15, spaceAfter=2 * mm)
        self.cell = _style("cell", CELL_FONT_SIZE, CELL_LEADING)
        self.cell_head = _style("cell_head", CELL_FONT_SIZE, CELL_LEADING, alignment=TA_CENTER)
        self.cover_cell = _style("cover_cell", 11.5, 17)
        self.small = _style("small", 7, 9, alignment=TA_CENTER)
        self.caption = _style("caption", 7, 9, alignment=TA_CENTER)


STYLES = Styles()

GRID_STYLE = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), FONT, CELL_FONT_SIZE, CELL_LEADING),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID_COLOR),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
)
"""A bordered table with plain-string or Paragraph cells."""

HEADED_STYLE = TableStyle([("BACKGROUND", (0, 0), (-1, 0), HEAD_BG)], parent=GRID_STYLE)
""":data:`GRID_STYLE` with a shaded header row."""

LABELLED_STYLE = TableStyle([("BACKGROUND", (0, 0), (0, -1), LABEL_BG)], parent=GRID_STYLE)
""":data:`GRID_STYLE` with a shaded first column (key/value blocks)."""

PLAIN_STYLE = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), FONT, 10, 14),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
)
"""An unbordered layout table (photo grids, QR block)."""


class QrCode(Flowable):
    """A QR code drawn as vector squares (sharp at any zoom, no image data, deterministic).

    Args:
        data: Text to encode (the verification URL).
        size: Side of the printed code including its 4-module quiet zone, in points.
    """

    def __init__(self, data: str, size: float) -> None:
        super().__init__()
        qr = segno.make(data, error="m", micro=False)
        self.matrix: list[list[bool]] = [[bool(v) for v in row] for row in qr.matrix]
        self.width = self.height = size
        self._modules = len(self.matrix) + 8

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 - reportlab API
        return self.width, self.height

    def draw(self) -> None:
        unit = self.width / self._modules
        canvas = self.canv
        canvas.setFillColor(colors.white)
        canvas.rect(0, 0, self.width, self.height, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        for r, row in enumerate(self.matrix):
            y = self.height - (r + 5) * unit
            c = 0
            while c < len(row):
                if not row[c]:
                    c += 1
                    continue
                start = c
                while c < len(row) and row[c]:
                    c += 1
                # A hair of overlap so anti-aliasing leaves no seams between modules.
                canvas.rect((start + 4) * unit, y, (c - start) * unit + 0.05, unit + 0.05, stroke=0, fill=1)


def paragraph(text: str | None, style: ParagraphStyle | None = None) -> Paragraph:
    """A wrapping Paragraph of plain ``text`` (escaped) in ``style`` (default: table cell)."""
    return Paragraph(markup(text), style or STYLES.cell)


def cell(text: str | None, width: float) -> str | Paragraph:
    """A table cell for plain ``text`` in a column ``width`` points wide (padding included).

    Text whose every line fits stays a plain string, which the table draws directly; only text that
    must wrap becomes a Paragraph. Paragraphs cost ~50x more to lay out, and most cells ("符合",
    "正常", a facility name) are short, so this keeps a 300-row report fast.
    """
    if text is None or not text.strip():
        return "—"
    plain = text.translate(_GLYPH_FALLBACKS)
    room = width - 2 * CELL_PADDING
    if all(pdfmetrics.stringWidth(line, FONT, CELL_FONT_SIZE) <= room for line in plain.split("\n")):
        return plain
    return Paragraph(markup(text), STYLES.cell)


def fit_text(text: str, width: float, size: float) -> str:
    """``text`` (glyph fallbacks applied) cut with "…" so it is at most ``width`` pt wide in ``size`` pt."""
    text = text.translate(_GLYPH_FALLBACKS)
    if pdfmetrics.stringWidth(text, FONT, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", FONT, size) > width:
        text = text[:-1]
    return text + "…"


def numbered_canvas(*, footer_left: str, footer_right: str, header: str) -> type[Canvas]:
    """A canvas class that decorates every page: footer ``footer_left · 第 n 页 共 m 页 · footer_right``
    on all pages, ``header`` on all but the cover.

    It holds each finished page's state until ``save()`` so the total page count is known; pass
    it as ``doc.build(story, canvasmaker=...)``.
    """

    side = FRAME_WIDTH / 2 - 40  # room beside the centred page number, in pt
    left, right = fit_text(footer_left, side, 8), fit_text(footer_right, side, 8)
    head = fit_text(header, FRAME_WIDTH, 8)

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab API
            self._pages.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]  # reportlab internal, missing from the stubs

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                self._decorate(number, total)
                super().showPage()
            super().save()

        def _decorate(self, number: int, total: int) -> None:
            self.saveState()
            self.setStrokeColor(GRID_COLOR)
            self.setLineWidth(0.4)
            self.setFont(FONT, 8)
            y = MARGIN - 2 * mm
            self.line(MARGIN, y + 10, PAGE_WIDTH - MARGIN, y + 10)
            self.drawString(MARGIN, y, left)
            self.drawCentredString(PAGE_WIDTH / 2, y, f"第 {number} 页 共 {total} 页")
            self.drawRightString(PAGE_WIDTH - MARGIN, y, right)
            if number > 1:
                top = PAGE_HEIGHT - MARGIN + 4 * mm
                self.drawString(MARGIN, top, head)
                self.line(MARGIN, top - 3, PAGE_WIDTH - MARGIN, top - 3)
            self.restoreState()

    return NumberedCanvas
