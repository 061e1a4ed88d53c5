"""The outbox delivery worker: claim due rows, send them outside the transaction, record the result.

One round (:meth:`OutboxWorker.run_once`):

1. **Claim** (one short transaction): up to ``batch_size`` rows that are ``pending`` and due, or
   ``sending`` with an expired lease (a worker crashed between claim and result), locked with
   ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite's ``BEGIN IMMEDIATE`` serialises
   claimers instead). Each becomes ``sending`` with ``attempts + 1`` and ``next_attempt_at`` = the
   lease expiry. ``attempts`` is the claim's fencing token: a late result of a reclaimed row is ignored.
2. **Send** (no transaction open): through the recipient's sender, within the sender's global rate
   (:class:`RateLimiter`) and per-recipient spacing, ``concurrency`` at a time.
3. **Record** (one short transaction): ok → ``sent``; failure → ``pending`` again at
   ``now + retry_after_s`` when the sender gave one, else ``now + backoff`` (exponential, equal
   jitter, capped); ``permanent`` or ``attempts ≥ max_attempts`` → ``dead`` (dead-lettered: it never
   blocks other rows). A row deferred by per-recipient spacing goes back without using an attempt.

A crash anywhere loses nothing: unclaimed rows stay pending, claimed rows come back after the
lease. Delivery is therefore at-least-once; :attr:`Delivery.message_id` lets senders drop repeats.
Several workers (one per ``fireops serve`` process, ``fireops worker``) may run at once; the rows of
an ``exclusive`` sender's channel (Telegram: its limits hold per bot) are claimed and sent only by
the worker holding that channel's :class:`~engine.outbox.senders.ChannelLease`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from engine.clock import Clock
from engine.db import unit_of_work
from engine.outbox.models import CLAIMABLE, OutboxMessage, OutboxState
from engine.outbox.senders import (
    ChannelLease,
    Delivery,
    RateLimiter,
    RecipientSpacing,
    Sender,
    SenderRouter,
    SendResult,
)
from engine.settings import OutboxSettings

log = logging.getLogger("fireops.outbox")

ERROR_MAX_CHARS = 1000
MAX_SPACING_WAIT_S = 2.0
"""A message whose recipient's next free slot is further away is deferred instead of waited for."""
FLUSH_INTERVAL_S = 1.0
"""The pipeline records outcomes at least this often (or every half batch)."""
BUSY_TICK_S = 0.05
"""How often the pipeline checks its queue while busy."""
STOP_GRACE_S = 10.0
"""On stop, sends in flight get this long to finish."""


@dataclass(frozen=True)
class Claimed:
    """A claimed row: what to send and through which sender."""

    delivery: Delivery
    sender: Sender


@dataclass(frozen=True)
class Deferred:
    """Not sent: the recipient's spacing asks to wait ``wait_s`` seconds (does not use an attempt)."""

    wait_s: float


Outcome = SendResult | Deferred


@dataclass
class RoundStats:
    """What one :meth:`OutboxWorker.run_once` did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    deferred: int = 0
    stale: int = 0


def backoff_s(attempt: int, *, base_s: float, cap_s: float, rng: random.Random) -> float:
    """Delay before retry number ``attempt`` (1-based): ``min(cap, base·2^(attempt-1))`` with equal jitter.

    Returns:
        Seconds in ``[d/2, d]`` where ``d = min(cap_s, base_s * 2 ** (attempt - 1))``.
    """
    d = min(cap_s, base_s * 2.0 ** max(0, attempt - 1))
    return d / 2 + rng.random() * d / 2


class OutboxWorker:
    """Delivers outbox rows through a :class:`SenderRouter`.

    Args:
        sessions: Session factory of the application's database.
        router: Picks each recipient's sender.
        settings: Batch size, lease, retries and default rate limit.
        clock: Source of "now" for due times and leases (a ``FrozenClock`` in tests).
        rng: Randomness of the backoff jitter.
        monotonic: Time source of the rate limiters (seconds, monotonic).
        sleep: Async sleep of the rate limiters and the idle loop.
        name: This worker's name in logs.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        router: SenderRouter,
        settings: OutboxSettings,
        clock: Clock,
        *,
        rng: random.Random | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        name: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.router = router
        self.settings = settings
        self.clock = clock
        self.rng = rng or random.Random()
        self.monotonic = monotonic
        self.sleep = sleep
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._buckets: dict[str, RateLimiter] = {}
        self._spacing: dict[str, RecipientSpacing | None] = {}
        self._leases: dict[str, ChannelLease | None] = {}

    # -- claim ---------------------------------------------------------------------------------
    def claim(self, limit: int | None = None) -> list[Claimed]:
        """Claim up to ``limit`` (default ``batch_size``) due rows in one transaction; see the module doc.

        Rows reclaimed after an expired lease that have used up their attempts are dead-lettered
        here instead of being sent again (a message that crashes its worker cannot loop forever).
        """
        now = self.clock.now()
        lease_until = now + timedelta(seconds=self.settings.lease_s)
        claimed: list[Claimed] = []
        with unit_of_work(self.sessions) as session:
            stmt = (
                select(OutboxMessage)
                .where(
                    text(CLAIMABLE),  # literal: lets the partial index ix_outbox_message_due serve the claim
                    OutboxMessage.next_attempt_at <= now,
                )
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(limit or self.settings.batch_size)
                .with_for_update(skip_locked=True)
            )
            senders: dict[uuid.UUID, Sender] = {}
            holds: dict[str, bool] = {}
            for row in session.scalars(stmt):
                sender = senders.get(row.recipient_id)
                if sender is None:
                    sender = senders[row.recipient_id] = self.router.resolve(session, row.recipient_id)
                if not self._may_deliver(session, sender, now, holds):
                    continue  # another process holds the channel's lease: the row is left to it
                if row.state == OutboxState.SENDING:
                    log.warning("outbox.lease_expired message_id=%s attempts=%s", row.id, row.attempts)
                    if row.attempts >= self.settings.max_attempts:
                        row.state, row.last_error = OutboxState.DEAD, "lease expired on the last attempt"
                        continue
                row.state = OutboxState.SENDING
                row.attempts += 1
                row.next_attempt_at = lease_until
                claimed.append(
                    Claimed(
                        Delivery(
                            message_id=row.id,
                            recipient_id=row.recipient_id,
                            kind=row.kind,
                            payload=dict(row.payload),
                            attempt=row.attempts,
                            dedup_key=row.dedup_key,
                        ),
                        sender,
                    )
                )
        return claimed

    def _lease_of(self, sender: Sender) -> ChannelLease | None:
        if sender.channel not in self._leases:
            exclusive = bool(getattr(sender, "exclusive", False))
            self._leases[sender.channel] = (
                ChannelLease(sender.channel, self.name, ttl_s=self.settings.lease_s) if exclusive else None
            )
        return self._leases[sender.channel]

    def _may_deliver(self, session: Session, sender: Sender, now: datetime, holds: dict[str, bool]) -> bool:
        """Whether this worker delivers the sender's channel: always, or for an ``exclusive`` sender
        while it holds the channel's lease (taken or renewed once per claim, in its transaction)."""
        lease = self._lease_of(sender)
        if lease is None:
            return True
        if sender.channel not in holds:
            holds[sender.channel] = lease.hold(session, now)
        return holds[sender.channel]

    def release_leases(self) -> None:
        """Give up this worker's channel leases (a clean stop), so another process takes over at once."""
        held = [lease for lease in self._leases.values() if lease is not None and lease.held]
        if held:
            with unit_of_work(self.sessions) as session:
                for lease in held:
                    lease.release(session)

    # -- send ----------------------------------------------------------------------------------
    def _bucket(self, sender: Sender) -> RateLimiter:
        bucket = self._buckets.get(sender.channel)
        if bucket is None:
            rate = float(getattr(sender, "rate_per_s", None) or self.settings.rate_per_s)
            bucket = RateLimiter(rate, monotonic=self.monotonic, sleep=self.sleep)
            self._buckets[sender.channel] = bucket
        return bucket

    def _spacing_of(self, sender: Sender) -> RecipientSpacing | None:
        if sender.channel not in self._spacing:
            interval = getattr(sender, "per_recipient_interval_s", None)
            self._spacing[sender.channel] = (
                RecipientSpacing(float(interval), monotonic=self.monotonic) if interval else None
            )
        return self._spacing[sender.channel]

    async def deliver(self, item: Claimed) -> Outcome:
        """Send one claimed delivery within its sender's limits; an exception becomes a failed result."""
        spacing = self._spacing_of(item.sender)
        if spacing is not None:
            wait = spacing.reserve(item.delivery.recipient_id, max_wait_s=MAX_SPACING_WAIT_S)
            if wait is None:
                return Deferred(spacing.next_free_in(item.delivery.recipient_id))
            if wait > 0:
                await self.sleep(wait)
        while True:  # an overall slot, taken when the recipient's spacing also allows the send now
            await self._bucket(item.sender).acquire()
            late = 0.0 if spacing is None else spacing.wait_before_send(item.delivery.recipient_id)
            if late <= 0:
                break
            # the overall limit delayed the previous send to this recipient more than this one: wait
            # for the spacing, then take a fresh slot (the stale one goes unused, never into a burst)
            await self.sleep(late)
        if spacing is not None:
            spacing.sending(item.delivery.recipient_id)
        lease = self._leases.get(item.sender.channel)
        if lease is not None and not lease.held_at(self.clock.now()):
            return Deferred(0.0)  # the channel's lease may have run out (this process stalled): not ours now
        try:
            timeout = self.settings.send_timeout_s
            return await asyncio.wait_for(item.sender.send(item.delivery), timeout=timeout)
        except Exception as exc:  # a timeout included: recorded on the row and retried
            log.warning(
                "outbox.send_failed channel=%s message_id=%s error=%r",
                item.sender.channel,
                item.delivery.message_id,
                exc,
            )
            return SendResult(ok=False, error=f"{type(exc).__name__}: {exc}")

    # -- record --------------------------------------------------------------------------------
    def record(self, outcomes: Sequence[tuple[Claimed, Outcome]]) -> RoundStats:
        """Write the outcomes of claimed rows in one transaction (see the module doc)."""
        stats = RoundStats(claimed=len(outcomes))
        if not outcomes:
            return stats
        now = self.clock.now()
        with unit_of_work(self.sessions) as session:
            ids = [c.delivery.message_id for c, _ in outcomes]
            rows = {
                r.id: r
                for r in session.scalars(
                    select(OutboxMessage).where(OutboxMessage.id.in_(ids)).with_for_update()
                )
            }
            for item, outcome in outcomes:
                row = rows.get(item.delivery.message_id)
                if row is None or row.state != OutboxState.SENDING or row.attempts != item.delivery.attempt:
                    stats.stale += 1  # reclaimed by another worker after our lease expired
                    continue
                self._apply(row, item, outcome, now, stats)
        return stats

    def _apply(
        self, row: OutboxMessage, item: Claimed, outcome: Outcome, now: datetime, stats: RoundStats
    ) -> None:
        if isinstance(outcome, Deferred):
            row.state, row.attempts = OutboxState.PENDING, row.attempts - 1
            row.next_attempt_at = now + timedelta(seconds=outcome.wait_s)
            stats.deferred += 1
            return
        if outcome.ok:
            row.state, row.sent_at, row.channel = OutboxState.SENT, now, item.sender.channel
            row.last_error = None
            stats.sent += 1
            return
        row.last_error = (outcome.error or "send failed")[:ERROR_MAX_CHARS]
        if outcome.permanent or row.attempts >= self.settings.max_attempts:
            row.state = OutboxState.DEAD
            log.error(
                "outbox.dead_lettered message_id=%s kind=%s attempts=%s error=%s",
                row.id,
                row.kind,
                row.attempts,
                row.last_error,
            )
            stats.dead += 1
            return
        delay = (
            outcome.retry_after_s
            if outcome.retry_after_s is not None
            else backoff_s(
                row.attempts,
                base_s=self.settings.backoff_base_s,
                cap_s=self.settings.backoff_cap_s,
                rng=self.rng,
            )
        )
        row.state, row.next_attempt_at = OutboxState.PENDING, now + timedelta(seconds=max(0.0, delay))
        stats.retried += 1

    # -- loop ----------------------------------------------------------------------------------
    async def run_once(self) -> RoundStats:
        """Claim one batch, send it, record the outcomes. Database work runs in a thread."""
        claimed = await asyncio.to_thread(self.claim)
        if not claimed:
            return RoundStats()
        gate = asyncio.Semaphore(self.settings.concurrency)

        async def one(item: Claimed) -> tuple[Claimed, Outcome]:
            async with gate:
                return item, await self.deliver(item)

        outcomes = await asyncio.gather(*(one(c) for c in claimed))
        return await asyncio.to_thread(self.record, outcomes)

    async def drain(self, *, max_rounds: int = 1000) -> RoundStats:
        """Run rounds until nothing is due (tests, CLI ``--once``), then release the channel leases;
        returns the summed stats."""
        total = RoundStats()
        for _ in range(max_rounds):
            stats = await self.run_once()
            if not stats.claimed:
                break
            for key in ("claimed", "sent", "retried", "dead", "deferred", "stale"):
                setattr(total, key, getattr(total, key) + getattr(stats, key))
        await asyncio.to_thread(self.release_leases)
        return total

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set, as a pipeline that keeps the senders' rate limits busy.

        The loop claims a batch whenever fewer than ``batch_size`` claimed rows wait to be sent,
        ``concurrency`` consumers send them (within the rate limits), and outcomes are recorded in
        groups (at least every second). Claiming and recording never pause sending, so a sender
        limited to 30 messages/s gets 30 messages/s. Idle, it polls every ``poll_interval_s``.

        On stop, claimed rows not yet sent go back to ``pending`` at once and sends in flight get
        ``STOP_GRACE_S`` to finish (otherwise their rows come back after the lease). A failing
        round (database unreachable …) is logged and retried after the poll interval.
        """
        log.info("outbox.worker_started worker=%s", self.name)
        queue: asyncio.Queue[Claimed] = asyncio.Queue()
        done: list[tuple[Claimed, Outcome]] = []
        consumers = [
            asyncio.create_task(self._consume(queue, done)) for _ in range(self.settings.concurrency)
        ]
        last_flush = self.monotonic()
        try:
            while not stop.is_set():
                try:
                    if done and (
                        len(done) >= max(1, self.settings.batch_size // 2)
                        or self.monotonic() - last_flush >= FLUSH_INTERVAL_S
                    ):
                        batch, done[:] = list(done), []
                        await asyncio.to_thread(self.record, batch)
                        last_flush = self.monotonic()
                    claimed: list[Claimed] = []
                    if queue.qsize() < self.settings.batch_size:
                        claimed = await asyncio.to_thread(self.claim)
                        for item in claimed:
                            queue.put_nowait(item)
                except Exception:
                    log.exception("outbox.round_failed worker=%s", self.name)
                    claimed = []
                idle = not claimed and queue.empty() and not done
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        stop.wait(), timeout=self.settings.poll_interval_s if idle else BUSY_TICK_S
                    )
        finally:
            while not queue.empty():  # claimed but not sent: back to pending now, no attempt used
                done.append((queue.get_nowait(), Deferred(0.0)))
                queue.task_done()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(queue.join(), timeout=STOP_GRACE_S)
            for task in consumers:
                task.cancel()
            await asyncio.gather(*consumers, return_exceptions=True)
            if done:
                await asyncio.to_thread(self.record, list(done))
            await asyncio.to_thread(self.release_leases)
            log.info("outbox.worker_stopped worker=%s", self.name)

    async def _consume(self, queue: asyncio.Queue[Claimed], done: list[tuple[Claimed, Outcome]]) -> None:
        while True:
            item = await queue.get()
            try:
                done.append((item, await self.deliver(item)))
            finally:
                queue.task_done()
