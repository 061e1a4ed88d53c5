"""Request dependencies: the application state, one transaction per request, the calling person."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine.clock import Clock
from engine.errors import Unauthorized
from engine.processes.store import ProcessStore
from engine.settings import Settings
from workflows.context import Ctx
from workflows.people.credentials import read_token
from workflows.people.models import Person


@dataclass
class AppState:
    """What one running application holds."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    processes: ProcessStore


oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_state(request: Request) -> AppState:
    """The :class:`AppState` of the running app."""
    state: AppState = request.app.state.fireops
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_ctx(state: StateDep) -> Iterator[Ctx]:
    """One unit of work per request: commit when the endpoint returns, roll back on any error.

    Used with ``scope="function"``: the commit happens before the response is sent, so a client
    that got its answer finds the change committed (and a failed commit is never answered 2xx).
    """
    session = state.sessions()
    ctx = Ctx(session=session, clock=state.clock, settings=state.settings, processes=state.processes)
    try:
        yield ctx
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_person(
    ctx: Annotated[Ctx, Depends(get_ctx, scope="function")],
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Person:
    """The person behind the bearer token; sets ``ctx.actor``.

    Raises:
        Unauthorized: no token, bad token, disabled account, or a token replaced by a newer login.
    """
    if not token:
        raise Unauthorized("请先登录 / not authenticated")
    person_id, session_version = read_token(
        token, secret=ctx.settings.secret_key.get_secret_value(), now=ctx.clock.now()
    )
    person = ctx.session.get(Person, person_id)
    if person is None or not person.enabled:
        raise Unauthorized("账号不存在或已禁用 / account missing or disabled")
    if person.session_version != session_version:
        raise Unauthorized("账号已在其他设备登录 / this session was replaced by a newer login (R-ROLE-6)")
    ctx.actor = person
    return person


CtxDep = Annotated[Ctx, Depends(get_ctx, scope="function")]
PersonDep = Annotated[Person, Depends(get_person)]
