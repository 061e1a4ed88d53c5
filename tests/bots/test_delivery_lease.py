"""Telegram's limits hold per bot (30 messages/s, 1 per second per chat), not per process: with
``fireops serve`` and a ``fireops worker`` on one database only one of them delivers Telegram pushes
at a time — the holder of the ``outbox.telegram`` lease. Two real outbox workers with a Telegram
sender each (their own bot on a recording request: no network) share one database here."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from api.background import build_sender_router, close_senders
from api.deps import AppState
from engine.clock import FrozenClock
from engine.db import unit_of_work
from engine.outbox.models import OutboxMessage
from engine.outbox.worker import Deferred, OutboxWorker
from engine.scheduler import lease_holder
from engine.settings import OutboxSettings
from tests.bots.conftest import RecordingRequest, telegram_state
from tests.engine.outbox_support import add_messages
from workflows.chat.service import bind_account, issue_binding_code
from workflows.context import Ctx
from workflows.people.models import Person
from workflows.people.service import create_platform_admin

LEASE = "outbox.telegram"


class TimedRequest(RecordingRequest):
    """A recording request that also notes when each ``sendMessage`` left, and to which chat."""

    def __init__(self) -> None:
        super().__init__()
        self.sends: list[tuple[float, str]] = []

    async def do_request(  # type: ignore[override]  # the timeouts are irrelevant offline
        self, url: str, method: str, request_data: Any = None, **timeouts: Any
    ) -> tuple[int, bytes]:
        if url.endswith("/sendMessage") and request_data is not None:
            self.sends.append((time.monotonic(), str(request_data.parameters["chat_id"])))
        return await super().do_request(url, method, request_data, **timeouts)


def bound_people(state: AppState, n: int) -> list[uuid.UUID]:
    """``n`` people bound to Telegram chats 5000… through the binding service (R-ROLE-6)."""
    with unit_of_work(state.sessions) as session:
        ctx = Ctx(session, state.clock, state.settings, state.processes)
        ctx.actor = create_platform_admin(ctx, phone="13800000000", password="admin-pass-1", name="管理员")
        admin = ctx.actor
        people = [
            Person(
                name=f"接收人{i}",
                phone=f"137{i:08d}",
                roles=["field_operator"],
                enabled=True,
                created_at=ctx.clock.now(),
            )
            for i in range(n)
        ]
        session.add_all(people)
        session.flush()
        for i, person in enumerate(people):
            ctx.actor = admin
            code = issue_binding_code(ctx, person.id).code
            bind_account(
                ctx, channel="telegram", code=code, external_user_id=str(5000 + i), chat_id=str(5000 + i)
            )
        return [p.id for p in people]


def unbound_person(state: AppState) -> uuid.UUID:
    with unit_of_work(state.sessions) as session:
        person = Person(
            name="未绑定",
            phone="13600000000",
            roles=["field_operator"],
            enabled=True,
            created_at=state.clock.now(),
        )
        session.add(person)
        session.flush()
        return person.id


def states(state: AppState) -> Counter[str]:
    """How many outbox rows are in each state."""
    with unit_of_work(state.sessions) as session:
        return Counter(str(s) for s in session.scalars(select(OutboxMessage.state)))


def holder(state: AppState) -> str | None:
    with unit_of_work(state.sessions) as session:
        found = lease_holder(session, name=LEASE)
        return found[0] if found else None


def worker(
    state: AppState, request: RecordingRequest, name: str, settings: OutboxSettings | None = None
) -> OutboxWorker:
    """A worker like ``fireops worker``'s: its own sender router and Telegram bot."""
    st = telegram_state(state)
    router = build_sender_router(st, telegram_request=request)
    return OutboxWorker(st.sessions, router, settings or st.settings.outbox, st.clock, name=name)


def test_two_workers_on_one_database_send_within_the_limits_of_one_bot(state: AppState) -> None:
    """80 pushes to 40 chats, two workers running together: together they stay within 30 messages/s
    and a chat's messages stay paced as one worker paces them, because one worker delivers them all
    and the other none (it holds no lease)."""
    people = bound_people(state, 40)
    add_messages(state.sessions, people * 2, now=state.clock.now(), key="burst")
    req_a, req_b = TimedRequest(), TimedRequest()
    a, b = worker(state, req_a, "worker-a"), worker(state, req_b, "worker-b")

    held: list[str | None] = []

    async def run_both() -> None:
        stop = asyncio.Event()
        runs = [asyncio.create_task(w.run(stop)) for w in (a, b)]
        deadline = time.monotonic() + 30
        while states(state)["sent"] < 80 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        held.append(holder(state))  # while delivering
        stop.set()
        await asyncio.gather(*runs)
        for w in (a, b):
            await close_senders(w.router)

    asyncio.run(run_both())
    assert states(state) == Counter({"sent": 80})
    sends = sorted(req_a.sends + req_b.sends)
    assert len(sends) == 80
    times = [at for at, _ in sends]
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 32, f"{busiest} messages within one second (Telegram allows 30 per bot)"
    by_chat: dict[str, list[float]] = {}
    for at, chat in sends:
        by_chat.setdefault(chat, []).append(at)
    closest = min(later - earlier for ts in by_chat.values() for earlier, later in itertools.pairwise(ts))
    # One worker spaces a chat's messages 1 s apart when it reserves their slots; waiting for the
    # overall rate afterwards can shift a send by up to concurrency / rate (10 / 30 s). Two workers
    # each pacing itself would send a chat's two messages at the same moment.
    assert closest >= 1.0 - 10 / 30 - 0.05, f"two messages to one chat {closest:.2f} s apart"
    assert sorted([len(req_a.sends), len(req_b.sends)]) == [0, 80]  # one of them delivered
    assert held in (["worker-a"], ["worker-b"]) and holder(state) is None  # released on stop


def test_the_lease_holder_alone_claims_telegram_rows_and_hands_over(
    state: AppState, clock: FrozenClock
) -> None:
    """Another worker leaves Telegram rows to the holder (it still delivers other channels); a
    stalled holder sends nothing once its lease has run out and the other takes over; a stopped
    holder hands over at once."""
    people = bound_people(state, 3)
    add_messages(state.sessions, people, now=clock.now(), key="m")
    other = unbound_person(state)  # reached by the log sender, not by Telegram
    small = OutboxSettings(batch_size=2, lease_s=60)
    req_a, req_b = TimedRequest(), TimedRequest()
    a, b = worker(state, req_a, "worker-a", small), worker(state, req_b, "worker-b", small)

    async def scenario() -> None:
        first = a.claim()  # two Telegram rows: worker-a takes the lease
        assert [c.sender.channel for c in first] == ["telegram", "telegram"] and holder(state) == "worker-a"
        add_messages(state.sessions, [other], now=clock.now(), key="n")
        left = b.claim()  # the third Telegram row is worker-a's to send; the log row is not
        assert [c.sender.channel for c in left] == ["log"]
        assert b.record([(c, await b.deliver(c)) for c in left]).sent == 1
        assert states(state) == Counter({"sending": 2, "pending": 1, "sent": 1})

        clock.advance(timedelta(seconds=61))  # worker-a stalls past its lease
        assert isinstance(await a.deliver(first[0]), Deferred)  # not its channel any more: nothing sent
        assert req_a.sends == []
        taken = b.claim()
        assert [c.sender.channel for c in taken] == ["telegram", "telegram"] and holder(state) == "worker-b"
        outcomes = [(c, await b.deliver(c)) for c in taken]
        assert b.record(outcomes).sent == 2 and len(req_b.sends) == 2

        b.release_leases()  # a clean stop: worker-a may deliver again at once
        assert holder(state) is None
        again = a.claim()
        assert [c.sender.channel for c in again] == ["telegram"] and holder(state) == "worker-a"
        assert a.record([(c, await a.deliver(c)) for c in again]).sent == 1
        for w in (a, b):
            await close_senders(w.router)

    asyncio.run(scenario())
    assert len(req_a.sends) == 1 and len(req_b.sends) == 2
    assert states(state) == Counter({"sent": 4})
