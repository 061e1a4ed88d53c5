"""Benchmark: N projects' maintenance months through the service layer.

Setup (not timed): one agency, N maintenance projects selecting every facility that has monthly
items, and for each project an October plan issued to one executor, one task of all its lines
recorded (all pass), a selfie and the submission — N submitted tasks waiting for review.

What is timed:

* **task reviews**: one review round per task, the unit ``bench/bench_spiff_bare.py`` times bare:
  ``review_task(approve)`` in its own unit of work — lock the task row, check R-REV-1, write the
  review log and audit rows, *load* the ``task_review`` instance from the database, complete
  ``review_task``, run the engine steps (the approve delegate marks the task approved), *save* the
  instance and its work-item projection, commit. Printed per second with median and p95;
* **report PDFs**: ``generate_report`` for ``--reports`` plans (default 25), each in its own unit of
  work — gather the report data, render the PDF (reportlab), sign the QR token, store, advance
  the period process, commit;
* **the ratio** of end-to-end review throughput to the bare loop of the same review round; the
  two are interleaved (one bare round, then one end-to-end review, per task) so that both sides
  run under the same machine load.

    python bench/bench_month.py --projects 200                      # SQLite file in a temp dir
    python bench/bench_month.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
      (a fresh database is created beside that URL and dropped at the end)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select
from sqlalchemy.engine import make_url

from api.demo import demo_photo
from api.deps import AppState
from bench.bench_spiff_bare import review_round, review_runtime, submitted_snapshots
from bench.common import (
    add_agency_with_contract,
    bench_state,
    drop_database,
    fresh_database,
    p95,
    project_row,
)
from engine.clock import FrozenClock
from engine.db import unit_of_work
from workflows.catalog.loader import is_due, is_plan_item
from workflows.catalog.models import CatalogFacility, TestItem
from workflows.context import Ctx
from workflows.people.credentials import hash_password
from workflows.people.models import Person
from workflows.plans.models import Plan, PlanLine
from workflows.plans.service import create_plan, issue_plan
from workflows.projects.models import ProjectFacility
from workflows.reports.service import generate_report
from workflows.reviews.service import review_task
from workflows.tasks.service import add_photo, create_task, record_result, submit_task


def setup(state: AppState, clock: FrozenClock, projects: int) -> tuple[list[uuid.UUID], Person, Person, int]:
    """Agency, people, N projects with every facility that has monthly items, each with its October
    task submitted; returns ``(task ids, lead, operator, lines per plan)``."""
    now = clock.now()
    with unit_of_work(state.sessions) as s:
        agency, _owner, contract = add_agency_with_contract(s, now)
        pw = hash_password("bench-pass-1", rounds=4)
        lead = Person(
            name="项目负责人",
            phone="13100000001",
            roles=["project_lead", "technical_lead"],
            enabled=True,
            agency_id=agency.id,
            password_hash=pw,
            engineer_level=1,
            created_at=now,
        )
        op = Person(
            name="作业人员",
            phone="13100000002",
            roles=["field_operator"],
            enabled=True,
            agency_id=agency.id,
            password_hash=pw,
            operator_level=4,
            created_at=now,
        )
        s.add_all([lead, op])
        s.flush()
        monthly = {
            fid
            for fid, period in s.execute(select(TestItem.facility_id, TestItem.period))
            if is_plan_item(period)
            and is_due(period, nature="month", period_start=date(2026, 10, 1), anchor_month=9)
        }
        facilities = [f for f in s.scalars(select(CatalogFacility.id)) if f in monthly]
        project_ids = []
        for i in range(projects):
            p = project_row(i, contract, lead.id, now)
            s.add(p)
            s.flush()
            s.add_all(ProjectFacility(project_id=p.id, facility_id=f) for f in facilities)
            project_ids.append(p.id)
    selfie = demo_photo("selfie", seed=1, size=(320, 240))
    task_ids = []
    lines_per_plan = 0
    for pid in project_ids:
        with unit_of_work(state.sessions) as s:
            lead_p, op_p = s.get(Person, lead.id), s.get(Person, op.id)
            ctx = Ctx(s, clock, state.settings, state.processes, lead_p)
            plan = create_plan(ctx, pid, nature="month", period="2026-10")
            lines = [line.id for line in s.scalars(select(PlanLine).where(PlanLine.plan_id == plan.id))]
            lines_per_plan = len(lines)
            issue_plan(ctx, plan.id, lines, op.id)
            ctx.actor = op_p
            task = create_task(ctx, lines)
            for lid in lines:
                record_result(ctx, task.id, lid, outcome="pass", measured_record="正常", brand=None)
            add_photo(ctx, task.id, selfie, line_id=None, kind="selfie")
            submit_task(ctx, task.id, latitude=36.6172, longitude=101.7783)
            task_ids.append(task.id)
    return task_ids, lead, op, lines_per_plan


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--reports", type=int, default=25, help="how many report PDFs to time (default 25)")
    parser.add_argument(
        "--database-url", help="PostgreSQL server URL (a fresh database is created beside it)"
    )
    args = parser.parse_args()
    url, admin_url = fresh_database(args.database_url)
    clock = FrozenClock(datetime(2026, 10, 20, 2, 0, tzinfo=UTC))
    state = bench_state(url, clock)
    settings = state.settings
    t0 = time.perf_counter()
    task_ids, lead, _op, lines = setup(state, clock, args.projects)
    print(
        f"setup: {args.projects} projects × {lines} monthly lines, {time.perf_counter() - t0:.1f} s "
        f"({make_url(url).get_backend_name()})"
    )

    runtime, model = review_runtime()
    snapshots = submitted_snapshots(runtime, model, len(task_ids))
    for snap in snapshots[:50]:  # warm-up of the bare side (the end-to-end side is warm from setup)
        review_round(runtime, model, snap)
    durations, bare_durations = [], []
    for tid, snap in zip(task_ids, snapshots, strict=True):
        # interleaved: each end-to-end review is paired with one bare round of the same unit of
        # work, so both sides see the same machine load
        t = time.perf_counter()
        review_round(runtime, model, snap)
        bare_durations.append(time.perf_counter() - t)
        t = time.perf_counter()
        with unit_of_work(state.sessions) as s:
            review_task(
                Ctx(s, clock, settings, state.processes, s.get(Person, lead.id)),
                tid,
                verdict="approve",
                opinion="同意",
            )
        durations.append(time.perf_counter() - t)
    total = sum(durations)
    reviews_per_s = len(task_ids) / total
    print(
        f"task reviews: {len(task_ids)} in {total:.2f} s = {reviews_per_s:.1f}/s "
        f"(median {statistics.median(durations) * 1000:.1f} ms, "
        f"p95 {p95(durations) * 1000:.1f} ms)"
    )

    with state.sessions() as s:
        plan_ids = list(s.scalars(select(Plan.id).order_by(Plan.code)))[: args.reports]
    rdur = []
    for pid in plan_ids:
        t = time.perf_counter()
        with unit_of_work(state.sessions) as s:
            generate_report(
                Ctx(s, clock, settings, state.processes, s.get(Person, lead.id)),
                pid,
                report_date=date(2026, 10, 20),
                service_date=date(2026, 10, 20),
                extra_task_ids=[],
            )
        rdur.append(time.perf_counter() - t)
    print(
        f"report PDFs: {len(rdur)} ({lines} lines each) = {len(rdur) / sum(rdur):.2f}/s "
        f"(median {statistics.median(rdur) * 1000:.0f} ms incl. gathering, signing, storing)"
    )

    bare = len(bare_durations) / sum(bare_durations)
    print(
        f"bare SpiffWorkflow task_review round (load → review → steps → save), interleaved: "
        f"{bare:.1f}/s (median {statistics.median(bare_durations) * 1000:.2f} ms)"
    )
    print(f"end-to-end / bare review throughput: {reviews_per_s / bare:.1%}")
    state.engine.dispose()
    drop_database(url, admin_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
