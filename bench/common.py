"""What the benchmarks share: a fresh database (SQLite file or PostgreSQL database), the application
state on it, the benchmark agency with its owner and contract, project rows, and percentiles.

The rows are written directly (not through the API): a benchmark times the services, not the setup.
"""

from __future__ import annotations

import sys
import tempfile
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from api.app import build_state
from api.deps import AppState
from engine.clock import FrozenClock
from engine.settings import Settings
from workflows.agencies.models import Agency
from workflows.contracts.models import Contract
from workflows.owners.models import Owner
from workflows.projects.models import Project

AGENCY_NAME = "基准测试消防技术服务有限公司"
AGENCY_USCC = "91630100MA7X0B3C1D"


def fresh_database(url: str | None) -> tuple[str, str | None]:
    """``(url, admin_url)``: a SQLite file in a temp dir (``admin_url`` ``None``), or a fresh
    PostgreSQL database beside the server URL ``url`` (``admin_url`` = ``url``, for
    :func:`drop_database`)."""
    if not url:
        return f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}", None
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"fireops_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False), url


def drop_database(url: str, admin_url: str | None) -> None:
    """Drop the PostgreSQL database :func:`fresh_database` created (nothing for SQLite)."""
    if admin_url is None:
        return
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def bench_state(url: str, clock: FrozenClock) -> AppState:
    """The application state on ``url`` (migrated, catalog seeded, BPMN deployed) with test settings
    (fast password hashing) and the frozen ``clock``."""
    settings = Settings(environment="test", database_url=url, password_rounds=4)
    return build_state(settings, clock=clock)


def add_agency_with_contract(
    session: Session,
    now: datetime,
    *,
    signed_on: date = date(2026, 9, 1),
    ends_on: date = date(2027, 8, 31),
) -> tuple[Agency, Owner, Contract]:
    """The benchmark agency, one owner and one maintenance contract (flushed; the caller commits).

    Args:
        session: Open session.
        now: ``created_at`` of the rows.
        signed_on: Contract signing date.
        ends_on: Contract end date.
    """
    agency = Agency(
        name=AGENCY_NAME,
        uscc=AGENCY_USCC,
        legal_representative="王",
        service_types=["maintenance_inspection"],
        address="西宁市",
        created_at=now,
    )
    session.add(agency)
    session.flush()
    owner = Owner(agency_id=agency.id, name="业主", city="西宁市", address="城中区1号", created_at=now)
    session.add(owner)
    session.flush()
    contract = Contract(
        agency_id=agency.id,
        owner_id=owner.id,
        name="维保合同",
        type="maintenance",
        signed_on=signed_on,
        ends_on=ends_on,
        created_at=now,
    )
    session.add(contract)
    session.flush()
    return agency, owner, contract


def project_row(
    i: int,
    contract: Contract,
    lead_id: uuid.UUID,
    now: datetime,
    *,
    code_prefix: str = "P-B",
    name_prefix: str = "基准项目",
    first_plan_month: date = date(2026, 9, 1),
) -> Project:
    """The ``i``-th benchmark project of ``contract`` (not added): code ``{code_prefix}-{i:05d}``,
    a Xining address and geofence centre."""
    return Project(
        code=f"{code_prefix}-{i:05d}",
        agency_id=contract.agency_id,
        contract_id=contract.id,
        owner_id=contract.owner_id,
        lead_id=lead_id,
        name=f"{name_prefix}{i}",
        city="西宁市",
        address=f"城中区{i}号",
        jurisdiction="城中区大队",
        latitude=36.6171,
        longitude=101.7782,
        first_plan_month=first_plan_month,
        created_at=now,
    )


def p95(values: Sequence[float]) -> float:
    """The 95th percentile (nearest rank) of ``values`` (not empty)."""
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


_CALIBRATION_DOC = {
    "tasks": [
        {"id": str(uuid.UUID(int=i)), "state": "COMPLETED", "data": {"task_id": i, "verdict": "approve"}}
        for i in range(40)
    ]
}


def calibration_ms(rounds: int = 7) -> float:
    """How fast this machine runs plain Python right now: the median of ``rounds`` runs of a fixed
    workload (JSON round trips, dict and UUID work, about 11 ms on this 2-core VM when it is quiet), ms.

    The VM's speed swings with its neighbours; printed beside a benchmark's figures it tells a slow
    hour from a slower program (a figure that drops with the same code drops here too).
    """
    import json
    import time

    runs = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(100):
            doc = json.loads(json.dumps(_CALIBRATION_DOC))
            index = {uuid.UUID(t["id"]): dict(t["data"]) for t in doc["tasks"]}
            sorted(index, key=lambda k: index[k]["task_id"])
        runs.append(time.perf_counter() - t0)
    return sorted(runs)[len(runs) // 2] * 1000
