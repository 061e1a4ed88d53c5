"""The chat unit of work: identify the chat account, run one service call as that person, commit.

A handler never opens a session or writes SQL. It asks :meth:`ChatServices.identify` who is
writing, then runs ``await services.call(user, fn)`` where ``fn(ctx)`` calls the domain services
(which re-check role and scope). The person and the binding are loaded afresh for every update
(:meth:`ChatServices.admit`), so a disabled account or a removed binding stops working with the
next update; the update's own service calls act as the person loaded then. A
:class:`~engine.errors.DomainError` rolls the transaction back and becomes a :class:`ChatRefusal`
carrying a user message (``error.<code>`` from the catalog, else the error's own message).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from bots.core.i18n import refusal_text as i18n_refusal
from bots.core.i18n import t
from engine.db import WriteLockBusy, sqlite_no_wait, unit_of_work
from engine.errors import DomainError
from workflows.chat.service import (
    BoundAccount,
    UpdateGate,
    admit_update,
    bound_person,
    read_bound_account,
)
from workflows.context import Ctx

if TYPE_CHECKING:
    from api.deps import AppState

T = TypeVar("T")


@dataclass(frozen=True)
class ChatUser:
    """Who writes: the bound person as seen when the update arrived.

    Attributes:
        person_id: ``Person.id``.
        name: Display name.
        roles: Role values (``project_lead`` …); re-checked by the services on every call.
        lang: ``zh`` or ``en``.
        channel: ``telegram`` …
        external_id: The channel's user id.
        chat_id: Where replies and pushes go.
        person: The ``Person`` row loaded with the binding when the update arrived (detached), so
            the update's service calls need not load it again; ``None`` when built elsewhere.
    """

    person_id: uuid.UUID
    name: str
    roles: frozenset[str]
    lang: str
    channel: str
    external_id: str
    chat_id: str
    person: Any = field(default=None, repr=False, compare=False)


class ChatRefusal(Exception):
    """A service refused; ``text`` is ready to show, ``code`` is the domain error code."""

    def __init__(self, text: str, code: str, error: DomainError | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.code = code
        self.error = error


def refusal_text(exc: DomainError, lang: str) -> str:
    """The user message for a domain error in ``lang`` (see :func:`bots.core.i18n.refusal_text`)."""
    params = getattr(exc, "params", None)
    return i18n_refusal(
        exc.code,
        exc.message,
        lang,
        field=getattr(exc, "field", None),
        **(params if isinstance(params, dict) else {}),
    )


class ChatServices:
    """Runs service calls for one channel on one :class:`~api.deps.AppState`.

    Args:
        state: The application state (sessions, clock, settings, BPMN store).
        channel: Channel name stored on bindings (``telegram``).
        offload: Never block the event loop on the database (``True`` in servers, so the loop keeps
            serving other updates). On PostgreSQL every unit of work runs in a worker thread (its
            network round trips release the GIL). On SQLite a unit of work is local CPU work that
            holds the GIL wherever it runs, so it runs on the loop unless it would wait: when another
            writer holds the write lock (:class:`~engine.db.WriteLockBusy`), or for a call marked
            ``slow`` (a report PDF), it runs in a worker thread. This spares the two thread hops per
            update, which cost 15-25 % on the 2-core VM (``bench/bench_telegram.py``). ``False``
            runs everything on the loop (tests, ``bench_telegram.py --inline``).
    """

    def __init__(self, state: AppState, channel: str, *, offload: bool = True) -> None:
        self.state = state
        self.channel = channel
        self.offload = offload
        self._local_db = state.engine.dialect.name == "sqlite"

    async def _run(self, fn: Callable[[], T], *, slow: bool = False) -> T:
        if not self.offload:
            return fn()
        if self._local_db and not slow:
            try:
                with sqlite_no_wait():
                    return fn()
            except WriteLockBusy:  # nothing ran: wait for the lock in a worker thread, not on the loop
                pass
        return await asyncio.to_thread(fn)

    def _user(self, found: BoundAccount | None, external_id: str) -> ChatUser | None:
        if found is None:
            return None
        person = found.person
        return ChatUser(
            person_id=person.id,
            name=person.name,
            roles=frozenset(person.roles),
            lang=found.language,
            channel=self.channel,
            external_id=external_id,
            chat_id=found.chat_id,
            person=person,
        )

    async def identify(self, external_id: str) -> ChatUser | None:
        """The bound, enabled person behind a chat account, or ``None``."""

        def work() -> ChatUser | None:
            return self._user(read_bound_account(self.state.engine, self.channel, external_id), external_id)

        return await self._run(work)

    async def admit(self, external_id: str | None, gate: UpdateGate) -> tuple[bool, ChatUser | None]:
        """Run ``gate`` (e.g. record an update id for dedupe, :func:`~workflows.chat.service.update_gate`)
        and identify the sender, in one transaction (:func:`~workflows.chat.service.admit_update`).
        Returns ``(gate result, user)``; the user is ``None`` when the gate said no or nobody is bound."""

        def work() -> tuple[bool, ChatUser | None]:
            is_new, found = admit_update(self.state.engine, self.channel, external_id, gate)
            return is_new, self._user(found, external_id or "")

        return await self._run(work)

    async def call(self, user: ChatUser, fn: Callable[[Ctx], T], *, slow: bool = False) -> T:
        """Run ``fn(ctx)`` as ``user`` in one transaction and commit (``slow``: long CPU work such as
        rendering a report PDF, always in a worker thread so the event loop is not held).

        Raises:
            ChatRefusal: a domain error (rolled back), or the account was disabled or unbound meanwhile.
        """

        def work() -> T:
            with self._unit() as ctx:
                ctx.actor = self._actor_in(ctx, user)
                return fn(ctx)

        return await self._guard(work, user.lang, slow=slow)

    async def call_system(self, fn: Callable[[Ctx], T], *, lang: str) -> T:
        """Run ``fn(ctx)`` without an actor (binding with a code, language changes); commits.

        Raises:
            ChatRefusal: a domain error (rolled back).
        """

        def work() -> T:
            with self._unit() as ctx:
                return fn(ctx)

        return await self._guard(work, lang)

    def _actor_in(self, ctx: Ctx, user: ChatUser) -> Any:
        """The acting ``Person`` in this transaction.

        The update's identity check (:meth:`admit`, in the same update a moment before) loaded the
        enabled, bound person; that row is attached without a second query. A user built without
        it (or for another person) is looked up again, bound and enabled.

        Raises:
            ChatRefusal: the account is unbound or disabled.
        """
        if user.person is not None and user.person.id == user.person_id:
            return ctx.session.merge(user.person, load=False)
        found = bound_person(ctx.session, self.channel, user.external_id)
        if found is None or found[0].id != user.person_id:
            raise ChatRefusal(t("only_start", user.lang), "unbound")
        return found[0]

    @contextmanager
    def _unit(self) -> Iterator[Ctx]:
        """One transaction (committed on success, rolled back on any error) as a service context."""
        s = self.state
        with unit_of_work(s.sessions) as session:
            yield Ctx(session=session, clock=s.clock, settings=s.settings, processes=s.processes)

    async def _guard(self, work: Callable[[], T], lang: str, *, slow: bool = False) -> T:
        try:
            return await self._run(work, slow=slow)
        except DomainError as exc:
            raise ChatRefusal(refusal_text(exc, lang), exc.code, exc) from exc
