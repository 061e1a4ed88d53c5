"""Small building blocks of the report PDFs: headings, dates, numbers, tables and key/value
blocks in the report's fonts and styles (:mod:`workflows.reports.pdf_styles`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Table, TableStyle

from engine.clock import BUSINESS_TZ
from workflows.reports.pdf_styles import FRAME_WIDTH, LABELLED_STYLE, STYLES, cell, markup
from workflows.reports.report_data import decimal_text


def h1(text: str) -> Paragraph:
    """A section heading."""
    return Paragraph(markup(text), STYLES.h1)


def h2(text: str) -> Paragraph:
    """A sub-heading."""
    return Paragraph(markup(text), STYLES.h2)


def when(at: datetime) -> str:
    """``YYYY-MM-DD HH:MM`` in business time (Asia/Shanghai)."""
    return at.astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M")


def day(d: date) -> str:
    """``2026年10月8日``."""
    return f"{d.year}年{d.month}月{d.day}日"


def num(value: Decimal | int | None) -> str:
    """A quantity as printed (``—`` when unknown)."""
    if value is None:
        return "—"
    return decimal_text(value) if isinstance(value, Decimal) else str(value)


def table(
    rows: list[list[Any]],
    widths: Sequence[float],
    style: TableStyle,
    repeat: int = 0,
    extra: list[tuple[Any, ...]] | None = None,
) -> Table:
    """A table of ``rows`` with column ``widths`` (points) in ``style`` plus per-cell ``extra`` commands."""
    # splitInRow: a row taller than a page (a very long record) splits instead of raising LayoutError.
    table = Table(rows, colWidths=list(widths), repeatRows=repeat, style=style, splitInRow=1)
    if extra:
        table.setStyle(TableStyle(extra))
    return table


def kv(pairs: Sequence[tuple[str, str | None]], label_w: float = 26 * mm) -> Table:
    """A two-column key/value block; values wrap."""
    rows = [[label, cell(value, FRAME_WIDTH - label_w)] for label, value in pairs]
    return table(rows, [label_w, FRAME_WIDTH - label_w], LABELLED_STYLE)


def head(*labels: str) -> list[Paragraph]:
    """Header cells of a table."""
    return [Paragraph(label, STYLES.cell_head) for label in labels]
