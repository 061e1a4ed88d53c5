"""Agency services: register an agency, list the agencies a person may see (SPEC §3)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from engine.errors import Conflict, InvalidInput, NotFound
from workflows.agencies.models import Agency
from workflows.agencies.rules import validate_uscc
from workflows.agencies.schemas import AgencyCreate, AgencyRead
from workflows.audit.service import record_audit, snapshot
from workflows.context import Ctx
from workflows.people.models import Person
from workflows.people.rules import Role
from workflows.people.scope import has_role, require_role

AGENCY_FIELDS = ("name", "uscc", "legal_representative", "service_types", "address", "phone")


class AgencyExists(Conflict):
    """An agency with that name or USCC is registered already (409); ``field`` names which."""

    code = "agency_exists"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def acting_person(ctx: Ctx) -> Person:
    """The person acting in ``ctx``.

    Raises:
        InvalidInput: the context has no actor (a system context) (422).
    """
    if ctx.actor is None:
        raise InvalidInput("actor", "需要登录用户 / an acting person is required")
    return ctx.actor


def create_agency(ctx: Ctx, data: AgencyCreate) -> AgencyRead:
    """Register an agency (platform admin only).

    Args:
        ctx: Acting person: a platform admin.
        data: Name, USCC (GB 32100), legal representative, service types, address, phone.

    Returns:
        The new agency as :class:`AgencyRead`.

    Raises:
        Forbidden: the actor is not a platform admin (403).
        InvalidInput: ``uscc`` fails GB 32100 (422, field ``uscc``).
        AgencyExists: name or USCC taken (409, field ``name``/``uscc``).
    """
    actor = acting_person(ctx)
    require_role(actor, Role.PLATFORM_ADMIN, action="创建机构 / create agencies")
    uscc = validate_uscc(data.uscc, field="uscc")
    if ctx.session.scalar(select(Agency.id).where(Agency.uscc == uscc)) is not None:
        raise AgencyExists("uscc", f"统一社会信用代码 {uscc} 已登记 / an agency with this USCC exists")
    if ctx.session.scalar(select(Agency.id).where(Agency.name == data.name)) is not None:
        raise AgencyExists("name", f"机构 {data.name} 已存在 / an agency with this name exists")
    agency = Agency(
        id=uuid.uuid4(),
        name=data.name,
        uscc=uscc,
        legal_representative=data.legal_representative,
        service_types=sorted(set(data.service_types)),
        address=data.address,
        phone=data.phone,
        created_at=ctx.clock.now(),
    )
    ctx.session.add(agency)
    ctx.session.flush()
    record_audit(ctx, "agency.created", "agency", agency.id, after=snapshot(agency, AGENCY_FIELDS))
    return AgencyRead.model_validate(agency)


def list_agencies(ctx: Ctx) -> list[AgencyRead]:
    """The agencies the actor may see: all for a platform admin, otherwise only their own (if any).

    Returns:
        Agencies ordered by name.
    """
    actor = acting_person(ctx)
    stmt = select(Agency).order_by(Agency.name)
    if not has_role(actor, Role.PLATFORM_ADMIN):
        if actor.agency_id is None:
            return []
        stmt = stmt.where(Agency.id == actor.agency_id)
    return [AgencyRead.model_validate(a) for a in ctx.session.scalars(stmt)]


def get_agency(ctx: Ctx, agency_id: uuid.UUID) -> Agency:
    """The agency if the actor may see it (platform admin: any; staff: their own).

    Raises:
        NotFound: no such agency or not the actor's (404).
    """
    actor = acting_person(ctx)
    agency = ctx.session.get(Agency, agency_id)
    if agency is None or not (has_role(actor, Role.PLATFORM_ADMIN) or actor.agency_id == agency.id):
        raise NotFound("机构不存在 / agency not found")
    return agency
