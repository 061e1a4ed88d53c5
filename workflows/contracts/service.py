"""Contract services: create, list, rename/re-price; the dates never change (R-CON-1)."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, or_, select

import workflows.contracts.guards  # noqa: F401 - installs the R-CON-1 ORM guard
from engine.errors import InvalidInput, NotFound, RuleViolation
from workflows.agencies.service import acting_person
from workflows.audit.service import record_audit, snapshot
from workflows.context import Ctx
from workflows.contracts.models import CONTRACT_TYPE_LABELS, Contract, ContractType
from workflows.contracts.schemas import ContractCreate, ContractRead, ContractUpdate
from workflows.owners.models import Owner
from workflows.people.models import Person
from workflows.people.rules import Role
from workflows.people.scope import AGENCY_WIDE, has_role, require_role, roles_of, visible_projects
from workflows.projects.models import Project

CONTRACT_FIELDS = ("agency_id", "owner_id", "name", "type", "signed_on", "ends_on", "price_cny")


def contract_read(contract: Contract, owner_name: str) -> ContractRead:
    """The API shape of a contract."""
    ctype = ContractType(contract.type)
    return ContractRead(
        id=contract.id,
        agency_id=contract.agency_id,
        owner_id=contract.owner_id,
        owner_name=owner_name,
        name=contract.name,
        type=ctype,
        type_label=CONTRACT_TYPE_LABELS[ctype],
        signed_on=contract.signed_on,
        ends_on=contract.ends_on,
        price_cny=contract.price_cny,
        created_at=contract.created_at,
    )


def create_contract(ctx: Ctx, data: ContractCreate) -> ContractRead:
    """Record a contract between the actor's agency and one of its owners.

    Args:
        ctx: Acting person: an agency admin.
        data: Name, type, owner, signing and end dates (``ends_on`` > ``signed_on``), price in CNY.

    Returns:
        The contract as :class:`ContractRead`.

    Raises:
        Forbidden: the actor is not an agency admin (403).
        InvalidInput: ``owner_id`` is not an owner of the actor's agency, or ``ends_on`` is not after
            ``signed_on`` (422, naming the field).
    """
    actor = acting_person(ctx)
    require_role(actor, Role.AGENCY_ADMIN, action="登记合同 / record contracts")
    owner = ctx.session.get(Owner, data.owner_id)
    if owner is None or owner.agency_id != actor.agency_id:
        raise InvalidInput("owner_id", "业主不存在或不属于本机构 / unknown owner")
    if data.ends_on <= data.signed_on:
        raise InvalidInput(
            "ends_on", "截止日期必须晚于签订日期 / the end date must be after the signing date"
        )
    contract = Contract(
        id=uuid.uuid4(),
        agency_id=owner.agency_id,
        owner_id=owner.id,
        name=data.name,
        type=data.type.value,
        signed_on=data.signed_on,
        ends_on=data.ends_on,
        price_cny=data.price_cny,
        created_at=ctx.clock.now(),
    )
    ctx.session.add(contract)
    ctx.session.flush()
    record_audit(ctx, "contract.created", "contract", contract.id, after=snapshot(contract, CONTRACT_FIELDS))
    return contract_read(contract, owner.name)


def _visible_contracts(person: Person) -> list[ColumnElement[bool]]:
    """OR-ed conditions on ``Contract`` for what the person may see; empty = everything."""
    if has_role(person, Role.PLATFORM_ADMIN):
        return []
    conds: list[ColumnElement[bool]] = [
        Contract.id.in_(visible_projects(person).with_only_columns(Project.contract_id))
    ]
    if roles_of(person) & AGENCY_WIDE and person.agency_id is not None:
        conds.append(Contract.agency_id == person.agency_id)
    if has_role(person, Role.OWNER_CONTACT) and person.owner_id is not None:
        conds.append(Contract.owner_id == person.owner_id)
    return conds


def list_contracts(ctx: Ctx) -> list[ContractRead]:
    """The contracts the actor may see (platform admin: all; agency-wide staff: their agency's;
    owner contacts: their owner's; project leads/operators: those of the projects they see).

    Returns:
        Contracts, newest signing date first.
    """
    actor = acting_person(ctx)
    stmt = (
        select(Contract, Owner.name)
        .join(Owner, Owner.id == Contract.owner_id)
        .order_by(Contract.signed_on.desc(), Contract.name)
    )
    conds = _visible_contracts(actor)
    if conds:
        stmt = stmt.where(or_(*conds))
    return [contract_read(c, owner_name) for c, owner_name in ctx.session.execute(stmt)]


def update_contract(ctx: Ctx, contract_id: uuid.UUID, data: ContractUpdate) -> ContractRead:
    """Rename or re-price a contract; its signed and end dates never change (R-CON-1).

    Args:
        ctx: Acting person: an agency admin of the contract's agency.
        contract_id: ``Contract.id``.
        data: New ``name`` and/or ``price_cny``; dates only if equal to the stored ones.

    Returns:
        The contract as :class:`ContractRead`.

    Raises:
        NotFound: no such contract in the actor's agency (404).
        Forbidden: the actor is not an agency admin (403).
        InvalidInput: ``name: null`` (422).
        RuleViolation: ``R-CON-1`` — a date differs from the stored one (409).
    """
    actor = acting_person(ctx)
    stmt = select(Contract).where(Contract.id == contract_id).with_for_update()
    contract = ctx.session.scalars(stmt).first()
    if contract is None or not (
        has_role(actor, Role.PLATFORM_ADMIN) or contract.agency_id == actor.agency_id
    ):
        raise NotFound("合同不存在 / contract not found")
    require_role(actor, Role.AGENCY_ADMIN, Role.PLATFORM_ADMIN, action="修改合同 / change contracts")
    sent = data.model_dump(include=data.model_fields_set)
    for field in ("signed_on", "ends_on"):
        if field in sent and sent[field] != getattr(contract, field):
            raise RuleViolation(
                "R-CON-1", "合同签订日期和截止日期保存后不能修改 / contract dates cannot change"
            )
    if "name" in sent and sent["name"] is None:
        raise InvalidInput("name", "不能为空 / may not be null")
    before = snapshot(contract, ("name", "price_cny"))
    if "name" in sent:
        contract.name = sent["name"]
    if "price_cny" in sent:
        contract.price_cny = sent["price_cny"]
    ctx.session.flush()
    after = snapshot(contract, ("name", "price_cny"))
    if after != before:  # a PATCH that changes nothing leaves no audit row
        record_audit(ctx, "contract.updated", "contract", contract.id, before=before, after=after)
    return contract_read(contract, ctx.session.get_one(Owner, contract.owner_id).name)


def get_contract(ctx: Ctx, contract_id: uuid.UUID) -> Contract:
    """A contract of the actor's agency (platform admin: any).

    Raises:
        NotFound: no such contract or another agency's (404).
    """
    actor = acting_person(ctx)
    contract = ctx.session.get(Contract, contract_id)
    if contract is None or not (
        has_role(actor, Role.PLATFORM_ADMIN) or contract.agency_id == actor.agency_id
    ):
        raise NotFound("合同不存在 / contract not found")
    return contract
