"""Benchmark: the reminder scan over real domain rows, its fan-out into the outbox, and delivery at a
chat platform's rate limit.

1. **Domain rows** — ``--agencies`` agencies (an enterprise manager, a technical lead and project
   leads each), ``--projects`` active maintenance projects, and ``--reports`` generated October
   reports on some of them, inserted in bulk. At the scan moment (Tue 2026-11-03 10:00 Asia/Shanghai)
   every project's November plan is due for issue by the 5th (R-DUE heads-up on the 3rd, to the
   project lead) and every report, completed Thu 10-29, reaches working day 3 of its 5-day filing
   deadline (R-FILE-1: 10-30, 11-02, 11-03; to the technical lead). Defaults: 80,000 + 20,000 =
   **100,000 due reminders**, one recipient each.
2. **Scan** — the ``reminders.scan`` job's two halves timed apart: computing the due reminders from
   those rows (:func:`workflows.reminders.due.due_reminders`) and writing them (reminder rows with
   their unique key + outbox rows, ``--chunk`` reminders per transaction,
   :func:`workflows.reminders.jobs.write_due`). Then the whole job again, as after a scheduler
   restart: it must write nothing. Wall time and this process's CPU time (``time.process_time()``;
   on PostgreSQL the server's own CPU is not in it, on SQLite the database engine runs in-process).
3. **Drain** — the outbox worker delivers to a stub of the chat platform that **polices** the
   limit itself: a token bucket of ``--limit`` (30) messages/s with ``--burst`` (2) tokens; a send
   without a token is refused like Telegram's 429 (``retry_after``) and counted. It runs for
   ``--drain-s`` seconds (default 60) or, with ``--drain-s all``, until every row is sent (100,000
   at 30/s: about 55 min). Prints the achieved rate as a ratio of the limit (goal ≥ 0.95), the
   refusals (must be 0), the busiest 1-second window, and the worker's CPU time.

    python bench/bench_reminders.py                                   # SQLite file in a temp dir
    python bench/bench_reminders.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    python bench/bench_reminders.py --projects 8000 --reports 2000 --drain-s all   # a full drain, 6 min
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import resource
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from api.background import job_context
from api.deps import AppState
from bench.common import bench_state, drop_database, fresh_database
from engine.clock import FrozenClock
from engine.db import unit_of_work
from engine.outbox.models import OutboxMessage, OutboxState
from engine.outbox.senders import Delivery, SenderRouter, SendResult
from engine.outbox.worker import OutboxWorker
from engine.settings import OutboxSettings
from workflows.agencies.models import Agency
from workflows.contracts.models import Contract
from workflows.owners.models import Owner
from workflows.people.models import Person
from workflows.plans.models import Plan
from workflows.projects.models import Project
from workflows.reminders.due import due_reminders
from workflows.reminders.jobs import scan, write_due
from workflows.reminders.models import Reminder
from workflows.reminders.service import CHUNK
from workflows.reports.models import Report

SCAN_AT = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)  # Tue 2026-11-03 10:00 Asia/Shanghai
BATCH = 5000


@dataclass
class Timed:
    """Wall and CPU seconds of a block (CPU: ``time.process_time`` = user + system of this process)."""

    wall: float = 0.0
    cpu: float = 0.0
    rusage_cpu: float = 0.0


@contextmanager
def timed() -> Iterator[Timed]:
    out = Timed()

    def ru() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    w, c, r = time.perf_counter(), time.process_time(), ru()
    yield out
    out.wall, out.cpu, out.rusage_cpu = time.perf_counter() - w, time.process_time() - c, ru() - r


def bulk(state: AppState, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        with unit_of_work(state.sessions) as s:
            s.execute(insert(model), rows[start : start + BATCH])


def build_rows(state: AppState, *, agencies: int, leads: int, projects: int, reports: int) -> None:
    """The domain rows that make ``projects + reports`` reminders due at :data:`SCAN_AT` (see above)."""
    now = datetime(2026, 9, 1, 2, tzinfo=UTC)
    agency_rows, people, owners, contracts = [], [], [], []
    lead_ids: list[list[uuid.UUID]] = []
    for a in range(agencies):
        aid, oid, cid = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        agency_rows.append(
            {
                "id": aid,
                "name": f"基准消防技术服务有限公司{a:04d}",
                "uscc": f"9163010{a:011d}",
                "legal_representative": "王",
                "service_types": ["maintenance_inspection"],
                "address": "西宁市",
                "created_at": now,
            }
        )
        staff = [("enterprise_manager", "企业管理人员"), ("technical_lead", "技术负责人")]
        staff += [("project_lead", f"项目负责人{i}") for i in range(leads)]
        mine = []
        for i, (role, name) in enumerate(staff):
            pid = uuid.uuid4()
            people.append(
                {
                    "id": pid,
                    "name": name,
                    "phone": f"1{a:05d}{i:05d}",
                    "roles": [role],
                    "enabled": True,
                    "agency_id": aid,
                    "engineer_level": 1,
                    "created_at": now,
                }
            )
            if role == "project_lead":
                mine.append(pid)
        lead_ids.append(mine)
        owners.append(
            {
                "id": oid,
                "agency_id": aid,
                "name": f"业主{a}",
                "city": "西宁市",
                "address": "城中区1号",
                "created_at": now,
            }
        )
        contracts.append(
            {
                "id": cid,
                "agency_id": aid,
                "owner_id": oid,
                "name": f"维护保养合同{a}",
                "type": "maintenance",
                "signed_on": date(2026, 9, 1),
                "ends_on": date(2027, 8, 31),
                "created_at": now,
            }
        )
    bulk(state, Agency, agency_rows)
    bulk(state, Person, people)
    bulk(state, Owner, owners)
    bulk(state, Contract, contracts)

    project_rows, plan_rows, report_rows = [], [], []
    for i in range(projects):
        a = i % agencies
        pid = uuid.uuid4()
        lead = lead_ids[a][(i // agencies) % leads]
        project_rows.append(
            {
                "id": pid,
                "code": f"P-B-{i:06d}",
                "agency_id": agency_rows[a]["id"],
                "contract_id": contracts[a]["id"],
                "owner_id": owners[a]["id"],
                "lead_id": lead,
                "name": f"基准项目{i}",
                "city": "西宁市",
                "address": f"城中区{i}号",
                "jurisdiction": "城中区大队",
                "latitude": 36.6171,
                "longitude": 101.7782,
                "first_plan_month": date(2026, 9, 1),
                "status": "active",
                "created_at": now,
            }
        )
        if i < reports:  # October's report, generated, not filed
            plan_id = uuid.uuid4()
            plan_rows.append(
                {
                    "id": plan_id,
                    "code": f"PL-B-{i:06d}",
                    "project_id": pid,
                    "nature": "month",
                    "period_start": date(2026, 10, 1),
                    "period_end": date(2026, 10, 31),
                    "name": "2026年10月维护保养计划",
                    "state": "reported",
                    "created_by": lead,
                    "created_at": now,
                }
            )
            report_rows.append(
                {
                    "id": uuid.uuid4(),
                    "code": f"WB-B-{i:06d}",
                    "plan_id": plan_id,
                    "project_id": pid,
                    "revision": 1,
                    "status": "generated",
                    "report_date": date(2026, 10, 29),
                    "service_date": date(2026, 10, 29),
                    "completed_on": date(2026, 10, 29),
                    "filing_due_on": date(2026, 11, 5),
                    "pdf": b"%PDF-1.4 bench",
                    "sha256": "0" * 64,
                    "content_sha256": "0" * 64,
                    "verify_token": f"bench-{i}",
                    "generated_by": lead,
                    "generated_at": now,
                }
            )
    bulk(state, Project, project_rows)
    bulk(state, Plan, plan_rows)
    bulk(state, Report, report_rows)


@dataclass
class PolicedStub:
    """A chat platform stand-in that enforces its own limit: a token bucket of ``limit`` per second
    holding at most ``burst`` tokens. A send without a token is refused like a 429 with
    ``retry_after`` (counted in ``refused``); accepted sends take ``latency_s``.

    The worker reads ``rate_per_s`` and paces itself to it, so a correct worker gets no refusal.
    """

    limit: float
    burst: float
    latency_s: float
    monotonic: Callable[[], float] = time.monotonic
    channel: str = "stub"
    accepted_at: list[float] = field(default_factory=list)
    refused: int = 0
    _tokens: float = 0.0
    _last: float | None = None

    @property
    def rate_per_s(self) -> float:
        return self.limit

    async def send(self, delivery: Delivery) -> SendResult:
        now = self.monotonic()
        if self._last is None:
            self._tokens = self.burst
        else:
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.limit)
        self._last = now
        if self._tokens < 1.0:
            self.refused += 1
            return SendResult(ok=False, retry_after_s=1.0, error="429 Too Many Requests (stub limit)")
        self._tokens -= 1.0
        self.accepted_at.append(now)
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        return SendResult(ok=True)

    def achieved_rate(self) -> float:
        """Accepted messages per second from the first to the last accepted one."""
        n = len(self.accepted_at)
        span = self.accepted_at[-1] - self.accepted_at[0] if n > 1 else 0.0
        return (n - 1) / span if span else 0.0

    def busiest_second(self) -> int:
        """The most accepted messages inside any 1-second window."""
        times, best = self.accepted_at, 0
        for i, t in enumerate(times):
            best = max(best, bisect.bisect_left(times, t + 1.0) - i)
        return best


def pending(state: AppState) -> int:
    with state.sessions() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.state.in_((OutboxState.PENDING, OutboxState.SENDING)))
            )
            or 0
        )


async def drain(worker: OutboxWorker, state: AppState, seconds: float | None) -> None:
    """Run the worker for ``seconds``, or (``None``) until no row is pending or being sent."""
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    if seconds is not None:
        await asyncio.sleep(seconds)
    else:
        while await asyncio.to_thread(pending, state):
            await asyncio.sleep(5)
    stop.set()
    await task


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", help="PostgreSQL server URL (a fresh database is created beside it)"
    )
    parser.add_argument("--agencies", type=int, default=100)
    parser.add_argument("--leads", type=int, default=10, help="project leads per agency")
    parser.add_argument("--projects", type=int, default=80_000, help="plan-issue reminders (one each)")
    parser.add_argument("--reports", type=int, default=20_000, help="filing reminders (one each)")
    parser.add_argument("--chunk", type=int, default=CHUNK, help="reminders per write transaction")
    parser.add_argument("--drain-s", default="60", help="drain window in seconds, or 'all'")
    parser.add_argument("--limit", type=float, default=30.0, help="the stub's limit, messages/s")
    parser.add_argument("--burst", type=float, default=2.0, help="the stub's token-bucket capacity")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="simulated platform latency")
    args = parser.parse_args()
    if args.reports > args.projects:
        parser.error("--reports must not exceed --projects (each report belongs to a project)")
    drain_s = None if args.drain_s == "all" else float(args.drain_s)

    url, admin_url = fresh_database(args.database_url)
    clock = FrozenClock(SCAN_AT)
    state = bench_state(url, clock)
    settings = state.settings
    backend = make_url(url).get_backend_name()
    expected = args.projects + args.reports
    try:
        with timed() as setup:
            build_rows(
                state, agencies=args.agencies, leads=args.leads, projects=args.projects, reports=args.reports
            )
        now = clock.now()
        with timed() as compute, state.sessions() as s:
            due = due_reminders(s, now=now, settings=settings)
        kinds: dict[str, int] = {}
        for r in due:
            kinds[r.kind] = kinds.get(r.kind, 0) + 1
        assert len(due) == expected, (len(due), kinds)
        with timed() as write:
            written = write_due(state.sessions, due, now=now, chunk=args.chunk)
        assert (written.written, written.notifications) == (expected, expected), written
        del due
        with timed() as again:
            rerun = scan(job_context(state))
        assert (rerun.due, rerun.written, rerun.notifications) == (expected, 0, 0), rerun
        with state.sessions() as s:
            rows = (
                s.scalar(select(func.count()).select_from(Reminder)),
                s.scalar(select(func.count()).select_from(OutboxMessage)),
            )

        stub = PolicedStub(limit=args.limit, burst=args.burst, latency_s=args.latency_ms / 1000)
        outbox = OutboxSettings(batch_size=50, concurrency=10, rate_per_s=args.limit, lease_s=120)
        worker = OutboxWorker(state.sessions, SenderRouter(stub), outbox, clock)
        with timed() as drained:
            asyncio.run(drain(worker, state, drain_s))
        sent = len(stub.accepted_at)
        rate = stub.achieved_rate()
        transactions = -(-expected // args.chunk)
        scan_cpu = compute.cpu + write.cpu
        window = "until empty" if drain_s is None else f"{drain_s:.0f} s window"
        by_kind = ", ".join(f"{k} {n:,}" for k, n in sorted(kinds.items()))
        lines = [
            f"backend: {backend}",
            f"domain rows: {args.agencies} agencies, {args.projects:,} projects, "
            f"{args.reports:,} generated reports (bulk insert {setup.wall:.1f} s)",
            f"scan at 2026-11-03 10:00: {expected:,} due reminders ({by_kind})",
            f"  compute (due_reminders over the domain rows): {compute.wall:.2f} s wall, "
            f"CPU {compute.cpu:.2f} s",
            f"  write ({args.chunk} reminders per transaction, {transactions} transactions): "
            f"{write.wall:.2f} s wall, CPU {write.cpu:.2f} s",
            f"    → {rows[0]:,} reminder rows + {rows[1]:,} outbox rows",
            f"  scheduler CPU for the scan: {scan_cpu:.2f} s ({scan_cpu / expected * 1e6:.0f} µs per "
            f"reminder; getrusage {compute.rusage_cpu + write.rusage_cpu:.2f} s)",
            f"restart: reminders.scan again → {rerun.written} written, {rerun.notifications} "
            f"notifications, {again.wall:.2f} s wall, CPU {again.cpu:.2f} s",
            f"drain ({window}): {sent:,} sent, {pending(state):,} left",
            f"  achieved {rate:.2f} msg/s against the stub's limit of {args.limit:.0f}/s → ratio "
            f"{rate / args.limit:.3f} (goal ≥ 0.95)",
            f"  the stub refused {stub.refused} sends over its limit (token bucket {args.limit:.0f}/s, "
            f"burst {args.burst:.0f}); busiest 1 s window: {stub.busiest_second()} messages",
            f"  worker CPU {drained.cpu:.2f} s over {drained.wall:.1f} s wall "
            f"({100 * drained.cpu / drained.wall:.1f} % of a core, "
            f"{1000 * drained.cpu / max(1, sent):.2f} ms per message)",
            f"  draining all {expected:,} at {args.limit:.0f}/s takes {expected / args.limit / 60:.0f} min "
            "(--drain-s all)",
        ]
        print("\n".join(lines))
        return 0 if stub.refused == 0 else 1
    finally:
        state.engine.dispose()
        drop_database(url, admin_url)


if __name__ == "__main__":
    sys.exit(main())
