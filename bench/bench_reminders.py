"""Benchmark: reminder fan-out into the outbox, then delivery at a chat platform's rate limit.

1. **Fan-out** — 100,000 due reminders (one recipient each) written through the real write path of
   the ``reminders.scan`` job (:func:`workflows.reminders.jobs.write_due`: reminder rows with their
   unique key + outbox rows, ``ON CONFLICT DO NOTHING``, 500 reminders per transaction); then the
   same scan again, as after a scheduler restart (must write nothing). Prints time, rows/s, CPU.
2. **Drain** — the outbox worker delivers to a sender stub limited to 30 messages/s (Telegram's
   overall limit) for a fixed window (``--seconds``; draining 100k at 30/s would take 55 min) and
   prints the achieved rate as a ratio of the limit (goal ≥ 0.95) and the worker's own CPU time
   (``time.process_time()``: claim, record, rate limiting; the sender's sleeps cost no CPU).

    python bench/bench_reminders.py                                   # SQLite file in a temp dir
    python bench/bench_reminders.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from engine.clock import SystemClock
from engine.db import make_engine, make_session_factory, migrate, unit_of_work
from engine.outbox.models import OutboxMessage, OutboxState
from engine.outbox.senders import Delivery, SenderRouter, SendResult
from engine.outbox.worker import OutboxWorker
from engine.settings import OutboxSettings
from workflows.people.models import Person
from workflows.reminders import rules
from workflows.reminders.due import DueReminder
from workflows.reminders.jobs import write_due
from workflows.reminders.models import Reminder

LIMIT_PER_S = 30.0


def fresh_database(url: str | None) -> tuple[str, str | None]:
    """``(url, admin_url)``: a SQLite file in a temp dir, or a fresh PostgreSQL database beside ``url``."""
    if not url:
        return f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}", None
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"fireops_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False), url


def drop_database(url: str, admin_url: str | None) -> None:
    if admin_url is None:
        return
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


class StubSender:
    """A chat platform stand-in: ``latency_s`` per call, counts deliveries; the worker enforces 30/s."""

    channel = "stub"
    rate_per_s = LIMIT_PER_S

    def __init__(self, latency_s: float) -> None:
        self.latency_s = latency_s
        self.sent_at: list[float] = []

    async def send(self, delivery: Delivery) -> SendResult:
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        self.sent_at.append(time.monotonic())
        return SendResult(ok=True)


def reminders(n: int, people: list[uuid.UUID], due_at: datetime) -> list[DueReminder]:
    """``n`` filing-deadline reminders about distinct reports, one recipient each."""
    return [
        DueReminder(
            "report",
            uuid.uuid4(),
            rules.FILING_DUE,
            due_at,
            (people[i % len(people)],),
            {
                "title": "报告待备案提醒",
                "body": f"报告 WB-2026-{i:06d} 请于 2026-10-12 前备案。",
                "report_code": f"WB-2026-{i:06d}",
                "filing_due_on": "2026-10-12",
            },
        )
        for i in range(n)
    ]


async def drain(worker: OutboxWorker, seconds: float) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    await asyncio.sleep(seconds)
    stop.set()
    await task


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", help="PostgreSQL server URL (a fresh database is created beside it)"
    )
    parser.add_argument("--reminders", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--seconds", type=float, default=20.0, help="drain window")
    parser.add_argument(
        "--latency-ms", type=float, default=50.0, help="simulated platform latency per message"
    )
    args = parser.parse_args()

    url, admin_url = fresh_database(args.database_url)
    migrate(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    clock = SystemClock()
    backend = make_url(url).get_backend_name()
    try:
        now = clock.now()
        with unit_of_work(sessions) as s:
            people = [
                Person(
                    name=f"技术负责人{i}",
                    phone=f"1{i:010d}",
                    roles=["technical_lead"],
                    enabled=True,
                    created_at=now,
                )
                for i in range(args.people)
            ]
            s.add_all(people)
            s.flush()
            person_ids = [p.id for p in people]
        due = reminders(args.reminders, person_ids, now - timedelta(minutes=1))

        wall, cpu = time.perf_counter(), time.process_time()
        result = write_due(sessions, due, now=now)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert result.written == args.reminders, result
        assert result.notifications == args.reminders, result
        again_wall, again_cpu = time.perf_counter(), time.process_time()
        again = write_due(sessions, due, now=now)
        again_wall, again_cpu = time.perf_counter() - again_wall, time.process_time() - again_cpu
        assert again.written == 0, again
        assert again.notifications == 0, again
        with sessions() as s:
            counts = (
                s.scalar(select(func.count()).select_from(Reminder)),
                s.scalar(select(func.count()).select_from(OutboxMessage)),
            )

        sender = StubSender(args.latency_ms / 1000)
        settings = OutboxSettings(batch_size=50, concurrency=10, rate_per_s=LIMIT_PER_S, lease_s=120)
        worker = OutboxWorker(sessions, SenderRouter(sender), settings, clock)
        drain_cpu, drain_wall = time.process_time(), time.perf_counter()
        asyncio.run(drain(worker, args.seconds))
        drain_cpu, drain_wall = time.process_time() - drain_cpu, time.perf_counter() - drain_wall
        with sessions() as s:
            sent_rows = s.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state == OutboxState.SENT)
            )
        window = sender.sent_at[-1] - sender.sent_at[0] if len(sender.sent_at) > 1 else 0.0
        rate = (len(sender.sent_at) - 1) / window if window else 0.0

        per_s = args.reminders / wall
        sent = len(sender.sent_at)
        ratio = rate / LIMIT_PER_S
        core = 100 * drain_cpu / drain_wall
        per_msg_ms = 1000 * drain_cpu / max(1, sent)
        full_min = args.reminders / LIMIT_PER_S / 60
        lines = [
            f"backend: {backend}",
            f"fan-out: {args.reminders:,} due reminders → {counts[0]:,} reminder rows "
            f"+ {counts[1]:,} outbox rows",
            f"  in {wall:.2f} s wall ({per_s:,.0f} reminders/s, {2 * per_s:,.0f} rows/s), CPU {cpu:.2f} s "
            f"({cpu / args.reminders * 1e6:.0f} µs per reminder)",
            f"restart: the same {args.reminders:,} reminders again → {again.written} written "
            f"in {again_wall:.2f} s wall, CPU {again_cpu:.2f} s",
            f"drain: {sent} sent in a {args.seconds:.0f} s window ({sent_rows} rows marked sent)",
            f"  {rate:.2f} msg/s against a limit of {LIMIT_PER_S:.0f}/s → ratio {ratio:.3f} (goal ≥ 0.95)",
            f"  worker CPU {drain_cpu:.2f} s over {drain_wall:.1f} s wall ({core:.1f} % of a core, "
            f"{per_msg_ms:.2f} ms per message)",
            f"  draining all {args.reminders:,} at 30/s would take {full_min:.0f} min",
        ]
        print("\n".join(lines))
    finally:
        engine.dispose()
        drop_database(url, admin_url)


if __name__ == "__main__":
    main()
    sys.exit(0)
