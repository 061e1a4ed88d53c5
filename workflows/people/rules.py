"""Roles and the certificates they require (SPEC §2-3, R-ROLE-2, R-ROLE-4). Pure: no database.

Certificates of agency staff (SPEC §3):

* registered fire engineer (注册消防工程师), level 1 or 2, with a registration valid until a date;
* fire facility operator (消防设施操作员), level 5/五级 (初级) … 1/一级 (高级技师); a lower
  number is a higher level.

Rules:

* R-ROLE-2: a technical lead (技术负责人) and a project lead (项目负责人) must hold a registered fire
  engineer certificate whose registration is valid on the day checked.
* R-ROLE-4: a field operator (现场作业人员) needs an operator certificate of level 4/中级 or higher
  (level number 1-4). A registered fire engineer with a valid registration also qualifies: SPEC §5.1
  issues plan lines "to one or more executors (field operators or the project lead)", so the
  engineer certificate that lets a project lead execute lets anyone holding it execute.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import IntEnum, StrEnum
from typing import Final

from engine.errors import InvalidInput


class Role(StrEnum):
    """What a person may do (SPEC §2); stored as strings in ``Person.roles``."""

    PLATFORM_ADMIN = "platform_admin"
    AGENCY_ADMIN = "agency_admin"
    ENTERPRISE_MANAGER = "enterprise_manager"
    TECHNICAL_LEAD = "technical_lead"
    PROJECT_LEAD = "project_lead"
    FIELD_OPERATOR = "field_operator"
    OWNER_CONTACT = "owner_contact"
    FIRE_SUPERVISOR = "fire_supervisor"

    @property
    def label(self) -> str:
        """Chinese name shown to users, e.g. ``技术负责人``."""
        return _ROLE_LABELS[self]


_ROLE_LABELS: Final[dict[Role, str]] = {
    Role.PLATFORM_ADMIN: "系统管理员(平台)",
    Role.AGENCY_ADMIN: "机构系统管理员",
    Role.ENTERPRISE_MANAGER: "企业管理人员",
    Role.TECHNICAL_LEAD: "技术负责人",
    Role.PROJECT_LEAD: "项目负责人",
    Role.FIELD_OPERATOR: "现场作业人员",
    Role.OWNER_CONTACT: "业主联系人",
    Role.FIRE_SUPERVISOR: "消防监督员",
}


class OperatorLevel(IntEnum):
    """Fire facility operator (消防设施操作员) certificate level; stored as ``Person.operator_level``.

    The value is the national vocational level number: 5 is the lowest, 1 the highest. An
    ``IntEnum`` (not a ``StrEnum``) because the column is an integer and levels are compared.
    """

    JUNIOR = 5
    INTERMEDIATE = 4
    SENIOR = 3
    TECHNICIAN = 2
    SENIOR_TECHNICIAN = 1

    @property
    def label(self) -> str:
        """Chinese name, e.g. ``四级/中级``."""
        return _OPERATOR_LABELS[self]


_OPERATOR_LABELS: Final[dict[OperatorLevel, str]] = {
    OperatorLevel.JUNIOR: "五级/初级",
    OperatorLevel.INTERMEDIATE: "四级/中级",
    OperatorLevel.SENIOR: "三级/高级",
    OperatorLevel.TECHNICIAN: "二级/技师",
    OperatorLevel.SENIOR_TECHNICIAN: "一级/高级技师",
}


class EngineerLevel(IntEnum):
    """Registered fire engineer (注册消防工程师) level; stored as ``Person.engineer_level``."""

    FIRST = 1
    SECOND = 2

    @property
    def label(self) -> str:
        """Chinese name, e.g. ``一级注册消防工程师``."""
        return "一级注册消防工程师" if self is EngineerLevel.FIRST else "二级注册消防工程师"


ENGINEER_ROLES: Final = frozenset({Role.TECHNICAL_LEAD, Role.PROJECT_LEAD})
"""Roles that need a valid registered fire engineer certificate (R-ROLE-2)."""

EXECUTOR_ROLES: Final = frozenset({Role.FIELD_OPERATOR, Role.PROJECT_LEAD})
"""Roles that execute field work: plan lines are issued "to one or more executors (field operators or
the project lead)" (SPEC §5.1), who also lead investigations and repairs (R-FAULT)."""

MIN_FIELD_OPERATOR_LEVEL: Final = OperatorLevel.INTERMEDIATE
"""Lowest operator level allowed to execute tasks (R-ROLE-4): 四级/中级, i.e. level number ≤ 4."""


def parse_operator_level(level: int | None) -> OperatorLevel | None:
    """The operator level enum of a stored level number.

    Raises:
        InvalidInput: (422, ``operator_level``) a number outside 1-5.
    """
    if level is None:
        return None
    try:
        return OperatorLevel(level)
    except ValueError:
        raise InvalidInput(
            "operator_level", f"操作员等级应为1-5级，现为{level} / operator level must be 1-5"
        ) from None


def parse_engineer_level(level: int | None) -> EngineerLevel | None:
    """The engineer level enum of a stored level number.

    Raises:
        InvalidInput: (422, ``engineer_level``) a number other than 1 or 2.
    """
    if level is None:
        return None
    try:
        return EngineerLevel(level)
    except ValueError:
        raise InvalidInput(
            "engineer_level", f"注册消防工程师等级应为1或2，现为{level} / level must be 1 or 2"
        ) from None


def engineer_certificate_valid(
    engineer_level: int | None, engineer_valid_until: date | None, *, on: date
) -> bool:
    """Whether a registered fire engineer certificate is held and its registration valid on ``on``.

    Args:
        engineer_level: 1 or 2, ``None`` without a certificate.
        engineer_valid_until: Last day of the registration (inclusive); ``None`` counts as not valid.
        on: The day checked (Asia/Shanghai business date).

    Raises:
        InvalidInput: (422, ``engineer_level``) a level other than 1 or 2.
    """
    return (
        parse_engineer_level(engineer_level) is not None
        and engineer_valid_until is not None
        and on <= engineer_valid_until
    )


def operator_level_sufficient(operator_level: int | None) -> bool:
    """Whether an operator certificate is of level 4/中级 or higher (number 1-4, R-ROLE-4).

    Raises:
        InvalidInput: (422, ``operator_level``) a level outside 1-5.
    """
    level = parse_operator_level(operator_level)
    return level is not None and level <= MIN_FIELD_OPERATOR_LEVEL


def check_role_certificates(
    roles: Iterable[Role],
    *,
    engineer_level: int | None,
    engineer_valid_until: date | None,
    operator_level: int | None,
    on: date,
) -> None:
    """Refuse roles the person's certificates do not allow (R-ROLE-2, R-ROLE-4).

    Called when staff are created or their roles or certificates change, and before assigning a
    lead or an executor.

    Args:
        roles: The roles the person is to hold (a set of :class:`Role`).
        engineer_level: Registered fire engineer level 1/2, ``None`` without the certificate.
        engineer_valid_until: Last day (inclusive) of the engineer registration.
        operator_level: Fire facility operator level 5 (lowest) … 1 (highest), ``None`` without one.
        on: The day the certificates must be valid (today's business date).

    Raises:
        InvalidInput: (422) field ``roles`` naming ``R-ROLE-2`` (technical or project lead without a
            valid engineer certificate) and/or ``R-ROLE-4`` (field operator below level 4/中级 and
            without a valid engineer certificate); field ``engineer_level``/``operator_level`` for
            an impossible level number.
    """
    wanted = set(roles)
    engineer_ok = engineer_certificate_valid(engineer_level, engineer_valid_until, on=on)
    operator_ok = operator_level_sufficient(operator_level)
    problems: list[str] = []
    leads = sorted(wanted & ENGINEER_ROLES)
    if leads and not engineer_ok:
        names = "、".join(r.label for r in leads)
        if engineer_level is not None and engineer_valid_until is not None:
            until = engineer_valid_until.isoformat()
            why = f"注册已于 {until} 到期 / registration expired {until}"
        elif engineer_level is not None:
            why = "缺少注册有效期 / registration validity date missing"
        else:
            why = "无注册消防工程师证书 / no registered fire engineer certificate"
        problems.append(
            f"R-ROLE-2: {names}须持有在有效期内的注册消防工程师证书（{why}）"
            f" / {', '.join(leads)} need a registered fire engineer certificate valid on {on.isoformat()}"
        )
    if Role.FIELD_OPERATOR in wanted and not (operator_ok or engineer_ok):
        held = parse_operator_level(operator_level)
        have = held.label if held is not None else "无操作员证书 / none"
        problems.append(
            "R-ROLE-4: 现场作业人员须持有四级/中级及以上消防设施操作员证书或有效的注册消防工程师证书"
            f"（现有：{have}）"
            " / field_operator needs a fire facility operator certificate of level 4 or higher,"
            " or a valid registered fire engineer certificate"
        )
    if problems:
        raise InvalidInput("roles", "; ".join(problems))
