"""Channel senders of outbox notifications and the router that picks one per recipient.

A sender delivers one :class:`Delivery` and answers with a :class:`SendResult`; it never touches
the database. The worker (:mod:`engine.outbox.worker`) owns claiming, retries and bookkeeping.

Plugging in a channel (the Telegram adapter, issue 4: ``bots.telegram.sender.register_telegram_sender``,
called by ``api.background.build_sender_router`` whenever a bot token is configured)::

    router.register(TelegramSender(bot, lookup), channel_of=channel_of("telegram"))

where ``channel_of("telegram")(session, person_id)`` returns ``"telegram"`` for people bound to a
chat and ``None`` otherwise. People no registered channel claims get the default sender (``log``).

A sender may declare its own limits as attributes (read by the worker, defaults from Settings):

* ``rate_per_s: float`` — messages per second over all recipients (Telegram: 30), paced by
  :class:`RateLimiter`;
* ``per_recipient_interval_s: float`` — minimum seconds between two messages to one recipient
  (Telegram: 1.0 per chat);
* ``exclusive: bool`` — the limits belong to the account (one Telegram bot), not to the process:
  only one worker process at a time delivers the channel, the holder of its :class:`ChannelLease`.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import event
from sqlalchemy.orm import Session

from engine.scheduler import acquire_lease, release_lease

log = logging.getLogger("fireops.outbox")

ChannelOf = Callable[[Session, uuid.UUID], str | None]
"""``channel_of(session, person_id)``: the channel that reaches the person, or ``None`` if not this one."""


@dataclass(frozen=True)
class Delivery:
    """One notification handed to a sender.

    Attributes:
        message_id: ``OutboxMessage.id``; stable across retries, so a sender can drop duplicates
            (delivery is at-least-once).
        recipient_id: ``Person.id`` of the recipient.
        kind: Dotted event name, e.g. ``task.reviewed``.
        payload: Channel-neutral JSON (``title``, ``body`` and raw fields).
        attempt: 1 for the first attempt, 2 for the first retry …
        dedup_key: The row's dedup key (unique per recipient).
    """

    message_id: uuid.UUID
    recipient_id: uuid.UUID
    kind: str
    payload: Mapping[str, Any]
    attempt: int
    dedup_key: str = ""


@dataclass(frozen=True)
class SendResult:
    """What a sender made of a delivery.

    Attributes:
        ok: Delivered.
        retry_after_s: The channel asked to wait this many seconds before retrying (e.g. Telegram's
            429 ``retry_after``); the worker schedules the retry exactly then.
        permanent: Retrying cannot help (blocked bot, unknown chat, malformed payload): dead-letter now.
        error: Short description of the failure, stored on the row.
    """

    ok: bool
    retry_after_s: float | None = None
    permanent: bool = False
    error: str | None = None


@runtime_checkable
class Sender(Protocol):
    """Delivers notifications over one channel."""

    channel: str

    async def send(self, delivery: Delivery) -> SendResult: ...


class LogSender:
    """Writes the notification's title and body to the log: the default until the chat bots plug in."""

    channel = "log"

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._log = logger or log

    async def send(self, delivery: Delivery) -> SendResult:
        self._log.info(
            "outbox.delivered channel=log kind=%s recipient_id=%s message_id=%s title=%s body=%s",
            delivery.kind,
            delivery.recipient_id,
            delivery.message_id,
            delivery.payload.get("title", ""),
            delivery.payload.get("body", ""),
        )
        return SendResult(ok=True)


@dataclass
class _Route:
    sender: Sender
    channel_of: ChannelOf


class SenderRouter:
    """Picks each recipient's sender: the first registered channel that claims the person, else the default.

    Args:
        default: The fallback sender (a :class:`LogSender` when omitted).
    """

    def __init__(self, default: Sender | None = None) -> None:
        self.default: Sender = default or LogSender()
        self._routes: list[_Route] = []

    def register(self, sender: Sender, *, channel_of: ChannelOf | None = None) -> None:
        """Add (or replace, by ``sender.channel``) a sender.

        Args:
            sender: The channel's sender.
            channel_of: Tells which people this channel reaches; ``None`` makes the sender the
                default for everyone.
        """
        self._routes = [r for r in self._routes if r.sender.channel != sender.channel]
        if channel_of is None:
            self.default = sender
            return
        self._routes.append(_Route(sender, channel_of))

    @property
    def senders(self) -> dict[str, Sender]:
        """Every sender by channel name."""
        out = {r.sender.channel: r.sender for r in self._routes}
        out[self.default.channel] = self.default
        return out

    def resolve(self, session: Session, person_id: uuid.UUID) -> Sender:
        """The sender that reaches ``person_id`` (the default when no channel claims the person)."""
        for route in self._routes:
            if route.channel_of(session, person_id) == route.sender.channel:
                return route.sender
        return self.default


@dataclass
class RateLimiter:
    """At most ``rate_per_s`` messages per second, paced on an ideal timeline (GCRA, "virtual scheduling").

    Each acquisition waits for the next slot, ``1 / rate_per_s`` after the previous one. A caller
    that wakes up late (timer jitter, a busy event loop) keeps the timeline instead of pushing every
    later slot back, up to ``tolerance`` of an interval: without that, a few milliseconds of
    lateness per message cost several percent of the allowed rate. The timeline moves on from the
    time the caller really woke up, so a wake-up later than that (a stalled event loop) never lets
    the next callers catch up in a burst: the acquisitions conform to a token bucket of
    ``rate_per_s`` with ``1 + tolerance`` tokens, i.e. in any window of ``t`` seconds at most
    ``rate_per_s · t + 1 + tolerance`` pass. A long pause banks no credit.

    ``monotonic`` and ``sleep`` are injectable for tests and benchmarks.
    """

    rate_per_s: float
    tolerance: float = 0.5
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _next: float | None = field(default=None, init=False)
    _lock: asyncio.Lock | None = field(default=None, init=False)

    @property
    def interval_s(self) -> float:
        """Seconds between two slots."""
        return 1.0 / self.rate_per_s

    async def acquire(self) -> None:
        """Wait for the next slot (slots are handed out in call order)."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            now = self.monotonic()
            slot = now if self._next is None else max(self._next, now)
            if slot > now:
                await self.sleep(slot - now)
            woke = self.monotonic()
            # late by at most ``tolerance``: the timeline stays; later: it starts over from the wake-up
            self._next = max(slot, woke - self.tolerance * self.interval_s) + self.interval_s


class RecipientSpacing:
    """At most one message per ``interval_s`` seconds to one recipient (Telegram: 1 s per chat)."""

    def __init__(self, interval_s: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.interval_s = interval_s
        self._monotonic = monotonic
        self._next: dict[uuid.UUID, float] = {}
        self._sent: dict[uuid.UUID, float] = {}

    def reserve(self, recipient_id: uuid.UUID, *, max_wait_s: float) -> float | None:
        """Reserve the recipient's next free slot.

        Returns:
            Seconds to wait before sending (0 = now), or ``None`` when the next slot is more than
            ``max_wait_s`` away (nothing reserved: the caller defers the message).
        """
        now = self._monotonic()
        slot = max(now, self._next.get(recipient_id, 0.0))
        if slot - now > max_wait_s:
            return None
        self._next[recipient_id] = slot + self.interval_s
        if len(self._next) > 10_000:  # forget recipients whose slots have passed
            self._next = {k: v for k, v in self._next.items() if v > now}
        return slot - now

    def next_free_in(self, recipient_id: uuid.UUID) -> float:
        """Seconds until the recipient's next free slot (0 when free now)."""
        return max(0.0, self._next.get(recipient_id, 0.0) - self._monotonic())

    def wait_before_send(self, recipient_id: uuid.UUID) -> float:
        """Seconds still to wait so that this send starts ``interval_s`` after the recipient's last one.

        A reserved slot can be passed late (the overall rate limit made this send wait longer than
        the one before it): the spacing is kept between real sends, not only between slots.
        """
        last = self._sent.get(recipient_id)
        return 0.0 if last is None else max(0.0, last + self.interval_s - self._monotonic())

    def sending(self, recipient_id: uuid.UUID) -> None:
        """Record that a send to the recipient starts now."""
        now = self._monotonic()
        self._sent[recipient_id] = now
        if len(self._sent) > 10_000:
            self._sent = {k: v for k, v in self._sent.items() if v + self.interval_s > now}


class ChannelLease:
    """Lets one worker process at a time deliver a channel whose limits hold per account.

    Telegram allows a bot 30 messages/s and 1 per second per chat, however many processes send
    through it: ``fireops serve`` plus a ``fireops worker``, each pacing itself, would send twice
    that. A sender declaring ``exclusive = True`` is therefore delivered only by the holder of the
    lease row ``outbox.<channel>`` (table ``scheduler_lease``, taken and renewed with
    :func:`engine.scheduler.acquire_lease`). The worker takes or renews it in every claim that meets
    rows of the channel (:meth:`hold`) and leaves those rows to the holder when another process holds
    it; it sends nothing of the channel once its lease may have run out (:meth:`held_at`: a stalled
    process). A crashed holder is replaced after ``ttl_s``, a stopped one at once (:meth:`release`).

    Args:
        channel: The sender's channel (``telegram``).
        holder: This worker's unique name (``host:pid:random``).
        ttl_s: Lease length (s). Sends stop when less than a third of it is left unrenewed.
    """

    def __init__(self, channel: str, holder: str, ttl_s: float) -> None:
        self.channel = channel
        self.name = f"outbox.{channel}"
        self.holder = holder
        self.ttl = timedelta(seconds=ttl_s)
        self._until: datetime | None = None

    @property
    def held(self) -> bool:
        """Whether this worker took the lease (and has not lost or released it since)."""
        return self._until is not None

    def hold(self, session: Session, now: datetime) -> bool:
        """Take or renew the lease in the caller's transaction (``now``: tz-aware UTC).

        Returns:
            Whether this worker holds the lease; it counts for :meth:`held_at` once the caller's
            transaction has committed.
        """
        if not acquire_lease(session, name=self.name, holder=self.holder, now=now, ttl=self.ttl):
            if self._until is not None:
                log.info("outbox.channel_lease_lost channel=%s holder=%s", self.channel, self.holder)
            self._until = None
            return False
        until = now + self.ttl
        event.listen(session, "after_commit", lambda _session: self._taken(until), once=True)
        return True

    def _taken(self, until: datetime) -> None:
        if self._until is None:
            log.info("outbox.channel_lease_acquired channel=%s holder=%s", self.channel, self.holder)
        self._until = until

    def held_at(self, now: datetime) -> bool:
        """Whether this worker may still send the channel at ``now``: it holds the lease and more
        than a third of the lease is left (so a send never overlaps another holder's)."""
        return self._until is not None and now < self._until - self.ttl / 3

    def release(self, session: Session) -> None:
        """Give the lease up in the caller's transaction (a clean stop): another process takes the
        channel over at its next claim."""
        release_lease(session, name=self.name, holder=self.holder)
        if self._until is not None:
            log.info("outbox.channel_lease_released channel=%s holder=%s", self.channel, self.holder)
        self._until = None
