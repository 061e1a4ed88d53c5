"""Owner services: register owners and their contacts, list the owners a person may see (SPEC §3)."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, or_, select

from engine.errors import InvalidInput, NotFound
from workflows.agencies.rules import validate_owner_uscc
from workflows.agencies.service import acting_person
from workflows.audit.service import record_audit, snapshot
from workflows.context import Ctx
from workflows.owners.models import Owner
from workflows.owners.schemas import ContactCreate, ContactRead, OwnerCreate, OwnerRead
from workflows.people.credentials import hash_password
from workflows.people.models import Person
from workflows.people.rules import Role
from workflows.people.scope import AGENCY_WIDE, has_role, require_role, roles_of, visible_projects
from workflows.people.staff import ensure_phone_free
from workflows.projects.models import Project

OWNER_FIELDS = ("agency_id", "name", "city", "address", "uscc")


def _agency_of_admin(actor: Person, *, action: str) -> uuid.UUID:
    """The agency of an acting agency admin (403 for anyone else)."""
    require_role(actor, Role.AGENCY_ADMIN, action=action)
    if actor.agency_id is None:
        raise InvalidInput("agency_id", "操作人不属于任何机构 / the actor belongs to no agency")
    return actor.agency_id


def _contacts(ctx: Ctx, owner_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ContactRead]]:
    if not owner_ids:
        return {}
    stmt = select(Person).where(Person.owner_id.in_(owner_ids)).order_by(Person.created_at, Person.phone)
    out: dict[uuid.UUID, list[ContactRead]] = {}
    for p in ctx.session.scalars(stmt):
        contact = ContactRead.model_validate(p)
        out.setdefault(contact.owner_id, []).append(contact)
    return out


def _owner_read(owner: Owner, contacts: list[ContactRead]) -> OwnerRead:
    return OwnerRead(
        id=owner.id,
        agency_id=owner.agency_id,
        name=owner.name,
        city=owner.city,
        address=owner.address,
        uscc=owner.uscc,
        contacts=contacts,
        created_at=owner.created_at,
    )


def create_owner(ctx: Ctx, data: OwnerCreate) -> OwnerRead:
    """Register an owner for the acting agency admin's agency.

    Args:
        ctx: Acting person: an agency admin; the owner belongs to their agency.
        data: Name as on the licence, city, address, USCC (``"NULL"``/``None`` for non-enterprise units).

    Returns:
        The owner (no contacts yet) as :class:`OwnerRead`.

    Raises:
        Forbidden: the actor is not an agency admin (403).
        InvalidInput: ``uscc`` fails GB 32100 (422, field ``uscc``).
    """
    actor = acting_person(ctx)
    agency_id = _agency_of_admin(actor, action="登记业主 / register owners")
    owner = Owner(
        id=uuid.uuid4(),
        agency_id=agency_id,
        name=data.name,
        city=data.city,
        address=data.address,
        uscc=validate_owner_uscc(data.uscc),
        created_at=ctx.clock.now(),
    )
    ctx.session.add(owner)
    ctx.session.flush()
    record_audit(ctx, "owner.created", "owner", owner.id, after=snapshot(owner, OWNER_FIELDS))
    return _owner_read(owner, [])


def visible_owners_clause(person: Person) -> list[ColumnElement[bool]]:
    """SQL conditions on ``Owner`` for what the person may see (OR-ed); an empty list means everything."""
    if has_role(person, Role.PLATFORM_ADMIN):
        return []
    conds: list[ColumnElement[bool]] = [
        Owner.id.in_(visible_projects(person).with_only_columns(Project.owner_id))
    ]
    if roles_of(person) & AGENCY_WIDE and person.agency_id is not None:
        conds.append(Owner.agency_id == person.agency_id)
    if has_role(person, Role.OWNER_CONTACT) and person.owner_id is not None:
        conds.append(Owner.id == person.owner_id)
    return conds


def list_owners(ctx: Ctx) -> list[OwnerRead]:
    """The owners the actor may see.

    Platform admin: all. Agency-wide staff: their agency's owners. Owner contact: their own owner.
    Project leads and field operators: the owners of the projects they see (R-ROLE-3).

    Returns:
        Owners with their contacts, ordered by name.
    """
    actor = acting_person(ctx)
    stmt = select(Owner).order_by(Owner.name, Owner.created_at)
    conds = visible_owners_clause(actor)
    if conds:
        stmt = stmt.where(or_(*conds))
    owners = list(ctx.session.scalars(stmt))
    contacts = _contacts(ctx, [o.id for o in owners])
    return [_owner_read(o, contacts.get(o.id, [])) for o in owners]


def get_owner(ctx: Ctx, owner_id: uuid.UUID) -> Owner:
    """An owner of the actor's agency (platform admin: any).

    Raises:
        NotFound: no such owner, or another agency's (404).
    """
    actor = acting_person(ctx)
    owner = ctx.session.get(Owner, owner_id)
    if owner is None or not (has_role(actor, Role.PLATFORM_ADMIN) or owner.agency_id == actor.agency_id):
        raise NotFound("业主不存在 / owner not found")
    return owner


def add_contact(ctx: Ctx, owner_id: uuid.UUID, data: ContactCreate) -> ContactRead:
    """Add an owner contact: a person with role ``owner_contact`` bound to the owner.

    The account is enabled at once only when a password is given; otherwise it waits for a chat
    binding with a one-time code (SPEC §9).

    Args:
        ctx: Acting person: an agency admin of the owner's agency.
        owner_id: ``Owner.id``.
        data: Name, phone, optional password.

    Returns:
        The contact as :class:`ContactRead`.

    Raises:
        NotFound: no such owner in the actor's agency (404).
        Forbidden: the actor is not an agency admin (403).
        PhoneTaken: the phone is in use (409, field ``phone``).
    """
    actor = acting_person(ctx)
    _agency_of_admin(actor, action="登记业主联系人 / add owner contacts")
    owner = get_owner(ctx, owner_id)
    ensure_phone_free(ctx, data.phone)
    person = Person(
        id=uuid.uuid4(),
        name=data.name,
        phone=data.phone,
        password_hash=hash_password(data.password, rounds=ctx.settings.password_rounds)
        if data.password
        else None,
        roles=[Role.OWNER_CONTACT.value],
        enabled=data.password is not None,
        owner_id=owner.id,
        created_at=ctx.clock.now(),
    )
    ctx.session.add(person)
    ctx.session.flush()
    record_audit(
        ctx,
        "person.created",
        "person",
        person.id,
        after=snapshot(person, ("name", "phone", "roles", "enabled", "owner_id")),
    )
    return ContactRead.model_validate(person)
