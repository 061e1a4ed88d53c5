"""Staff management: agency admins create, enable, re-role and re-certify their staff (R-ROLE-1/2/4).

Accounts of new staff start disabled (R-ROLE-1); an admin enables them with ``update_staff``.
Certificates are checked against the roles on the business date of the action (R-ROLE-2, R-ROLE-4).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from engine.clock import business_date
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from workflows.agencies.service import acting_person, get_agency
from workflows.audit.service import record_audit, snapshot
from workflows.context import Ctx
from workflows.people.credentials import hash_password
from workflows.people.models import Person
from workflows.people.rules import Role, check_role_certificates
from workflows.people.scope import AGENCY_WIDE, has_role, roles_of
from workflows.people.staff_schemas import StaffCreate, StaffRead, StaffUpdate

CERT_FIELDS = (
    "engineer_level",
    "engineer_cert_no",
    "engineer_valid_until",
    "operator_level",
    "operator_cert_no",
)
STAFF_FIELDS = ("name", "phone", "id_number", "roles", "enabled", *CERT_FIELDS)
NOT_NULL_FIELDS = ("name", "enabled", "roles", "password")


class PhoneTaken(Conflict):
    """Another person already logs in with this phone number (409, ``field`` names the phone field)."""

    code = "phone_taken"

    def __init__(self, field: str, phone: str) -> None:
        super().__init__(f"{field}: 手机号 {phone} 已被使用 / phone number already in use")
        self.field = field


def ensure_phone_free(ctx: Ctx, phone: str, *, field: str = "phone") -> None:
    """Refuse a phone number some person already has (phones are login names, unique).

    Raises:
        PhoneTaken: the phone is taken (409).
    """
    if ctx.session.scalar(select(Person.id).where(Person.phone == phone)) is not None:
        raise PhoneTaken(field, phone)


def staff_read(person: Person) -> StaffRead:
    """The API shape of a staff member (no password hash, only whether one is set)."""
    return StaffRead(
        id=person.id,
        agency_id=person.agency_id,
        name=person.name,
        phone=person.phone,
        id_number=person.id_number,
        roles=list(person.roles),
        enabled=person.enabled,
        has_password=bool(person.password_hash),
        engineer_level=person.engineer_level,
        engineer_cert_no=person.engineer_cert_no,
        engineer_valid_until=person.engineer_valid_until,
        operator_level=person.operator_level,
        operator_cert_no=person.operator_cert_no,
        created_at=person.created_at,
    )


def _require_agency_admin(actor: Person, agency_id: uuid.UUID, *, action: str) -> None:
    """403 unless the actor is a platform admin or an agency admin of ``agency_id``."""
    if has_role(actor, Role.PLATFORM_ADMIN):
        return
    if has_role(actor, Role.AGENCY_ADMIN) and actor.agency_id == agency_id:
        return
    raise Forbidden(f"无权{action}：需要本机构管理员 / not allowed to {action}: needs the agency admin")


def _check_certificates(ctx: Ctx, roles: Sequence[str], values: dict[str, Any]) -> None:
    """R-ROLE-2/R-ROLE-4 on today's business date; raises ``InvalidInput("roles", …)``."""
    check_role_certificates(
        [Role(r) for r in roles],
        engineer_level=values["engineer_level"],
        engineer_valid_until=values["engineer_valid_until"],
        operator_level=values["operator_level"],
        on=business_date(ctx.clock.now()),
    )


def create_staff(ctx: Ctx, agency_id: uuid.UUID, data: StaffCreate) -> StaffRead:
    """Create a staff account of an agency, **disabled** until an admin enables it (R-ROLE-1).

    Args:
        ctx: Acting person: the platform admin or an agency admin of ``agency_id``.
        agency_id: ``Agency.id`` the person works for.
        data: Name, phone (login name), roles, certificates, optional initial password.

    Returns:
        The new staff member as :class:`StaffRead` (``enabled`` is ``False``).

    Raises:
        NotFound: no such agency, or not the actor's (404).
        Forbidden: the actor is not an admin of the agency (403).
        InvalidInput: certificates do not fit the roles (422, field ``roles``, R-ROLE-2/R-ROLE-4).
        PhoneTaken: the phone is in use (409, field ``phone``).
    """
    actor = acting_person(ctx)
    agency = get_agency(ctx, agency_id)
    _require_agency_admin(actor, agency.id, action="创建员工 / create staff")
    roles = list(dict.fromkeys(data.roles))
    _check_certificates(ctx, roles, data.model_dump(include=set(CERT_FIELDS)))
    ensure_phone_free(ctx, data.phone)
    person = Person(
        id=uuid.uuid4(),
        name=data.name,
        phone=data.phone,
        id_number=data.id_number,
        password_hash=hash_password(data.password, rounds=ctx.settings.password_rounds)
        if data.password
        else None,
        roles=roles,
        enabled=False,
        agency_id=agency.id,
        engineer_level=data.engineer_level,
        engineer_cert_no=data.engineer_cert_no,
        engineer_valid_until=data.engineer_valid_until,
        operator_level=data.operator_level,
        operator_cert_no=data.operator_cert_no,
        created_at=ctx.clock.now(),
    )
    ctx.session.add(person)
    ctx.session.flush()
    after = snapshot(person, STAFF_FIELDS) | {"password": "set" if data.password else None}
    record_audit(ctx, "person.created", "person", person.id, after=after)
    return staff_read(person)


def list_staff(ctx: Ctx, agency_id: uuid.UUID) -> list[StaffRead]:
    """The staff of an agency, for its agency-wide roles (admin, enterprise manager, technical lead).

    Raises:
        NotFound: no such agency, or not the actor's (404).
        Forbidden: a staff member without an agency-wide role (403).
    """
    actor = acting_person(ctx)
    agency = get_agency(ctx, agency_id)
    if not (has_role(actor, Role.PLATFORM_ADMIN) or roles_of(actor) & AGENCY_WIDE):
        raise Forbidden("无权查看员工列表 / not allowed to list staff")
    people = ctx.session.scalars(
        select(Person).where(Person.agency_id == agency.id).order_by(Person.created_at, Person.phone)
    )
    return [staff_read(p) for p in people]


def _get_staff_for_update(ctx: Ctx, actor: Person, person_id: uuid.UUID) -> Person:
    """The staff member, locked, if the actor may administer them."""
    person = ctx.session.scalars(select(Person).where(Person.id == person_id).with_for_update()).first()
    if person is None or person.agency_id is None:
        raise NotFound("员工不存在 / staff member not found")
    if not has_role(actor, Role.PLATFORM_ADMIN) and actor.agency_id != person.agency_id:
        raise NotFound("员工不存在 / staff member not found")
    _require_agency_admin(actor, person.agency_id, action="修改员工 / change staff")
    return person


def update_staff(ctx: Ctx, person_id: uuid.UUID, data: StaffUpdate) -> StaffRead:
    """Enable/disable, set a password, change roles or certificates of a staff member.

    Only the fields present in ``data`` change. Roles and certificates are re-checked (on today's
    business date) whenever one of them changes or the account is enabled (R-ROLE-2, R-ROLE-4).
    A new password ends the person's current session (R-ROLE-6).

    Args:
        ctx: Acting person: the platform admin or an agency admin of the person's agency.
        person_id: ``Person.id`` of the staff member.
        data: The fields to change.

    Returns:
        The changed staff member as :class:`StaffRead`.

    Raises:
        NotFound: no such staff member in the actor's agency (404).
        Forbidden: the actor is not an admin of that agency (403).
        InvalidInput: ``null`` for a required field, or certificates that do not fit the roles
            (422; field ``roles`` for R-ROLE-2/R-ROLE-4).
    """
    actor = acting_person(ctx)
    person = _get_staff_for_update(ctx, actor, person_id)
    sent = data.model_dump(include=data.model_fields_set)
    for field in NOT_NULL_FIELDS:
        if field in sent and sent[field] is None:
            raise InvalidInput(field, "不能为空 / may not be null")
    if "roles" in sent:
        sent["roles"] = list(dict.fromkeys(sent["roles"]))
    before = snapshot(person, STAFF_FIELDS)
    merged = before | {k: v for k, v in sent.items() if k != "password"}
    merged.update({f: getattr(person, f) if f not in sent else sent[f] for f in CERT_FIELDS})
    recheck = bool({"roles", *CERT_FIELDS} & sent.keys()) or sent.get("enabled") is True
    if recheck:
        _check_certificates(ctx, merged["roles"], merged)
    for field, value in sent.items():
        if field != "password":
            setattr(person, field, value)
    if "password" in sent:
        person.password_hash = hash_password(sent["password"], rounds=ctx.settings.password_rounds)
        person.session_version += 1
    ctx.session.flush()
    after = snapshot(person, STAFF_FIELDS)
    changed = [f for f in STAFF_FIELDS if before[f] != after[f]]
    audit_before = {f: before[f] for f in changed}
    audit_after = {f: after[f] for f in changed}
    if "password" in sent:
        audit_before["password"], audit_after["password"] = "old", "changed"
    if audit_after:  # a PATCH that changes nothing leaves no audit row
        record_audit(ctx, "person.updated", "person", person.id, before=audit_before, after=audit_after)
    return staff_read(person)
