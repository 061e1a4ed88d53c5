"""The outbox: notify, claim/send/record, retries, dead letters, leases, rate limits, a real crash."""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select

from api.deps import AppState
from engine.clock import FrozenClock
from engine.db import unit_of_work
from engine.outbox.models import OutboxMessage, OutboxState
from engine.outbox.senders import Delivery, LogSender, RateLimiter, RecipientSpacing, SenderRouter, SendResult
from engine.outbox.worker import OutboxWorker, backoff_s
from engine.settings import OutboxSettings
from tests.engine.outbox_support import RecordingSender, add_messages, add_people, rows
from workflows.context import Ctx
from workflows.notifications.service import notify

FAST = OutboxSettings(
    rate_per_s=10_000, batch_size=10, max_attempts=5, backoff_base_s=2, backoff_cap_s=60, lease_s=30
)
REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def make_worker(state: AppState, sender: RecordingSender, settings: OutboxSettings = FAST) -> OutboxWorker:
    return OutboxWorker(state.sessions, SenderRouter(sender), settings, state.clock, rng=random.Random(7))


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


class TestNotify:
    def test_one_row_per_distinct_recipient_and_idempotent(self, state: AppState, clock: FrozenClock) -> None:
        a, b = add_people(state.sessions, 2, now=clock.now())
        payload = {"title": "任务审核通过", "body": "正文", "task_id": "t"}
        with unit_of_work(state.sessions) as session:
            ctx = Ctx(session, clock, state.settings, state.processes)
            assert (
                notify(
                    ctx,
                    kind="task.reviewed",
                    recipients=[a, b, a, None],
                    payload=payload,
                    dedup_key="task.reviewed:t:1",
                )
                == 2
            )
            assert (
                notify(
                    ctx,
                    kind="task.reviewed",
                    recipients=[a, b],
                    payload=payload,
                    dedup_key="task.reviewed:t:1",
                )
                == 0
            )
        with unit_of_work(state.sessions) as session:
            ctx = Ctx(session, clock, state.settings, state.processes)
            assert (
                notify(
                    ctx, kind="task.reviewed", recipients=[b], payload=payload, dedup_key="task.reviewed:t:1"
                )
                == 0
            )
            assert (
                notify(
                    ctx, kind="task.reviewed", recipients=[b], payload=payload, dedup_key="task.reviewed:t:2"
                )
                == 1
            )
        stored = rows(state.sessions)
        assert len(stored) == 3
        assert {r.state for r in stored.values()} == {OutboxState.PENDING}
        assert all(r.next_attempt_at == clock.now() and r.attempts == 0 for r in stored.values())

    def test_rolled_back_change_leaves_no_row(self, state: AppState, clock: FrozenClock) -> None:
        (a,) = add_people(state.sessions, 1, now=clock.now())

        def failing_change() -> None:
            with unit_of_work(state.sessions) as session:
                notify(
                    Ctx(session, clock, state.settings, state.processes),
                    kind="x.done",
                    recipients=[a],
                    payload={"title": "t", "body": "b"},
                    dedup_key="x",
                )
                raise RuntimeError("the change failed")

        with pytest.raises(RuntimeError):
            failing_change()
        assert rows(state.sessions) == {}

    def test_payload_needs_title_and_body(self, state: AppState, clock: FrozenClock) -> None:
        (a,) = add_people(state.sessions, 1, now=clock.now())
        with unit_of_work(state.sessions) as session, pytest.raises(ValueError, match="title"):
            notify(
                Ctx(session, clock, state.settings, state.processes),
                kind="x.done",
                recipients=[a],
                payload={"body": "b"},
                dedup_key="x",
            )


class TestDelivery:
    def test_log_sender_delivers_and_marks_sent(
        self, state: AppState, clock: FrozenClock, caplog: pytest.LogCaptureFixture
    ) -> None:
        people = add_people(state.sessions, 3, now=clock.now())
        ids = add_messages(state.sessions, people, now=clock.now())
        worker = OutboxWorker(state.sessions, SenderRouter(), FAST, clock)
        with caplog.at_level("INFO", logger="fireops.outbox"):
            stats = run(worker.drain())
        assert stats.sent == 3
        stored = rows(state.sessions)
        assert all(stored[i].state == OutboxState.SENT and stored[i].channel == "log" for i in ids)
        assert all(stored[i].sent_at == clock.now() and stored[i].attempts == 1 for i in ids)
        assert "标题0" in caplog.text and "内容2" in caplog.text

    def test_fails_three_times_then_succeeds_delivers_once(self, state: AppState, clock: FrozenClock) -> None:
        (person,) = add_people(state.sessions, 1, now=clock.now())
        (mid,) = add_messages(state.sessions, [person], now=clock.now())
        sender = RecordingSender(script=lambda d: SendResult(ok=d.attempt > 3, error="网络超时"))
        worker = make_worker(state, sender)
        for attempt in range(1, 5):
            stats = run(worker.run_once())
            assert stats.claimed == 1
            row = rows(state.sessions)[mid]
            assert row.attempts == attempt
            if attempt < 4:
                assert row.state == OutboxState.PENDING and row.last_error == "网络超时"
                low, high = 2 * 2 ** (attempt - 1) / 2, 2 * 2 ** (attempt - 1)  # equal jitter
                assert timedelta(seconds=low) <= row.next_attempt_at - clock.now() <= timedelta(seconds=high)
                assert run(worker.run_once()).claimed == 0  # not due yet
                clock.set(row.next_attempt_at)
        row = rows(state.sessions)[mid]
        assert row.state == OutboxState.SENT and row.last_error is None
        assert [d.attempt for d in sender.calls] == [1, 2, 3, 4]
        assert sum(1 for d in sender.calls if sender.script(d).ok) == 1
        assert run(worker.drain()).claimed == 0

    def test_retry_after_is_honoured(self, state: AppState, clock: FrozenClock) -> None:
        (person,) = add_people(state.sessions, 1, now=clock.now())
        (mid,) = add_messages(state.sessions, [person], now=clock.now())
        sender = RecordingSender(
            script=lambda d: SendResult(ok=d.attempt > 1, retry_after_s=37.0, error="429 Too Many Requests")
        )
        worker = make_worker(state, sender)
        run(worker.run_once())
        row = rows(state.sessions)[mid]
        assert row.state == OutboxState.PENDING
        assert row.next_attempt_at == clock.now() + timedelta(seconds=37)  # exactly, no backoff or jitter
        clock.advance(timedelta(seconds=36.9))
        assert run(worker.run_once()).claimed == 0
        clock.advance(timedelta(seconds=0.1))
        assert run(worker.run_once()).sent == 1
        assert len(sender.calls) == 2

    def test_poison_row_is_dead_lettered_and_blocks_nothing(
        self, state: AppState, clock: FrozenClock
    ) -> None:
        people = add_people(state.sessions, 6, now=clock.now())
        ids = add_messages(state.sessions, people, now=clock.now())
        poison = ids[0]

        def script(d: Delivery) -> SendResult:
            if d.message_id == poison:
                raise ValueError("cannot render payload")
            return SendResult(ok=True)

        settings = FAST.model_copy(update={"batch_size": 2, "max_attempts": 3})
        sender = RecordingSender(script=script)
        worker = make_worker(state, sender, settings)
        run(worker.drain())
        stored = rows(state.sessions)
        assert all(stored[i].state == OutboxState.SENT for i in ids[1:])  # the others went out at once
        assert stored[poison].state == OutboxState.PENDING and stored[poison].attempts == 1
        for _ in range(5):
            clock.advance(timedelta(minutes=5))
            run(worker.drain())
        row = rows(state.sessions)[poison]
        assert row.state == OutboxState.DEAD and row.attempts == 3
        assert row.last_error == "ValueError: cannot render payload"
        assert Counter(sender.delivered)[poison] == 3

    def test_permanent_failure_dead_letters_at_once(self, state: AppState, clock: FrozenClock) -> None:
        (person,) = add_people(state.sessions, 1, now=clock.now())
        (mid,) = add_messages(state.sessions, [person], now=clock.now())
        sender = RecordingSender(
            script=lambda d: SendResult(ok=False, permanent=True, error="403 bot blocked")
        )
        run(make_worker(state, sender).drain())
        row = rows(state.sessions)[mid]
        assert (row.state, row.attempts, row.last_error) == (OutboxState.DEAD, 1, "403 bot blocked")

    def test_backoff_grows_exponentially_with_cap(self) -> None:
        rng = random.Random(1)
        for attempt, full in [(1, 2), (2, 4), (3, 8), (6, 60), (20, 60)]:
            d = backoff_s(attempt, base_s=2, cap_s=60, rng=rng)
            assert full / 2 <= d <= full


class TestLease:
    def test_crashed_claim_comes_back_after_the_lease(self, state: AppState, clock: FrozenClock) -> None:
        people = add_people(state.sessions, 3, now=clock.now())
        ids = add_messages(state.sessions, people, now=clock.now())
        crashed = make_worker(state, RecordingSender())
        claimed = crashed.claim()  # …and the process dies before sending
        assert {c.delivery.message_id for c in claimed} == set(ids)
        assert {r.state for r in rows(state.sessions).values()} == {OutboxState.SENDING}
        sender = RecordingSender()
        survivor = make_worker(state, sender)
        assert run(survivor.run_once()).claimed == 0  # lease still runs
        clock.advance(timedelta(seconds=FAST.lease_s))
        assert run(survivor.drain()).sent == 3
        assert sorted(sender.delivered) == sorted(ids)
        assert all(d.attempt == 2 for d in sender.calls)
        # the crashed worker's late result is ignored: the reclaim fenced it off
        late = crashed.record([(c, SendResult(ok=False, error="late")) for c in claimed])
        assert late.stale == 3
        assert {r.state for r in rows(state.sessions).values()} == {OutboxState.SENT}

    def test_a_row_that_keeps_crashing_its_worker_is_dead_lettered(
        self, state: AppState, clock: FrozenClock
    ) -> None:
        (person,) = add_people(state.sessions, 1, now=clock.now())
        (mid,) = add_messages(state.sessions, [person], now=clock.now())
        settings = FAST.model_copy(update={"max_attempts": 2})
        worker = make_worker(state, RecordingSender(), settings)
        for _ in range(2):
            assert len(worker.claim()) == 1  # claimed, then "crashed"
            clock.advance(timedelta(seconds=settings.lease_s))
        assert worker.claim() == []
        assert rows(state.sessions)[mid].state == OutboxState.DEAD

    def test_concurrent_claimers_never_share_a_row(self, state: AppState, clock: FrozenClock) -> None:
        people = add_people(state.sessions, 4, now=clock.now())
        for k in range(10):
            add_messages(state.sessions, people, now=clock.now(), key=f"c{k}")
        workers = [
            make_worker(state, RecordingSender(), FAST.model_copy(update={"batch_size": 3})) for _ in range(4)
        ]
        claimed: list[uuid.UUID] = []
        lock = threading.Lock()

        def claim_all(w: OutboxWorker) -> None:
            while batch := w.claim():
                with lock:
                    claimed.extend(c.delivery.message_id for c in batch)

        threads = [threading.Thread(target=claim_all, args=(w,)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(claimed) == 40 and len(set(claimed)) == 40


class TestRateLimits:
    def test_rate_limiter_holds_the_rate(self) -> None:
        now = [0.0]

        async def fake_sleep(s: float) -> None:
            now[0] += s

        bucket = RateLimiter(30.0, monotonic=lambda: now[0], sleep=fake_sleep)

        async def take(n: int) -> None:
            for _ in range(n):
                await bucket.acquire()

        asyncio.run(take(91))
        assert now[0] == pytest.approx(3.0)  # the first is free, then one every 1/30 s

    def test_late_wakeups_keep_their_slots_without_bursts(self) -> None:
        """A sleeper that wakes 5 ms late does not push the timeline back (no rate lost) and a long
        pause does not bank credit (no burst)."""
        now = [0.0]

        async def late_sleep(s: float) -> None:
            now[0] += s + 0.005

        limiter = RateLimiter(30.0, monotonic=lambda: now[0], sleep=late_sleep)

        async def take(n: int) -> list[float]:
            times = []
            for _ in range(n):
                await limiter.acquire()
                times.append(now[0])
            return times

        times = asyncio.run(take(301))
        assert 300 / (times[-1] - times[0]) == pytest.approx(30.0, rel=0.02)
        now[0] += 60  # idle a minute
        later = asyncio.run(take(3))
        assert later[1] - later[0] >= 1 / 30 * 0.5 and later[2] - later[1] >= 1 / 30 * 0.5

    def test_a_stalled_wake_up_is_not_followed_by_a_burst(self) -> None:
        """One wake-up 100 ms late (a busy event loop): the following slots start over from it, so
        the sends still fit a token bucket of 30/s holding 1.5 tokens (the limit of a platform that
        polices 30 messages/s with a burst of 2 is never hit)."""
        now, calls = [0.0], [0]

        async def sleep(s: float) -> None:
            calls[0] += 1
            now[0] += s + (0.1 if calls[0] == 5 else 0.0)

        limiter = RateLimiter(30.0, monotonic=lambda: now[0], sleep=sleep)

        async def take(n: int) -> list[float]:
            times = []
            for _ in range(n):
                await limiter.acquire()
                times.append(now[0])
            return times

        times = asyncio.run(take(40))
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert min(gaps) >= 0.5 / 30 - 1e-9
        tokens, last = 1.5, times[0]
        for t in times:  # replay through a bucket of 1.5 tokens refilled at 30/s
            tokens = min(1.5, tokens + (t - last) * 30)
            last = t
            assert tokens >= 1 - 1e-9
            tokens -= 1

    def test_per_recipient_spacing_defers_without_using_an_attempt(
        self, state: AppState, clock: FrozenClock
    ) -> None:
        (person,) = add_people(state.sessions, 1, now=clock.now())
        ids = add_messages(state.sessions, [person] * 4, now=clock.now())
        now, slept = [0.0], []

        async def fake_sleep(s: float) -> None:  # concurrent sleepers: time creeps, each one yields
            slept.append(s)
            now[0] += 0.001
            await asyncio.sleep(0)

        sender = RecordingSender(channel="chat", rate_per_s=30.0, per_recipient_interval_s=1.0)
        worker = OutboxWorker(
            state.sessions, SenderRouter(sender), FAST, clock, monotonic=lambda: now[0], sleep=fake_sleep
        )
        stats = run(worker.run_once())
        # one per second to one chat: slots at 0, 1 and 2 s are waited for, the fourth is deferred
        assert (stats.sent, stats.deferred) == (3, 1)
        assert slept[:2] == [pytest.approx(1.0), pytest.approx(1.999)]
        deferred = next(r for r in rows(state.sessions).values() if r.state == OutboxState.PENDING)
        assert deferred.attempts == 0 and deferred.next_attempt_at > clock.now()
        assert sorted(sender.delivered) == sorted(i for i in ids if i != deferred.id)

    def test_spacing_holds_between_real_sends_when_a_slot_is_passed_late(self) -> None:
        """Telegram's 1 message/s per chat holds between the sends themselves: a first message whose
        overall-rate wait made it go out 0.3 s after its slot pushes the second one back too."""
        now = [10.0]
        spacing = RecipientSpacing(1.0, monotonic=lambda: now[0])
        chat = uuid.uuid4()
        assert spacing.reserve(chat, max_wait_s=2) == 0.0  # slot 10.0
        assert spacing.reserve(chat, max_wait_s=2) == 1.0  # slot 11.0
        now[0] = 10.3  # the first send got through the overall limit late
        assert spacing.wait_before_send(chat) == 0.0
        spacing.sending(chat)
        now[0] = 11.0  # the second reaches its slot and gets through the overall limit at once
        assert spacing.wait_before_send(chat) == pytest.approx(0.3)
        now[0] = 11.3
        assert spacing.wait_before_send(chat) == 0.0

    def test_spacing_reserves_distinct_slots(self) -> None:
        spacing = RecipientSpacing(1.0, monotonic=lambda: 10.0)
        a, b = uuid.uuid4(), uuid.uuid4()
        assert [spacing.reserve(a, max_wait_s=2) for _ in range(4)] == [0.0, 1.0, 2.0, None]
        assert spacing.reserve(b, max_wait_s=2) == 0.0


class TestRouter:
    def test_registered_channel_wins_for_its_people(self, state: AppState, clock: FrozenClock) -> None:
        bound, unbound = add_people(state.sessions, 2, now=clock.now())
        add_messages(state.sessions, [bound, unbound], now=clock.now())
        chat = RecordingSender(channel="telegram")
        router = SenderRouter()
        router.register(chat, channel_of=lambda _s, pid: "telegram" if pid == bound else None)
        assert isinstance(router.default, LogSender)
        run(OutboxWorker(state.sessions, router, FAST, clock).drain())
        assert [d.recipient_id for d in chat.calls] == [bound]
        channels = {r.recipient_id: r.channel for r in rows(state.sessions).values()}
        assert channels == {bound: "telegram", unbound: "log"}


class TestCrash:
    def test_killing_the_worker_mid_run_loses_nothing(self, state: AppState, tmp_path: Path) -> None:
        """A real worker process is SIGKILLed between claim and result; a restarted one delivers
        every message, each exactly once to the (idempotent) recording sender."""
        now = datetime.now(UTC)  # the child processes run on the real clock
        people = add_people(state.sessions, 12, now=now)
        ids = add_messages(state.sessions, people, now=now)
        files = {k: tmp_path / f"{k}.txt" for k in ("record", "attempts", "blocked")}
        cmd = [
            sys.executable,
            "-m",
            "tests.engine.outbox_child",
            "--database-url",
            state.settings.database_url,
            "--lease-s",
            "1.5",
            *(a for k, p in files.items() for a in (f"--{k}", str(p))),
        ]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        first = subprocess.Popen([*cmd, "--block-after", "7"], cwd=REPO, env=env)  # noqa: S603
        try:
            deadline = time.monotonic() + 60
            # the child renames a complete file into place (FileSender._publish); waiting for the
            # content too means a partial file can never be read as "blocked"
            while not (files["blocked"].exists() and files["blocked"].read_text().strip()):
                assert first.poll() is None, "the worker exited early"
                assert time.monotonic() < deadline, "the worker never blocked"
                time.sleep(0.05)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        states = Counter(r.state for r in rows(state.sessions).values())
        assert sum(states.values()) == 12 and states[OutboxState.SENT] <= 7
        assert states[OutboxState.SENDING] >= 1  # at least the one stuck in the killed sender
        assert len(files["record"].read_text().split()) == 7  # some may have gone out unrecorded
        (blocked,) = files["blocked"].read_text().split()

        second = subprocess.run([*cmd, "--exit-when-done"], cwd=REPO, env=env, timeout=120, check=False)  # noqa: S603
        assert second.returncode == 0
        delivered = files["record"].read_text().split()
        assert sorted(delivered) == sorted(str(i) for i in ids)  # every message, none twice
        attempts = Counter(files["attempts"].read_text().split())
        assert (
            attempts[blocked] == 2
        )  # redelivered after the crash: at least once, deduplicated by the sender
        assert sum(attempts.values()) >= 13
        with state.sessions() as session:
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.state != OutboxState.SENT)
                )
                == 0
            )
