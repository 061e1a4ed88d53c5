"""The shipped default catalog (SPEC §4) and the period rules that decide which items a plan holds (R-PLAN).

The two CSV files in ``workflows/catalog/data/`` are byte-for-byte copies of ``shared/catalog/``:
``standard_items.csv`` (179 items transcribed from GB 25201-2010 and related standards, with periods)
and ``seed_items.csv`` (29 items of the deployed Qinghai system's manual, no periods, including the
pseudo-systems that inspection, assessment and special-site contracts select). ``data/README.md``
documents every source. Item codes and sources are kept as they are.

Period semantics (catalog README, "How the project should use these files"):

* empty period → due in every plan (the deployed system's monthly plan covers every item);
* ``every-2h``, ``per-shift``, ``daily``, ``continuous``, ``patrol`` → the owner's duty-room routine:
  kept in the catalog, never planned (:data:`PLAN_EXCLUDED_PERIODS`);
* ``on-event`` and the extinguisher age terms (``3y-first-then-yearly``, ``5y-first-then-biennial``,
  ``scrap-at-6y`` …) depend on an event or on each extinguisher's production date, not on the
  calendar: never planned automatically (:data:`EVENT_PERIODS`, :func:`is_age_term`);
* ``weekly``/``monthly`` → every plan; ``quarterly``/``semiannual``/``yearly``/``biennial``/
  ``triennial`` → every 3/6/12/24/36 months counted from the anchor month (see :func:`is_due`).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Final, Literal

CATALOG_COLUMNS: Final = (
    "system",
    "category",
    "facility",
    "item_code",
    "item",
    "criterion",
    "period",
    "source",
)
"""Header of both catalog CSV files, in order."""

REQUIRED_COLUMNS: Final = frozenset({"system", "category", "facility", "item_code", "item", "source"})
"""Columns that may not be empty (``criterion`` and ``period`` may be: the source gives none)."""

PLAN_EXCLUDED_PERIODS: Final = frozenset({"every-2h", "per-shift", "daily", "continuous", "patrol"})
"""Duty-room routine of the owner (GB 25201 §5.2 值班, 巡查): kept in the catalog, never in an agency plan."""

EVENT_PERIODS: Final = frozenset({"on-event"})
"""Items triggered by an event (a fire alarm, a discharge, a major holiday): never planned automatically."""

INTERVAL_MONTHS: Final[dict[str, int]] = {
    "weekly": 1,
    "monthly": 1,
    "quarterly": 3,
    "semiannual": 6,
    "yearly": 12,
    "biennial": 24,
    "triennial": 36,
}
"""Calendar periods and the number of months between two plans that hold the item.

``weekly`` maps to 1: the item is done several times a month, so every monthly plan lists it once.
"""

_AGE_TERM = re.compile(r"^(?:\d+y-first-then-(?:yearly|biennial)|scrap-at-\d+y)$")

NATURE_MONTHS: Final[dict[str, int]] = {"month": 1, "quarter": 3, "year": 12}
"""Length in months of a plan of each nature (SPEC §5.1: 月/季/年计划)."""

INSPECTION_SYSTEMS: Final = frozenset({"消防检测现场记录"})
"""Pseudo-system an inspection (检测) contract selects instead of real systems (seed 001 ch.5 §2.2)."""

ASSESSMENT_SYSTEMS: Final = frozenset({"安全评估系统"})
"""Pseudo-system an assessment (安全评估) contract selects (seed 001 ch.6 §2.2), facility 安全评估项目."""

SPECIAL_SITE_SYSTEMS: Final = frozenset({"现场记录系统"})
"""Pseudo-system of special-site field records (R-SPEC, seed 001 ch.7); its facility is 现场记录项目."""

PSEUDO_SYSTEMS: Final = INSPECTION_SYSTEMS | ASSESSMENT_SYSTEMS | SPECIAL_SITE_SYSTEMS
"""All pseudo-systems: never part of a maintenance project's real installed systems (R-CAT-1)."""

Origin = Literal["standard", "seed"]
Nature = Literal["month", "quarter", "year"]

_FILES: Final[tuple[tuple[str, Origin], ...]] = (
    ("standard_items.csv", "standard"),
    ("seed_items.csv", "seed"),
)


@dataclass(frozen=True)
class CatalogRow:
    """One test item (测试项) of the shipped catalog, as read from a CSV row.

    Attributes:
        system: 消防系统 name, e.g. ``火灾自动报警系统`` or a pseudo-system such as ``消防检测现场记录``.
        category: 分类: the type of work (``周期性检查``, ``检测`` …) or ``无分类``/a sub-system in the seed.
        facility: 消防设施, e.g. ``报警阀组``.
        item_code: Stable unique id, ``<standard>-<clause>-<n>`` or ``SEED-…``.
        item: What to do or check.
        criterion: Pass condition (合格标准); empty when the source gives none.
        period: A catalog period (see :func:`is_known_period`), or ``None`` when the source gives none.
        source: Standard, clause and URL(s) where the text was read.
        origin: ``standard`` (``standard_items.csv``) or ``seed`` (``seed_items.csv``).
    """

    system: str
    category: str
    facility: str
    item_code: str
    item: str
    criterion: str
    period: str | None
    source: str
    origin: Origin


def is_age_term(period: str | None) -> bool:
    """Whether ``period`` is an extinguisher age term (GB 50444-2008 §5.3/表5.4.3).

    Args:
        period: A catalog period, e.g. ``5y-first-then-biennial`` or ``scrap-at-10y``.

    Returns:
        ``True`` for ``<n>y-first-then-yearly|biennial`` and ``scrap-at-<n>y``.
    """
    return period is not None and _AGE_TERM.match(period) is not None


def is_known_period(period: str | None) -> bool:
    """Whether ``period`` is empty or one of the period values the catalog README defines.

    Args:
        period: The ``period`` cell; ``None`` or ``""`` mean "no period given".
    """
    if not period:
        return True
    return (
        period in PLAN_EXCLUDED_PERIODS
        or period in EVENT_PERIODS
        or period in INTERVAL_MONTHS
        or is_age_term(period)
    )


def is_plan_item(period: str | None) -> bool:
    """Whether an item with this period is ever put on a plan automatically (R-PLAN).

    Duty-room routine (:data:`PLAN_EXCLUDED_PERIODS`), event-driven items (:data:`EVENT_PERIODS`)
    and extinguisher age terms are not; items with no period or a calendar period are.

    Args:
        period: The item's period, ``None``/``""`` when the source gives none.

    Raises:
        ValueError: ``period`` is not a catalog period.
    """
    if not period:
        return True
    if not is_known_period(period):
        raise ValueError(f"unknown catalog period {period!r}")
    return period in INTERVAL_MONTHS


def _month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def is_due(
    period: str | None,
    *,
    nature: str,
    period_start: date,
    anchor_month: int = 1,
    anchor_year: int | None = None,
) -> bool:
    """Whether an item with ``period`` belongs in the plan that starts on ``period_start`` (R-PLAN).

    The rule (SPEC §5.1: "monthly items every month, quarterly items in their quarter, yearly items
    once a year"; catalog README "How the project should use these files"):

    * no period, ``weekly`` or ``monthly`` → due in every plan;
    * an item every *k* months (``quarterly`` 3, ``semiannual`` 6, ``yearly`` 12, ``biennial`` 24,
      ``triennial`` 36) is due in the plan that contains a month *m* with
      ``(m - anchor) % k == 0``. The anchor is ``anchor_month`` (1-12; callers pass the project's
      first plan month, R-PRJ-2, so the first plan holds every item). With the default anchor 1,
      quarterly items fall in January, April, July and October (one per calendar quarter: the
      standards' "每季度"), yearly items in January. A quarterly plan therefore holds every
      quarterly item, and a yearly plan every item with a period of one year or less;
    * ``biennial``/``triennial`` also need ``anchor_year`` (the year of the first plan month); when
      it is ``None`` they are due every year in the anchor month: more often than required, never
      less (a 2-yearly check done yearly still meets "每两年");
    * duty-room periods, ``on-event`` and extinguisher age terms → never (see :func:`is_plan_item`).

    Args:
        period: The item's catalog period; ``None``/``""`` when the source gives none.
        nature: The plan's nature: ``month``, ``quarter`` or ``year``.
        period_start: First day of the plan's period; its month is the plan's first month.
        anchor_month: Month (1-12) from which multi-month periods are counted.
        anchor_year: Year of the anchor month, needed to place 2- and 3-yearly items.

    Returns:
        ``True`` if the item is a line of that plan.

    Raises:
        ValueError: unknown ``period`` or ``nature``, or ``anchor_month`` outside 1-12.
    """
    if nature not in NATURE_MONTHS:
        raise ValueError(f"unknown plan nature {nature!r}; expected month, quarter or year")
    if not 1 <= anchor_month <= 12:
        raise ValueError(f"anchor_month must be 1-12, got {anchor_month}")
    if not is_plan_item(period):
        return False
    if not period:
        return True
    interval = INTERVAL_MONTHS[period]
    if interval == 1:
        return True
    if interval > 12 and anchor_year is None:
        interval = 12
    anchor = (anchor_year if anchor_year is not None else 0) * 12 + anchor_month - 1
    first = _month_index(period_start)
    return any((m - anchor) % interval == 0 for m in range(first, first + NATURE_MONTHS[nature]))


def parse_catalog_csv(text: str, *, name: str, origin: Origin) -> tuple[CatalogRow, ...]:
    """Parse one catalog CSV file and check its shape.

    Args:
        text: The whole file, decoded (UTF-8; a leading BOM is tolerated).
        name: File name used in error messages.
        origin: ``standard`` or ``seed``, stored on every row.

    Returns:
        The rows in file order.

    Raises:
        ValueError: wrong header, wrong number of cells, an empty required cell, an unknown
            period or an item code repeated in the file; the message names the file and line.
    """
    return tuple(row for _, row in _parse_lines(text, name=name, origin=origin))


def _parse_lines(text: str, *, name: str, origin: Origin) -> list[tuple[int, CatalogRow]]:
    """``(line number, row)`` pairs of one catalog file; see :func:`parse_catalog_csv`."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != CATALOG_COLUMNS:
        raise ValueError(f"{name}:1: header must be {','.join(CATALOG_COLUMNS)}, got {header!r}")
    rows: list[tuple[int, CatalogRow]] = []
    seen: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(CATALOG_COLUMNS):
            raise ValueError(f"{name}:{line}: expected {len(CATALOG_COLUMNS)} cells, got {len(cells)}")
        values = dict(zip(CATALOG_COLUMNS, (c.strip() for c in cells), strict=True))
        for column in CATALOG_COLUMNS:
            if column in REQUIRED_COLUMNS and not values[column]:
                raise ValueError(f"{name}:{line}: empty {column}")
        code = values["item_code"]
        if code in seen:
            raise ValueError(f"{name}:{line}: item_code {code!r} repeats line {seen[code]}")
        seen[code] = line
        period = values["period"] or None
        if not is_known_period(period):
            raise ValueError(f"{name}:{line}: unknown period {period!r} for {code}")
        rows.append(
            (
                line,
                CatalogRow(
                    system=values["system"],
                    category=values["category"],
                    facility=values["facility"],
                    item_code=code,
                    item=values["item"],
                    criterion=values["criterion"],
                    period=period,
                    source=values["source"],
                    origin=origin,
                ),
            )
        )
    return rows


@cache
def load_default_catalog() -> tuple[CatalogRow, ...]:
    """The shipped default catalog: ``standard_items.csv`` then ``seed_items.csv`` (179 + 29 rows).

    Read once through :mod:`importlib.resources` from the ``workflows.catalog.data`` package and
    cached (the rows are immutable).

    Returns:
        Every row of both files in file order.

    Raises:
        ValueError: a file is malformed (see :func:`parse_catalog_csv`) or an item code appears in
            both files; the message names the file and line.
    """
    package = resources.files("workflows.catalog.data")
    rows: list[CatalogRow] = []
    first_seen: dict[str, str] = {}
    for file_name, origin in _FILES:
        text = (package / file_name).read_text(encoding="utf-8")
        for line, row in _parse_lines(text, name=file_name, origin=origin):
            if row.item_code in first_seen:
                where = first_seen[row.item_code]
                raise ValueError(f"{file_name}:{line}: item_code {row.item_code!r} is already in {where}")
            first_seen[row.item_code] = f"{file_name}:{line}"
            rows.append(row)
    return tuple(rows)
