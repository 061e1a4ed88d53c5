"""A real outbox worker process for the crash test (``python -m tests.engine.outbox_child``).

Its sender appends each delivered message id to ``--record`` (dropping ids already there: the
idempotent sender that at-least-once delivery needs) and every attempt to ``--attempts``. With
``--block-after N`` it hangs forever on the (N+1)-th new message after writing its id to
``--blocked`` (atomically: written to a temporary name, then renamed), so the parent can SIGKILL it
between claim and result. With ``--exit-when-done`` it exits once no row
is pending or being sent.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

from sqlalchemy import func, select

import workflows.all_models  # noqa: F401  (every table, as in a real process: FKs resolve)
from engine.clock import SystemClock
from engine.db import make_engine, make_session_factory
from engine.outbox.models import OutboxMessage, OutboxState
from engine.outbox.senders import Delivery, SenderRouter, SendResult
from engine.outbox.worker import OutboxWorker
from engine.settings import OutboxSettings


class FileSender:
    channel = "file"

    def __init__(self, record: Path, attempts: Path, blocked: Path, block_after: int | None) -> None:
        self.record, self.attempts, self.blocked, self.block_after = record, attempts, blocked, block_after
        self.sent = 0

    @staticmethod
    def _append(path: Path, line: str) -> None:
        with path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()
            os.fsync(f.fileno())

    @staticmethod
    def _publish(path: Path, line: str) -> None:
        """Write ``path`` atomically: a reader sees no file or the whole line, never an empty file."""
        tmp = path.with_name(f".{path.name}.tmp")
        with tmp.open("w", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    async def send(self, delivery: Delivery) -> SendResult:
        self._append(self.attempts, str(delivery.message_id))
        seen = set(self.record.read_text().split()) if self.record.exists() else set()
        if str(delivery.message_id) in seen:  # a redelivery after a crash: drop the duplicate
            return SendResult(ok=True)
        if self.block_after is not None and self.sent >= self.block_after:
            self._publish(self.blocked, str(delivery.message_id))
            await asyncio.Event().wait()  # hang until killed
        self._append(self.record, str(delivery.message_id))
        self.sent += 1
        return SendResult(ok=True)


async def main(args: argparse.Namespace) -> None:
    engine = make_engine(args.database_url)
    sessions = make_session_factory(engine)
    settings = OutboxSettings(
        batch_size=args.batch_size,
        concurrency=1,
        lease_s=args.lease_s,
        poll_interval_s=0.05,
        rate_per_s=1000,
        send_timeout_s=600,
    )
    sender = FileSender(Path(args.record), Path(args.attempts), Path(args.blocked), args.block_after)
    worker = OutboxWorker(sessions, SenderRouter(sender), settings, SystemClock())
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    while args.exit_when_done:
        await asyncio.sleep(0.1)
        with sessions() as session:
            left = session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.state.in_((OutboxState.PENDING, OutboxState.SENDING)))
            )
        if not left:
            break
    if not args.exit_when_done:
        await asyncio.Event().wait()
    stop.set()
    await task
    engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--record", required=True)
    parser.add_argument("--attempts", required=True)
    parser.add_argument("--blocked", required=True)
    parser.add_argument("--block-after", type=int)
    parser.add_argument("--batch-size", type=int, default=5)
    parser.add_argument("--lease-s", type=float, default=1.0)
    parser.add_argument("--exit-when-done", action="store_true")
    asyncio.run(main(parser.parse_args()))
