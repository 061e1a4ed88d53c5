"""SQLite's write lock and the event loop: :func:`engine.db.sqlite_no_wait` and where the chat edge runs
its units of work (:class:`bots.core.services.ChatServices`).

A SQLite transaction takes the write lock with its first statement (``BEGIN IMMEDIATE``) and waits up
to :data:`engine.db.SQLITE_BUSY_TIMEOUT_S` for another writer. Under ``sqlite_no_wait`` it refuses at
once instead, so the chat edge can run a unit of work on the event loop when the lock is free and move
it to a worker thread when it is not; on PostgreSQL every unit of work runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from api.deps import AppState
from bots.core.services import ChatServices
from engine.db import SQLITE_BUSY_TIMEOUT_S, WriteLockBusy, make_engine, sqlite_no_wait
from workflows.context import Ctx


def _hold_write_lock(path: str) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_no_wait_refuses_at_once_and_ordinary_transactions_still_wait(tmp_path: Path) -> None:
    path = tmp_path / "lock.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (a INTEGER)")
    holder = _hold_write_lock(str(path))
    started = time.monotonic()
    with pytest.raises(WriteLockBusy), sqlite_no_wait(), engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    assert time.monotonic() - started < SQLITE_BUSY_TIMEOUT_S / 2  # refused, not timed out

    # The same pooled connection waits again outside the block: it gets the lock once it is freed.
    threading.Timer(0.3, lambda: holder.execute("ROLLBACK")).start()
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (2)")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT a FROM t").all() == [(2,)]  # the refused insert left nothing
    holder.close()
    engine.dispose()


def _where(ctx: Ctx) -> int:
    ctx.session.execute(text("SELECT 1"))
    return threading.get_ident()


def test_chat_units_of_work_stay_off_a_blocked_event_loop(state: AppState) -> None:
    services = ChatServices(state, "telegram", offload=True)
    sqlite_db = state.engine.dialect.name == "sqlite"

    async def scenario() -> None:
        loop_thread = threading.get_ident()
        free = await services.call_system(_where, lang="zh")
        # SQLite, lock free: on the loop (no thread hop); PostgreSQL: in a worker thread.
        assert (free == loop_thread) is sqlite_db
        slow = await services._run(lambda: threading.get_ident(), slow=True)  # a report PDF, say
        assert slow != loop_thread
        if not sqlite_db:
            return
        holder = _hold_write_lock(str(state.engine.url.database))
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        ticker = asyncio.create_task(tick())
        call = asyncio.create_task(services.call_system(_where, lang="zh"))
        await asyncio.sleep(0.3)
        assert not call.done() and ticks > 5  # the call waits for the lock, the loop goes on
        holder.execute("ROLLBACK")
        busy = await asyncio.wait_for(call, timeout=SQLITE_BUSY_TIMEOUT_S)
        ticker.cancel()
        holder.close()
        assert busy != loop_thread  # it waited in a worker thread

    asyncio.run(scenario())
