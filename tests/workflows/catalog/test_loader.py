"""The shipped default catalog and the plan period rules (SPEC §4, R-PLAN, catalog README)."""

from __future__ import annotations

import csv
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from workflows.catalog.loader import (
    ASSESSMENT_SYSTEMS,
    INSPECTION_SYSTEMS,
    PLAN_EXCLUDED_PERIODS,
    PSEUDO_SYSTEMS,
    SPECIAL_SITE_SYSTEMS,
    CatalogRow,
    is_age_term,
    is_due,
    is_known_period,
    is_plan_item,
    load_default_catalog,
    parse_catalog_csv,
)

DATA = resources.files("workflows.catalog.data")
SHARED = Path("/work/shared/catalog")
HEADER = "system,category,facility,item_code,item,criterion,period,source\n"


def _csv_rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _data_lines(name: str) -> int:
    """Physical lines of a packaged file minus the header (no cell in these files spans lines)."""
    return len((DATA / name).read_text(encoding="utf-8").splitlines()) - 1


def _months_due(period: str | None, *, year: int = 2026, anchor_month: int = 1, **kw: int) -> list[int]:
    return [
        m
        for m in range(1, 13)
        if is_due(period, nature="month", period_start=date(year, m, 1), anchor_month=anchor_month, **kw)
    ]


class TestPackagedFiles:
    @pytest.mark.skipif(not SHARED.exists(), reason="shared catalog not mounted")
    @pytest.mark.parametrize("name", ["standard_items.csv", "seed_items.csv", "README.md"])
    def test_byte_for_byte_copy_of_shared_catalog(self, name: str) -> None:
        assert (DATA / name).read_bytes() == (SHARED / name).read_bytes()

    def test_line_counts_are_179_and_29(self) -> None:
        assert _data_lines("standard_items.csv") == 179
        assert _data_lines("seed_items.csv") == 29


class TestLoadDefaultCatalog:
    def test_row_count_equals_csv_lines(self) -> None:
        rows = load_default_catalog()
        assert len(rows) == _data_lines("standard_items.csv") + _data_lines("seed_items.csv") == 208
        assert sum(r.origin == "standard" for r in rows) == 179
        assert sum(r.origin == "seed" for r in rows) == 29

    def test_codes_unique_and_preserved_in_file_order(self) -> None:
        rows = load_default_catalog()
        codes = [r.item_code for r in rows]
        assert len(set(codes)) == len(codes)
        expected = [r["item_code"] for r in _csv_rows("standard_items.csv")] + [
            r["item_code"] for r in _csv_rows("seed_items.csv")
        ]
        assert codes == expected
        assert codes[0] == "GB25201-5.2-01"
        assert codes[-1] == "SEED-REC-SPECIAL"

    def test_every_cell_kept(self) -> None:
        by_code = {r.item_code: r for r in load_default_catalog()}
        for name in ("standard_items.csv", "seed_items.csv"):
            for raw in _csv_rows(name):
                row = by_code[raw["item_code"]]
                assert row.system == raw["system"]
                assert row.category == raw["category"]
                assert row.facility == raw["facility"]
                assert row.item == raw["item"]
                assert row.criterion == raw["criterion"]
                assert row.source == raw["source"]
                assert row.period == (raw["period"] or None)

    def test_sources_and_periods_of_known_rows(self) -> None:
        by_code = {r.item_code: r for r in load_default_catalog()}
        pump = by_code["GB50974-14.0.4-2"]
        assert pump.period == "weekly"
        assert pump.source.startswith("GB 50974-2014")
        assert pump.origin == "standard"
        seed = by_code["SEED-FAS-CTL-a"]
        assert seed.period is None
        assert seed.item == "a.核对系统点位（注册点数，正常点数，异常点数）"
        assert seed.source.startswith("seed 001")
        assert seed.origin == "seed"

    def test_rows_are_immutable(self) -> None:
        row = load_default_catalog()[0]
        with pytest.raises(AttributeError):
            row.item_code = "X"  # type: ignore[misc]

    def test_every_period_in_the_files_is_known(self) -> None:
        assert all(is_known_period(r.period) for r in load_default_catalog())


class TestParseCatalogCsv:
    def test_bad_header_names_file_and_line(self) -> None:
        with pytest.raises(ValueError, match=r"^x\.csv:1: header"):
            parse_catalog_csv("system,category\n", name="x.csv", origin="standard")

    def test_duplicate_code_names_both_lines(self) -> None:
        text = HEADER + "S,C,F,A-1,do,,monthly,src\nS,C,F,A-1,again,,monthly,src\n"
        with pytest.raises(ValueError, match=r"^x\.csv:3: item_code 'A-1' repeats line 2"):
            parse_catalog_csv(text, name="x.csv", origin="standard")

    def test_unknown_period_rejected(self) -> None:
        text = HEADER + "S,C,F,A-1,do,,fortnightly,src\n"
        with pytest.raises(ValueError, match=r"x\.csv:2: unknown period 'fortnightly'"):
            parse_catalog_csv(text, name="x.csv", origin="seed")

    def test_empty_required_cell_rejected(self) -> None:
        text = HEADER + "S,C,F,A-1,do,,monthly,\n"
        with pytest.raises(ValueError, match=r"x\.csv:2: empty source"):
            parse_catalog_csv(text, name="x.csv", origin="seed")

    def test_wrong_cell_count_rejected(self) -> None:
        text = HEADER + "S,C,F,A-1,do,monthly,src\n"
        with pytest.raises(ValueError, match=r"x\.csv:2: expected 8 cells, got 7"):
            parse_catalog_csv(text, name="x.csv", origin="seed")

    def test_bom_crlf_and_quoted_commas(self) -> None:
        text = "\ufeff" + HEADER.replace("\n", "\r\n") + 'S,C,F,A-1,"a, b",,,src\r\n'
        (row,) = parse_catalog_csv(text, name="x.csv", origin="seed")
        assert row == CatalogRow("S", "C", "F", "A-1", "a, b", "", None, "src", "seed")


class TestPseudoSystems:
    @pytest.mark.parametrize(
        ("systems", "facility", "code"),
        [
            (INSPECTION_SYSTEMS, "现场记录", "SEED-REC-INSP"),
            (ASSESSMENT_SYSTEMS, "安全评估项目", "SEED-REC-ASSESS"),
            (SPECIAL_SITE_SYSTEMS, "现场记录项目", "SEED-REC-SPECIAL"),
        ],
    )
    def test_each_pseudo_system_has_its_seed_item(
        self, systems: frozenset[str], facility: str, code: str
    ) -> None:
        rows = [r for r in load_default_catalog() if r.system in systems]
        assert [(r.facility, r.item_code, r.origin) for r in rows] == [(facility, code, "seed")]
        assert is_plan_item(rows[0].period)

    def test_pseudo_systems_are_disjoint_and_only_in_seed(self) -> None:
        assert len(PSEUDO_SYSTEMS) == 3
        assert all(r.origin == "seed" for r in load_default_catalog() if r.system in PSEUDO_SYSTEMS)


class TestIsPlanItem:
    @pytest.mark.parametrize("period", sorted(PLAN_EXCLUDED_PERIODS))
    def test_duty_room_routine_not_planned(self, period: str) -> None:
        assert not is_plan_item(period)

    @pytest.mark.parametrize(
        "period",
        ["on-event", "3y-first-then-yearly", "5y-first-then-biennial", "scrap-at-6y", "scrap-at-12y"],
    )
    def test_event_and_extinguisher_age_terms_not_planned(self, period: str) -> None:
        assert not is_plan_item(period)

    @pytest.mark.parametrize(
        "period",
        [None, "", "weekly", "monthly", "quarterly", "semiannual", "yearly", "biennial", "triennial"],
    )
    def test_calendar_periods_planned(self, period: str | None) -> None:
        assert is_plan_item(period)

    def test_unknown_period_raises(self) -> None:
        with pytest.raises(ValueError, match="unknown catalog period"):
            is_plan_item("hourly")

    def test_age_term_pattern(self) -> None:
        assert is_age_term("scrap-at-10y")
        assert not is_age_term("yearly")
        assert not is_age_term(None)

    def test_duty_room_rows_of_the_catalog_never_due(self) -> None:
        duty = [r for r in load_default_catalog() if r.period in PLAN_EXCLUDED_PERIODS]
        assert len(duty) == 45  # daily 21 + continuous 11 + patrol 11 + per-shift 1 + every-2h 1
        assert {r.item_code for r in duty} >= {"GB25201-5.2-01", "GB25201-5.2-04"}
        for row in duty:
            for nature, start in (
                ("month", date(2026, 1, 1)),
                ("quarter", date(2026, 1, 1)),
                ("year", date(2026, 1, 1)),
            ):
                assert not is_due(row.period, nature=nature, period_start=start)


class TestIsDueInMonthlyPlans:
    @pytest.mark.parametrize(("period", "months"), [(None, 12), ("", 12), ("weekly", 12), ("monthly", 12)])
    def test_every_month(self, period: str | None, months: int) -> None:
        assert len(_months_due(period)) == months

    def test_quarterly_in_first_month_of_each_calendar_quarter(self) -> None:
        assert _months_due("quarterly") == [1, 4, 7, 10]

    def test_semiannual_twice(self) -> None:
        assert _months_due("semiannual") == [1, 7]

    def test_yearly_once_in_anchor_month(self) -> None:
        assert _months_due("yearly") == [1]
        assert _months_due("yearly", anchor_month=6) == [6]

    def test_anchor_shifts_quarters_to_first_plan_month(self) -> None:
        # A contract whose first plan month is November: everything is due in November.
        assert _months_due("quarterly", anchor_month=11) == [2, 5, 8, 11]
        assert _months_due("semiannual", anchor_month=11) == [5, 11]

    def test_biennial_and_triennial_with_anchor_year(self) -> None:
        years = range(2020, 2029)
        biennial = [y for y in years if _months_due("biennial", year=y, anchor_month=3, anchor_year=2021)]
        triennial = [y for y in years if _months_due("triennial", year=y, anchor_month=3, anchor_year=2021)]
        assert biennial == [2021, 2023, 2025, 2027]
        assert triennial == [2021, 2024, 2027]
        assert _months_due("biennial", year=2023, anchor_month=3, anchor_year=2021) == [3]

    def test_biennial_without_anchor_year_falls_back_to_yearly(self) -> None:
        assert _months_due("biennial", year=2026, anchor_month=4) == [4]
        assert _months_due("triennial", year=2027, anchor_month=4) == [4]

    @pytest.mark.parametrize(
        "period", ["on-event", "scrap-at-10y", "5y-first-then-biennial", "daily", "patrol"]
    )
    def test_never_in_any_month(self, period: str) -> None:
        assert _months_due(period) == []

    def test_catalog_totals_across_a_year(self) -> None:
        rows = load_default_catalog()
        lines = sum(len(_months_due(r.period)) for r in rows)
        counts = {
            p: sum(r.period == p for r in rows)
            for p in ("weekly", "monthly", "quarterly", "semiannual", "yearly")
        }
        empty = sum(r.period is None for r in rows)
        biennial_triennial = sum(r.period in {"biennial", "triennial"} for r in rows)
        expected = (
            12 * (empty + counts["weekly"] + counts["monthly"])
            + 4 * counts["quarterly"]
            + 2 * counts["semiannual"]
            + counts["yearly"]
            + biennial_triennial
        )
        assert lines == expected


class TestIsDueInQuarterAndYearPlans:
    def test_quarter_plan_holds_quarterly_every_quarter(self) -> None:
        starts = [date(2026, m, 1) for m in (1, 4, 7, 10)]
        assert all(is_due("quarterly", nature="quarter", period_start=s) for s in starts)
        assert all(is_due("monthly", nature="quarter", period_start=s) for s in starts)

    def test_quarter_plan_holds_yearly_only_in_the_anchor_quarter(self) -> None:
        starts = [date(2026, m, 1) for m in (1, 4, 7, 10)]
        assert [is_due("yearly", nature="quarter", period_start=s, anchor_month=5) for s in starts] == [
            False,
            True,
            False,
            False,
        ]
        assert [is_due("semiannual", nature="quarter", period_start=s) for s in starts] == [
            True,
            False,
            True,
            False,
        ]

    def test_year_plan_holds_every_calendar_item_once(self) -> None:
        start = date(2026, 1, 1)
        for period in (None, "weekly", "monthly", "quarterly", "semiannual", "yearly"):
            assert is_due(period, nature="year", period_start=start, anchor_month=9)

    def test_year_plan_and_biennial(self) -> None:
        assert is_due(
            "biennial", nature="year", period_start=date(2026, 1, 1), anchor_month=9, anchor_year=2024
        )
        assert not is_due(
            "biennial", nature="year", period_start=date(2025, 1, 1), anchor_month=9, anchor_year=2024
        )

    def test_year_plan_never_holds_duty_room_items(self) -> None:
        assert not is_due("daily", nature="year", period_start=date(2026, 1, 1))

    def test_bad_arguments(self) -> None:
        with pytest.raises(ValueError, match="nature"):
            is_due("monthly", nature="week", period_start=date(2026, 1, 1))
        with pytest.raises(ValueError, match="anchor_month"):
            is_due("monthly", nature="month", period_start=date(2026, 1, 1), anchor_month=13)
        with pytest.raises(ValueError, match="unknown catalog period"):
            is_due("bogus", nature="month", period_start=date(2026, 1, 1))
