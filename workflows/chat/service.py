"""Chat identity services: one-time binding codes, binding/unbinding accounts (R-ROLE-6), update dedupe.

Codes are random, shown once, stored only as SHA-256, expire after
``settings.telegram.binding_code_ttl_s`` and are used at most once. A person has at most one
binding per channel, and a chat account binds at most one person: binding again is refused until
``/unbind`` (R-ROLE-6, "one account, one device").
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, bindparam, delete, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached, sessionmaker

from engine.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from workflows.audit.service import record_audit
from workflows.chat.models import ChatBinding, ChatBindingCode, TelegramUpdate
from workflows.context import Ctx
from workflows.people.models import Person
from workflows.people.rules import Role
from workflows.people.scope import has_role
from workflows.schema import Schema

LANGUAGES = ("zh", "en")


class BindingCodeRead(Schema):
    """``POST /people/{id}/chat-binding-code``: the code (shown once) and the Telegram deep link."""

    person_id: uuid.UUID
    code: str
    expires_at: datetime
    telegram_link: str


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode("utf-8")).hexdigest()


def issue_binding_code(ctx: Ctx, person_id: uuid.UUID) -> BindingCodeRead:
    """Issue a one-time code that binds a chat account to ``person_id``.

    Args:
        ctx: Acting agency admin of the person's agency (for owner contacts: of their owner's
            agency), or a platform admin (also for fire supervisors, who belong to no agency).
        person_id: The person to bind.

    Returns:
        The code (URL-safe, 22 characters; shown once) with its expiry and ``t.me`` deep link.

    Raises:
        NotFound: no such person, or of another agency (404).
        Forbidden: the actor is not an admin of the person's agency (403).
    """
    actor = ctx.actor
    assert actor is not None
    person = ctx.session.get(Person, person_id)
    platform = has_role(actor, Role.PLATFORM_ADMIN)
    if person is None or (not platform and _agency_of(ctx, person) != actor.agency_id):
        raise NotFound("人员不存在 / person not found")
    if not platform and not has_role(actor, Role.AGENCY_ADMIN):
        raise Forbidden("只有本机构系统管理员可以发放绑定码 / only the agency admin may issue binding codes")
    code = secrets.token_urlsafe(16)
    expires = ctx.clock.now() + timedelta(seconds=ctx.settings.telegram.binding_code_ttl_s)
    row = ChatBindingCode(
        code_sha256=_hash(code), person_id=person.id, issued_by=actor.id, expires_at=expires
    )
    ctx.session.add(row)
    ctx.session.flush()
    record_audit(
        ctx, "chat.binding_code_issued", "person", person.id, after={"expires_at": expires.isoformat()}
    )
    link = f"https://t.me/{ctx.settings.telegram.bot_username}?start={code}"
    return BindingCodeRead(person_id=person.id, code=code, expires_at=expires, telegram_link=link)


def _agency_of(ctx: Ctx, person: Person) -> uuid.UUID | None:
    """The agency that administers a person: their own, or (owner contacts) their owner's agency."""
    if person.agency_id is not None:
        return person.agency_id
    if person.owner_id is not None:
        from workflows.owners.models import Owner

        owner = ctx.session.get(Owner, person.owner_id)
        return owner.agency_id if owner else None
    return None


def binding_of(session: Session, channel: str, external_user_id: str) -> ChatBinding | None:
    """The binding of a chat account, if any."""
    return session.scalar(
        select(ChatBinding).where(
            ChatBinding.channel == channel, ChatBinding.external_user_id == external_user_id
        )
    )


# Built once: this runs for every chat update (bench/bench_telegram.py).
_BOUND_PERSON = (
    select(Person, ChatBinding)
    .join(ChatBinding, ChatBinding.person_id == Person.id)
    .where(
        ChatBinding.channel == bindparam("channel"),
        ChatBinding.external_user_id == bindparam("external_user_id"),
        Person.enabled.is_(True),
    )
)


def bound_person(session: Session, channel: str, external_user_id: str) -> tuple[Person, ChatBinding] | None:
    """The enabled person bound to a chat account and the binding, in one query; ``None`` otherwise."""
    row = session.execute(_BOUND_PERSON, {"channel": channel, "external_user_id": external_user_id}).first()
    return None if row is None else (row[0], row[1])


_PERSON_ATTRS = tuple((attr.key, attr.columns[0]) for attr in sa_inspect(Person).column_attrs)
_BINDINGS = cast(Table, ChatBinding.__table__)
_BOUND_PERSON_ROW = (  # Core: the identity check of every chat update (bench/bench_telegram.py)
    select(*(column for _, column in _PERSON_ATTRS), _BINDINGS.c.language, _BINDINGS.c.chat_id)
    .join(_BINDINGS, _BINDINGS.c.person_id == cast(Table, Person.__table__).c.id)
    .where(
        _BINDINGS.c.channel == bindparam("channel"),
        _BINDINGS.c.external_user_id == bindparam("external_user_id"),
        cast(Table, Person.__table__).c.enabled.is_(True),
    )
)


@dataclass(frozen=True)
class BoundAccount:
    """A chat account's enabled person, as read by :func:`bound_account`.

    Attributes:
        person: The ``Person`` row as a detached instance (no session; merge it with
            ``load=False`` to act as it in a transaction without loading it again).
        language: The binding's language (``zh``/``en``).
        chat_id: Where the account's replies and pushes go.
    """

    person: Person
    language: str
    chat_id: str


def bound_account(conn: Connection, channel: str, external_user_id: str) -> BoundAccount | None:
    """:func:`bound_person` on a Core connection (one query, no ORM session): the enabled person bound
    to a chat account, or ``None``."""
    row = conn.execute(_BOUND_PERSON_ROW, {"channel": channel, "external_user_id": external_user_id}).first()
    if row is None:
        return None
    person = Person(**{key: row[i] for i, (key, _) in enumerate(_PERSON_ATTRS)})
    make_transient_to_detached(person)  # the row as it is in the database: no pending changes
    n = len(_PERSON_ATTRS)
    return BoundAccount(person, row[n], row[n + 1])


def binding_for_person(session: Session, channel: str, person_id: uuid.UUID) -> ChatBinding | None:
    """The person's binding in ``channel``, if any (where pushes go)."""
    return session.scalar(
        select(ChatBinding).where(ChatBinding.channel == channel, ChatBinding.person_id == person_id)
    )


def bind_account(
    ctx: Ctx, *, channel: str, code: str, external_user_id: str, chat_id: str, language: str = "zh"
) -> Person:
    """Bind a chat account with a one-time code (``/start <code>``).

    Raises:
        InvalidInput: unknown, used or expired code (422, ``code``).
        Conflict: this chat account is bound already (409, ``already_bound``).
        RuleViolation: ``R-ROLE-6`` the person has another account bound in this channel (409).
        Forbidden: the person's account is disabled (403).
    """
    now = ctx.clock.now()
    row = ctx.session.scalar(
        select(ChatBindingCode).where(ChatBindingCode.code_sha256 == _hash(code)).with_for_update()
    )
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise InvalidInput("code", "绑定码无效、已使用或已过期 / the code is unknown, used or expired")
    if binding_of(ctx.session, channel, external_user_id) is not None:
        raise Conflict(
            "此账号已绑定，请先 /unbind / this account is bound already; /unbind first", code="already_bound"
        )
    person = ctx.session.get(Person, row.person_id)
    if person is None or not person.enabled:
        raise Forbidden("账号未启用 / the account is disabled")
    if binding_for_person(ctx.session, channel, person.id) is not None:
        raise RuleViolation(
            "R-ROLE-6",
            "该人员已绑定另一个账号，请先在原账号发送 /unbind / "
            "the person has another account bound; /unbind it first",
        )
    row.used_at = now
    ctx.session.add(
        ChatBinding(
            person_id=person.id,
            channel=channel,
            external_user_id=external_user_id,
            chat_id=chat_id,
            language=language if language in LANGUAGES else "zh",
            bound_at=now,
        )
    )
    ctx.actor = person
    record_audit(ctx, "chat.bound", "person", person.id, after={"channel": channel})
    ctx.session.flush()
    return person


def unbind_account(ctx: Ctx, *, channel: str, external_user_id: str) -> bool:
    """Remove the binding of a chat account; ``False`` when it was not bound."""
    binding = binding_of(ctx.session, channel, external_user_id)
    if binding is None:
        return False
    ctx.actor = ctx.actor or ctx.session.get(Person, binding.person_id)
    record_audit(ctx, "chat.unbound", "person", binding.person_id, before={"channel": channel})
    ctx.session.delete(binding)
    ctx.session.flush()
    return True


def set_language(session: Session, *, channel: str, external_user_id: str, language: str) -> bool:
    """Store the account's language (``zh``/``en``); ``False`` when unbound or unknown language."""
    binding = binding_of(session, channel, external_user_id)
    if binding is None or language not in LANGUAGES:
        return False
    binding.language = language
    return True


def mark_update_seen(bind: Session | Connection, update_id: int, now: datetime) -> bool:
    """Record a Telegram ``update_id`` (in a session's or a connection's transaction); ``False`` when it
    was seen before (a redelivery).

    One ``INSERT … ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL), safe under concurrent deliveries.
    """
    dialect = bind.dialect.name if isinstance(bind, Connection) else bind.get_bind().dialect.name
    table = _UPDATES
    if dialect not in ("postgresql", "sqlite"):  # pragma: no cover - only SQLite and PostgreSQL are supported
        seen = select(table.c.update_id).where(table.c.update_id == update_id)
        if bind.execute(seen).first() is not None:
            return False
        bind.execute(table.insert().values(update_id=update_id, seen_at=now))
        return True
    stmt = _MARK_SEEN.get(dialect)
    if stmt is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = _MARK_SEEN[dialect] = (
            insert(table)
            .values(update_id=bindparam("update_id"), seen_at=bindparam("seen_at"))
            .on_conflict_do_nothing()
            .returning(table.c.update_id)
        )
    return bind.execute(stmt, {"update_id": update_id, "seen_at": now}).first() is not None


_UPDATES = cast(Table, TelegramUpdate.__table__)  # Core: an ORM insert is re-annotated every call


_MARK_SEEN: dict[str, Any] = {}
"""The dedupe insert per dialect, built once (every chat update runs it; a Core insert keeps its cache
key between calls, an ORM one is annotated afresh for each)."""


def prune_updates(bind: Session | Connection, before: datetime) -> int:
    """Forget update ids seen before ``before``; returns how many were removed."""
    result = bind.execute(delete(_UPDATES).where(_UPDATES.c.seen_at < before))
    return int(getattr(result, "rowcount", 0) or 0)


PRUNE_EVERY = 500
"""Every this many update ids, :func:`record_update` forgets ids older than the retention."""


def read_bound_account(engine: Engine, channel: str, external_user_id: str) -> BoundAccount | None:
    """:func:`bound_account` in a transaction of its own (an identity check without an update)."""
    with engine.begin() as conn:
        return bound_account(conn, channel, external_user_id)


UpdateGate = Callable[[Connection], bool]
"""What :func:`admit_update` runs before the identity check (e.g. :func:`update_gate`); ``False`` stops."""


def admit_update(
    engine: Engine, channel: str, external_user_id: str | None, gate: UpdateGate
) -> tuple[bool, BoundAccount | None]:
    """Run ``gate`` (the update's dedupe) and read the sender's :class:`BoundAccount`, in one
    transaction on a Core connection (every chat update starts with it: two statements, no ORM
    session). Returns ``(gate result, account)``; the account is ``None`` when the gate said no, the
    update has no sender, or the sender is not bound to an enabled person."""
    with engine.begin() as conn:
        if not gate(conn):
            return False, None
        return True, bound_account(conn, channel, external_user_id) if external_user_id else None


def update_gate(update_id: int, *, now: datetime, retention_s: int) -> UpdateGate:
    """The gate of a Telegram update for :func:`admit_update`: :func:`record_update` (``False`` for a
    redelivery)."""

    def gate(conn: Connection) -> bool:
        return record_update(conn, update_id, now=now, retention_s=retention_s)

    return gate


def record_update(bind: Session | Connection, update_id: int, *, now: datetime, retention_s: int) -> bool:
    """Record a Telegram ``update_id`` for dedupe (every :data:`PRUNE_EVERY` ids, also forget ids seen
    more than ``retention_s`` seconds before ``now``); ``False`` when it was seen before (a redelivery)."""
    if update_id % PRUNE_EVERY == 0:
        prune_updates(bind, now - timedelta(seconds=retention_s))
    return mark_update_seen(bind, update_id, now)


class ChatRecipient(Schema):
    """Where a person's pushes go in one channel, and what their cards may offer.

    Attributes:
        person_id: ``Person.id``.
        chat_id: The channel's chat id (Telegram private chat id as a string).
        language: ``zh`` or ``en``.
        roles: The person's role values (cards and buttons follow them).
    """

    person_id: uuid.UUID
    chat_id: str
    language: str
    roles: frozenset[str]


def chat_recipient(session: Session, channel: str, person_id: uuid.UUID) -> ChatRecipient | None:
    """The person's binding in ``channel`` with their roles, or ``None`` when unbound or disabled."""
    row = session.execute(
        select(ChatBinding, Person)
        .join(Person, Person.id == ChatBinding.person_id)
        .where(ChatBinding.channel == channel, ChatBinding.person_id == person_id, Person.enabled.is_(True))
    ).first()
    if row is None:
        return None
    binding, person = row[0], row[1]
    return ChatRecipient(
        person_id=person.id,
        chat_id=binding.chat_id,
        language=binding.language,
        roles=frozenset(person.roles),
    )


def channel_of(channel: str) -> Callable[[Session, uuid.UUID], str | None]:
    """The outbox router's ``channel_of`` for ``channel``: claims people bound in that channel."""

    def claims(session: Session, person_id: uuid.UUID) -> str | None:
        return channel if binding_for_person(session, channel, person_id) is not None else None

    return claims


def recipient_lookup(
    sessions: sessionmaker[Session], channel: str
) -> Callable[[uuid.UUID], ChatRecipient | None]:
    """``lookup(person_id)`` reading :func:`chat_recipient` in a short transaction of its own."""
    from engine.db import unit_of_work

    def lookup(person_id: uuid.UUID) -> ChatRecipient | None:
        with unit_of_work(sessions) as session:
            return chat_recipient(session, channel, person_id)

    return lookup
