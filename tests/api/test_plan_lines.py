"""R-PLAN: a maintenance plan's lines are exactly the catalog items due in its period for the
project's selected facilities, checked against the shipped CSV files read here with ``csv`` (not
through the loader or ``is_due``).

The rule, from SPEC §5.1 and the catalog README ("How the project should use these files"): items
with no period, ``weekly`` or ``monthly`` are due every month; an item every *k* months
(``quarterly`` 3, ``semiannual`` 6, ``yearly`` 12, ``biennial`` 24, ``triennial`` 36) is due in the
months counted from the project's first plan month (R-PRJ-2) — so the first plan holds every item;
the owner's duty-room routine (``every-2h``, ``per-shift``, ``daily``, ``continuous``, ``patrol``),
event-driven items and extinguisher age terms are never planned.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.demo import ok
from api.deps import AppState
from api.world import FACILITIES
from tests.api.extra_projects import make_project
from tests.conftest import db_snapshot

CATALOG_DIR = Path(__file__).resolve().parents[2] / "workflows" / "catalog" / "data"
PSEUDO_SYSTEMS = {
    "消防检测现场记录",
    "安全评估系统",
    "现场记录系统",
}  # inspection/assessment/special-site records
EVERY_MONTHS = {"": 1, "weekly": 1, "monthly": 1, "quarterly": 3, "semiannual": 6, "yearly": 12}
EVERY_MONTHS |= {"biennial": 24, "triennial": 36}
FIRST_PLAN_MONTH = (2026, 9)  # the world's contract is signed 2026-09-01: the signing month (R-PRJ-2)


def csv_rows() -> list[dict[str, str]]:
    """Every row of both shipped catalog files."""
    rows: list[dict[str, str]] = []
    for name in ("standard_items.csv", "seed_items.csv"):
        with (CATALOG_DIR / name).open(encoding="utf-8-sig", newline="") as f:
            rows.extend(csv.DictReader(f))
    return rows


def months_of(nature: str, period: str) -> list[tuple[int, int]]:
    """The calendar months ``(year, month)`` a plan period covers."""
    if nature == "month":
        year, month = map(int, period.split("-"))
        return [(year, month)]
    if nature == "quarter":
        year, q = int(period[:4]), int(period[-1])
        return [(year, m) for m in range(3 * q - 2, 3 * q + 1)]
    return [(int(period), m) for m in range(1, 13)]


def due_in(period: str, months: list[tuple[int, int]]) -> bool:
    """Whether a CSV period is due in one of ``months`` (see the module docstring)."""
    if period not in EVERY_MONTHS:
        return False  # duty room, on-event, extinguisher age terms
    every = EVERY_MONTHS[period]
    first = FIRST_PLAN_MONTH[0] * 12 + FIRST_PLAN_MONTH[1]
    return any((y * 12 + m - first) % every == 0 for y, m in months)


@pytest.fixture
def all_facilities(client: TestClient, world: Any) -> set[tuple[str, str, str]]:
    """Select every real (non-pseudo) facility of the catalog for the world's project."""
    tree = ok(client.get("/api/v1/catalog", headers=world.headers["agency_admin"]))
    chosen = {
        (s["name"], c["name"], f["name"]): f["id"]
        for s in tree
        if s["name"] not in PSEUDO_SYSTEMS
        for c in s["categories"]
        for f in c["facilities"]
    }
    ok(
        client.put(
            f"/api/v1/projects/{world.project_id}/facilities",
            json={"facility_ids": sorted(chosen.values())},
            headers=world.headers["agency_admin"],
        )
    )
    return set(chosen)


@pytest.mark.parametrize(
    ("nature", "period"),
    [
        ("month", "2026-09"),  # the first plan month: every calendar item, 2- and 3-yearly included
        ("month", "2026-10"),  # monthly items only
        ("month", "2026-12"),  # + quarterly
        ("month", "2027-03"),  # + quarterly and half-yearly
        ("quarter", "2026-Q4"),  # October-December: monthly + quarterly
        ("year", "2027"),  # every item up to yearly, no 2-/3-yearly (next due 2028-09 / 2029-09)
    ],
)
def test_r_plan_lines_are_the_items_due_in_the_period(
    client: TestClient, world: Any, all_facilities: set[tuple[str, str, str]], nature: str, period: str
) -> None:
    """R-PLAN: the plan's lines are exactly the due items of the selected facilities (as a multiset
    of item codes: no item missing, none extra, none twice); duty-room items never appear."""
    months = months_of(nature, period)
    rows = [r for r in csv_rows() if (r["system"], r["category"], r["facility"]) in all_facilities]
    expected = Counter(r["item_code"] for r in rows if due_in(r["period"], months))
    never = {
        r["item_code"]
        for r in rows
        if r["period"] in {"every-2h", "per-shift", "daily", "continuous", "patrol"}
    }
    assert never and expected  # the selection really exercises both sides of the rule
    plan = ok(
        client.post(
            f"/api/v1/projects/{world.project_id}/plans",
            json={"nature": nature, "period": period},
            headers=world.headers["lead"],
        ),
        201,
    )
    got = Counter(line["item_code"] for line in plan["lines"])
    assert got == expected
    assert plan["line_count"] == sum(expected.values())
    assert not never & set(got)


def test_r_plan_the_shipped_selection_of_the_world(client: TestClient, world: Any) -> None:
    """R-PLAN with the world's own 23 facilities: 33 lines in October, 36 in December (the quarterly
    pump, alarm-valve and test-valve checks), as the demo month shows — however many facilities
    another project of the agency selected."""
    other = make_project(
        client, world, contract_type="maintenance", name="城东商业楼", facility=FACILITIES[0]
    )
    tree = ok(client.get("/api/v1/catalog", headers=world.headers["agency_admin"]))
    every = [
        f["id"]
        for s in tree
        if s["name"] not in PSEUDO_SYSTEMS
        for c in s["categories"]
        for f in c["facilities"]
    ]
    ok(
        client.put(
            f"/api/v1/projects/{other}/facilities",
            json={"facility_ids": every},
            headers=world.headers["agency_admin"],
        )
    )
    selected = set(FACILITIES)
    rows = [r for r in csv_rows() if (r["system"], r["category"], r["facility"]) in selected]
    for period, count in (("2026-10", 33), ("2026-12", 36)):
        plan = ok(
            client.post(
                f"/api/v1/projects/{world.project_id}/plans",
                json={"nature": "month", "period": period},
                headers=world.headers["lead"],
            ),
            201,
        )
        expected = Counter(r["item_code"] for r in rows if due_in(r["period"], months_of("month", period)))
        assert Counter(line["item_code"] for line in plan["lines"]) == expected
        assert plan["line_count"] == count


def test_a_second_plan_for_the_period_is_refused_naming_the_first(
    client: TestClient, world: Any, state: AppState
) -> None:
    """R-PLAN: one plan per project, nature and period. The second ``POST`` (e.g. after the
    scheduler made the month's draft) is 409 and names the existing plan, and adds no plan."""
    first = ok(
        client.post(
            f"/api/v1/projects/{world.project_id}/plans",
            json={"nature": "month", "period": "2026-10"},
            headers=world.headers["lead"],
        ),
        201,
    )
    before = db_snapshot(state)
    again = client.post(
        f"/api/v1/projects/{world.project_id}/plans",
        json={"nature": "month", "period": "2026-10"},
        headers=world.headers["lead"],
    )
    assert again.status_code == 409
    assert first["code"] in again.json()["message"]
    assert db_snapshot(state) == before
