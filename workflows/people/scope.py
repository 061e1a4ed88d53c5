"""Who sees what (R-ROLE-3, R-ROLE-5 scope; SPEC §2 "sees" column).

Every object access goes through these checks. An object outside the caller's scope is reported
as not found (404), so its existence is not disclosed; a visible object acted on without the role
gives 403.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from engine.errors import Forbidden, NotFound
from workflows.context import Ctx
from workflows.people.models import Person
from workflows.people.rules import Role
from workflows.plans.models import PlanLine
from workflows.projects.models import Project
from workflows.tasks.models import Task

AGENCY_WIDE = frozenset({Role.AGENCY_ADMIN, Role.ENTERPRISE_MANAGER, Role.TECHNICAL_LEAD})


def roles_of(person: Person) -> set[Role]:
    """The person's roles as enum values (unknown strings are ignored)."""
    return {Role(r) for r in person.roles if r in Role._value2member_map_}


def has_role(person: Person, *roles: Role) -> bool:
    """Whether the person holds any of ``roles``."""
    return bool(roles_of(person) & set(roles))


def require_role(person: Person, *roles: Role, action: str) -> None:
    """Raise 403 unless the person holds one of ``roles``.

    Raises:
        Forbidden: with a message naming the action and the roles that may do it.
    """
    if not has_role(person, *roles):
        names = "/".join(r.value for r in roles)
        raise Forbidden(f"无权{action}：需要角色 {names} / not allowed to {action}: needs role {names}")


def _attribute_grants(person: Person) -> list[tuple[str, object]]:
    """The project columns whose value grants the person sight of a project: ``(column, value)``.

    One list for both :func:`visible_projects` (SQL) and :func:`sees_project` (Python), so the two
    cannot drift apart: agency-wide roles see their agency's projects, a project lead the projects
    they lead, an owner contact their owner's, a fire supervisor their jurisdiction's (SPEC §2).
    """
    roles = roles_of(person)
    grants: list[tuple[str, object]] = []
    if roles & AGENCY_WIDE and person.agency_id is not None:
        grants.append(("agency_id", person.agency_id))
    if Role.PROJECT_LEAD in roles:
        grants.append(("lead_id", person.id))
    if Role.OWNER_CONTACT in roles and person.owner_id is not None:
        grants.append(("owner_id", person.owner_id))
    if Role.FIRE_SUPERVISOR in roles and person.jurisdiction:
        grants.append(("jurisdiction", person.jurisdiction))
    return grants


def _works_on(person: Person) -> bool:
    """Whether issued plan lines and own tasks also grant sight (field operators, project leads)."""
    return bool(roles_of(person) & {Role.FIELD_OPERATOR, Role.PROJECT_LEAD})


def _work_conditions(person: Person) -> list[ColumnElement[bool]]:
    from workflows.plans.models import Plan

    issued = select(PlanLine.plan_id).where(PlanLine.executor_id == person.id)
    return [
        Project.id.in_(select(Plan.project_id).where(Plan.id.in_(issued))),
        Project.id.in_(select(Task.project_id).where(Task.executor_id == person.id)),
    ]


def visible_projects(person: Person) -> Select[Project]:
    """A query of the projects the person may see."""
    stmt = select(Project)
    if Role.PLATFORM_ADMIN in roles_of(person):
        return stmt
    conds: list[ColumnElement[bool]] = [
        getattr(Project, column) == value for column, value in _attribute_grants(person)
    ]
    if _works_on(person):
        conds.extend(_work_conditions(person))
    if not conds:
        return stmt.where(Project.id.is_(None))
    return stmt.where(or_(*conds))


def sees_project(session: Session, person: Person, project: Project) -> bool:
    """Whether ``project`` is among :func:`visible_projects` of the person, for a project already
    loaded: the attribute rules are checked in Python, and only a field operator or project lead
    who is none of those needs one query (issued lines, own tasks)."""
    if Role.PLATFORM_ADMIN in roles_of(person):
        return True
    if any(getattr(project, column) == value for column, value in _attribute_grants(person)):
        return True
    if not _works_on(person):
        return False
    found = session.scalar(select(Project.id).where(Project.id == project.id, or_(*_work_conditions(person))))
    return found is not None


def get_project(ctx: Ctx, person: Person, project_id: uuid.UUID, *, for_update: bool = False) -> Project:
    """The project if the person may see it.

    Raises:
        NotFound: no such project or outside the person's scope (404).
    """
    stmt = visible_projects(person).where(Project.id == project_id)
    if for_update:
        stmt = stmt.with_for_update()
    project = ctx.session.scalars(stmt).first()
    if project is None:
        raise NotFound("项目不存在 / project not found")
    return project


def manages_project(person: Person, project: Project) -> bool:
    """Project lead of this project, or an agency-wide manager/technical lead of its agency."""
    roles = roles_of(person)
    if Role.PLATFORM_ADMIN in roles:
        return True
    if Role.PROJECT_LEAD in roles and project.lead_id == person.id:
        return True
    return bool(
        roles & {Role.ENTERPRISE_MANAGER, Role.TECHNICAL_LEAD} and project.agency_id == person.agency_id
    )


def require_manager(person: Person, project: Project, *, action: str) -> None:
    """403 unless the person manages the project (lead of it, or manager/technical lead of its agency)."""
    if not manages_project(person, project):
        raise Forbidden(
            f"无权{action}：仅项目负责人、技术负责人或企业管理人员可操作 / not allowed to {action}"
        )


def same_agency_ids(person: Person, ids: Iterable[uuid.UUID | None]) -> bool:
    """Whether every id equals the person's agency."""
    return all(i == person.agency_id for i in ids)
