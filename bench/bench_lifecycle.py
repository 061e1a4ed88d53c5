"""Benchmark: what the per-project ``project_lifecycle`` instance costs (R-LIFE).

Every project starts its lifecycle instance when it is created (``create_project``). This prints
the cost of ``N`` project creations through the service with it, the cost of starting the
instance alone (``start_lifecycle`` on projects inserted directly, as ``bench_month.py`` does), the
stored state per instance, and one ``processes.refresh_timers`` run over ``N`` due contract-end
timers (the scheduler's job after the contracts end).

    python bench/bench_lifecycle.py --projects 200
    python bench/bench_lifecycle.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
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

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from api.background import job_context
from api.deps import AppState
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
from engine.processes.models import ProcessInstanceRecord
from workflows.context import Ctx
from workflows.contracts.models import Contract
from workflows.lifecycle.closure import start_lifecycle
from workflows.people.models import Person
from workflows.projects.models import Project
from workflows.projects.schemas import ProjectCreate
from workflows.projects.service import create_project
from workflows.reminders.jobs import refresh_timers


def setup(state: AppState, now: datetime) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """Agency, agency admin, project lead, owner, contract; returns ``(admin, lead, contract)`` ids."""
    with unit_of_work(state.sessions) as s:
        agency, _owner, contract = add_agency_with_contract(s, now, ends_on=date(2026, 10, 31))
        admin = Person(
            name="机构管理员",
            phone="13100000009",
            roles=["agency_admin"],
            enabled=True,
            agency_id=agency.id,
            created_at=now,
        )
        lead = Person(
            name="项目负责人",
            phone="13100000001",
            roles=["project_lead"],
            enabled=True,
            agency_id=agency.id,
            engineer_level=1,
            created_at=now,
        )
        s.add_all([admin, lead])
        s.flush()
        return admin.id, lead.id, contract.id


def project_fields(i: int, lead_id: uuid.UUID, contract_id: uuid.UUID) -> ProjectCreate:
    return ProjectCreate(
        contract_id=contract_id,
        lead_id=lead_id,
        name=f"基准项目{i}",
        city="西宁市",
        address=f"城中区{i}号",
        jurisdiction="城中区大队",
        latitude=36.6171,
        longitude=101.7782,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument(
        "--database-url", help="PostgreSQL server URL (a fresh database is created beside it)"
    )
    args = parser.parse_args()
    url, admin_url = fresh_database(args.database_url)
    clock = FrozenClock(datetime(2026, 10, 8, 2, 0, tzinfo=UTC))
    state = bench_state(url, clock)
    settings = state.settings
    try:
        admin_id, lead_id, contract_id = setup(state, clock.now())
        created: list[float] = []
        for i in range(args.projects):
            t = time.perf_counter()
            with unit_of_work(state.sessions) as s:
                ctx = Ctx(s, clock, settings, state.processes, s.get(Person, admin_id))
                create_project(ctx, project_fields(i, lead_id, contract_id))
            created.append(time.perf_counter() - t)

        with unit_of_work(state.sessions) as s:  # the same projects without the service: raw rows
            contract = s.get_one(Contract, contract_id)
            raw = [
                project_row(i, contract, lead_id, clock.now(), code_prefix="P-RAW", name_prefix="裸项目")
                for i in range(args.projects)
            ]
            s.add_all(raw)
            s.flush()
            raw_ids = [p.id for p in raw]
        started: list[float] = []
        for pid in raw_ids:
            t = time.perf_counter()
            with unit_of_work(state.sessions) as s:
                ctx = Ctx(s, clock, settings, state.processes)
                start_lifecycle(ctx, s.get_one(Project, pid), s.get_one(Contract, contract_id))
            started.append(time.perf_counter() - t)
        with state.sessions() as s:
            sizes = list(
                s.scalars(
                    select(func.length(ProcessInstanceRecord.state)).where(
                        ProcessInstanceRecord.process_id == "project_lifecycle"
                    )
                )
            )

        clock.set(datetime(2026, 10, 31, 17, 0, tzinfo=UTC))  # 2026-11-01 01:00 Asia/Shanghai
        t = time.perf_counter()
        ticked = 0
        while batch := refresh_timers(job_context(state)).ticked:
            ticked += batch
        tick_s = time.perf_counter() - t

        def ms(xs: list[float]) -> str:
            return f"median {statistics.median(xs) * 1000:.1f} ms, p95 {p95(xs) * 1000:.1f} ms"

        print(f"backend: {make_url(url).get_backend_name()}, {args.projects} projects")
        print(f"create_project with its lifecycle instance: {sum(created):.2f} s ({ms(created)})")
        print(f"start_lifecycle alone (one transaction each): {sum(started):.2f} s ({ms(started)})")
        print(
            f"lifecycle state: median {statistics.median(sizes) / 1024:.1f} KB per instance "
            f"({len(sizes)} instances)"
        )
        print(
            f"refresh_timers over {ticked} due contract-end timers: {tick_s:.2f} s "
            f"({1000 * tick_s / max(1, ticked):.1f} ms per instance → complete_project work items)"
        )
    finally:
        state.engine.dispose()
        drop_database(url, admin_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
