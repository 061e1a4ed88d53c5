"""Fire-department supervisors (消防监督员): created by the platform admin, one jurisdiction each (R-ROLE).

A supervisor sees only the projects whose ``jurisdiction`` (管辖归属) equals theirs
(:func:`workflows.people.scope.visible_projects`), decides their suspension requests and reads their
statistics. Unlike agency staff (R-ROLE-1) the account is enabled at once: the platform admin vouches for it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import StringConstraints
from sqlalchemy import select

from workflows.agencies.service import acting_person
from workflows.audit.service import record_audit
from workflows.context import Ctx
from workflows.people.credentials import hash_password
from workflows.people.models import Person
from workflows.people.rules import Role
from workflows.people.scope import require_role
from workflows.people.staff import ensure_phone_free
from workflows.people.staff_schemas import MobilePhone, Password, PersonName
from workflows.schema import Schema

Jurisdiction = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class SupervisorCreate(Schema):
    """``{name, phone, password, jurisdiction}`` of a new supervisor (``西宁市消防救援支队城中区大队``)."""

    name: PersonName
    phone: MobilePhone
    password: Password
    jurisdiction: Jurisdiction


class SupervisorRead(Schema):
    """A supervisor as the platform admin sees them (no password hash)."""

    id: uuid.UUID
    name: str
    phone: str
    jurisdiction: str | None
    roles: list[str]
    enabled: bool
    created_at: datetime


def create_supervisor(ctx: Ctx, body: SupervisorCreate) -> Person:
    """Create an enabled fire supervisor of one jurisdiction.

    Raises:
        Forbidden: the actor is not a platform admin (403).
        PhoneTaken: the phone is someone's login already (409).
    """
    actor = acting_person(ctx)
    require_role(actor, Role.PLATFORM_ADMIN, action="创建消防监督员 / create a supervisor")
    ensure_phone_free(ctx, body.phone)
    person = Person(
        name=body.name,
        phone=body.phone,
        password_hash=hash_password(body.password, rounds=ctx.settings.password_rounds),
        roles=[Role.FIRE_SUPERVISOR.value],
        enabled=True,
        jurisdiction=body.jurisdiction,
        created_at=ctx.clock.now(),
    )
    ctx.session.add(person)
    ctx.session.flush()
    record_audit(
        ctx,
        "person.created",
        "person",
        person.id,
        after={"roles": person.roles, "enabled": True, "jurisdiction": person.jurisdiction},
    )
    return person


def list_supervisors(ctx: Ctx) -> list[SupervisorRead]:
    """Every fire supervisor, by jurisdiction then name.

    Raises:
        Forbidden: the actor is not a platform admin (403).
    """
    require_role(acting_person(ctx), Role.PLATFORM_ADMIN, action="查看消防监督员 / list supervisors")
    people = ctx.session.scalars(
        select(Person)
        .where(Person.jurisdiction.is_not(None))
        .order_by(Person.jurisdiction, Person.name, Person.id)
    ).all()
    return [SupervisorRead.model_validate(p) for p in people if Role.FIRE_SUPERVISOR.value in p.roles]
