"""People services: log in, describe the caller. (Staff management: see ``staff.py``.)"""

from __future__ import annotations

from sqlalchemy import select

from engine.errors import Unauthorized
from workflows.agencies.models import Agency
from workflows.context import Ctx
from workflows.people.credentials import check_password, make_token
from workflows.people.models import Person
from workflows.people.schemas import MeRead

__all__ = ["MeRead", "authenticate", "describe_me"]


def authenticate(ctx: Ctx, *, phone: str, password: str) -> str:
    """Check phone + password and issue a bearer token, ending any earlier session (R-ROLE-6).

    Returns:
        A signed bearer token (JWT) valid for ``settings.token_ttl_s`` seconds.

    Raises:
        Unauthorized: unknown phone, wrong password, or a disabled account (R-ROLE-1) (401).
    """
    person = ctx.session.scalars(select(Person).where(Person.phone == phone.strip())).first()
    if person is None or not check_password(password, person.password_hash):
        raise Unauthorized("手机号或密码错误 / wrong phone or password")
    if not person.enabled:
        raise Unauthorized(
            "账号未启用，请联系机构管理员 / account disabled: ask your agency admin (R-ROLE-1)"
        )
    person.session_version += 1
    ctx.session.flush()
    return make_token(
        person.id,
        person.session_version,
        secret=ctx.settings.secret_key.get_secret_value(),
        now=ctx.clock.now(),
        ttl_s=ctx.settings.token_ttl_s,
    )


def describe_me(ctx: Ctx, person: Person) -> MeRead:
    """The caller's profile."""
    agency = ctx.session.get(Agency, person.agency_id) if person.agency_id else None
    return MeRead(
        id=person.id,
        name=person.name,
        phone=person.phone,
        roles=list(person.roles),
        agency_id=person.agency_id,
        agency_name=agency.name if agency else None,
        owner_id=person.owner_id,
        jurisdiction=person.jurisdiction,
    )


def create_platform_admin(ctx: Ctx, *, phone: str, password: str, name: str) -> Person:
    """Create (or reset the password of) a platform admin, enabled at once (the CLI's ``admin create``).

    Raises:
        InvalidInput: empty phone/name or a password shorter than 8 characters (422).
    """
    from engine.errors import InvalidInput
    from workflows.audit.service import record_audit
    from workflows.people.credentials import hash_password
    from workflows.people.rules import Role

    if not phone.strip():
        raise InvalidInput("phone", "手机号不能为空 / phone is required")
    if not name.strip():
        raise InvalidInput("name", "姓名不能为空 / name is required")
    if len(password) < 8:
        raise InvalidInput("password", "密码至少 8 位 / password needs at least 8 characters")
    person = ctx.session.scalars(select(Person).where(Person.phone == phone.strip())).first()
    hashed = hash_password(password, rounds=ctx.settings.password_rounds)
    if person is None:
        person = Person(
            name=name.strip(),
            phone=phone.strip(),
            password_hash=hashed,
            roles=[Role.PLATFORM_ADMIN.value],
            enabled=True,
            created_at=ctx.clock.now(),
        )
        ctx.session.add(person)
        ctx.session.flush()
        record_audit(
            ctx, "person.created", "person", person.id, after={"roles": person.roles, "enabled": True}
        )
    else:
        person.password_hash = hashed
        person.enabled = True
        if Role.PLATFORM_ADMIN.value not in person.roles:
            person.roles = [*person.roles, Role.PLATFORM_ADMIN.value]
        record_audit(ctx, "person.admin_reset", "person", person.id, after={"roles": person.roles})
    ctx.session.flush()
    return person
