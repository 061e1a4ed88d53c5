"""Roles and certificate rules (R-ROLE-2, R-ROLE-4)."""

from __future__ import annotations

from datetime import date

import pytest

from engine.errors import InvalidInput
from workflows.people.rules import (
    EngineerLevel,
    OperatorLevel,
    Role,
    check_role_certificates,
    engineer_certificate_valid,
    operator_level_sufficient,
)

TODAY = date(2026, 3, 10)


def _check(
    roles: set[Role],
    *,
    engineer_level: int | None = None,
    engineer_valid_until: date | None = None,
    operator_level: int | None = None,
) -> None:
    check_role_certificates(
        roles,
        engineer_level=engineer_level,
        engineer_valid_until=engineer_valid_until,
        operator_level=operator_level,
        on=TODAY,
    )


class TestEnums:
    def test_role_values_are_the_stored_strings(self) -> None:
        assert [r.value for r in Role] == [
            "platform_admin",
            "agency_admin",
            "enterprise_manager",
            "technical_lead",
            "project_lead",
            "field_operator",
            "owner_contact",
            "fire_supervisor",
        ]
        assert Role("technical_lead") is Role.TECHNICAL_LEAD
        assert Role.TECHNICAL_LEAD.label == "技术负责人"
        assert all(r.label for r in Role)

    def test_operator_levels_and_names(self) -> None:
        assert {lvl.value: lvl.label for lvl in OperatorLevel} == {
            5: "五级/初级",
            4: "四级/中级",
            3: "三级/高级",
            2: "二级/技师",
            1: "一级/高级技师",
        }
        assert OperatorLevel.SENIOR_TECHNICIAN < OperatorLevel.INTERMEDIATE < OperatorLevel.JUNIOR

    def test_engineer_levels(self) -> None:
        assert [e.value for e in EngineerLevel] == [1, 2]
        assert EngineerLevel(2).label == "二级注册消防工程师"


class TestEngineerCertificateValid:
    def test_valid_through_the_last_day(self) -> None:
        assert engineer_certificate_valid(1, TODAY, on=TODAY)
        assert not engineer_certificate_valid(1, date(2026, 3, 9), on=TODAY)

    def test_needs_level_and_date(self) -> None:
        assert not engineer_certificate_valid(None, date(2030, 1, 1), on=TODAY)
        assert not engineer_certificate_valid(2, None, on=TODAY)

    def test_impossible_level(self) -> None:
        with pytest.raises(InvalidInput) as exc:
            engineer_certificate_valid(3, date(2030, 1, 1), on=TODAY)
        assert exc.value.field == "engineer_level"


class TestOperatorLevelSufficient:
    @pytest.mark.parametrize(
        ("level", "ok"), [(None, False), (5, False), (4, True), (3, True), (2, True), (1, True)]
    )
    def test_level_four_or_higher(self, level: int | None, ok: bool) -> None:
        assert operator_level_sufficient(level) is ok

    @pytest.mark.parametrize("level", [0, 6, -1])
    def test_impossible_level(self, level: int) -> None:
        with pytest.raises(InvalidInput) as exc:
            operator_level_sufficient(level)
        assert exc.value.field == "operator_level"


class TestRRole2Leads:
    @pytest.mark.parametrize("role", [Role.TECHNICAL_LEAD, Role.PROJECT_LEAD])
    def test_valid_engineer_accepted(self, role: Role) -> None:
        _check({role}, engineer_level=2, engineer_valid_until=date(2027, 12, 31))

    @pytest.mark.parametrize("role", [Role.TECHNICAL_LEAD, Role.PROJECT_LEAD])
    def test_no_certificate_refused(self, role: Role) -> None:
        with pytest.raises(InvalidInput, match="R-ROLE-2") as exc:
            _check({role}, operator_level=1)
        assert exc.value.field == "roles"
        assert exc.value.status_code == 422
        assert "无注册消防工程师证书" in exc.value.message
        assert "R-ROLE-4" not in exc.value.message

    def test_expired_registration_refused_with_date(self) -> None:
        with pytest.raises(InvalidInput, match=r"R-ROLE-2.*2026-03-09"):
            _check({Role.PROJECT_LEAD}, engineer_level=1, engineer_valid_until=date(2026, 3, 9))

    def test_missing_validity_date_refused(self) -> None:
        with pytest.raises(InvalidInput, match=r"R-ROLE-2.*缺少注册有效期"):
            _check({Role.TECHNICAL_LEAD}, engineer_level=1)

    def test_both_leads_named(self) -> None:
        with pytest.raises(InvalidInput, match="项目负责人、技术负责人"):
            _check({Role.TECHNICAL_LEAD, Role.PROJECT_LEAD})


class TestRRole4FieldOperator:
    @pytest.mark.parametrize("level", [4, 3, 2, 1])
    def test_operator_level_four_or_higher_accepted(self, level: int) -> None:
        _check({Role.FIELD_OPERATOR}, operator_level=level)

    def test_level_five_refused(self) -> None:
        with pytest.raises(InvalidInput, match=r"R-ROLE-4.*五级/初级") as exc:
            _check({Role.FIELD_OPERATOR}, operator_level=5)
        assert exc.value.field == "roles"
        assert "R-ROLE-2" not in exc.value.message

    def test_no_certificate_refused(self) -> None:
        with pytest.raises(InvalidInput, match="R-ROLE-4"):
            _check({Role.FIELD_OPERATOR})

    def test_valid_engineer_may_execute(self) -> None:
        _check(
            {Role.FIELD_OPERATOR, Role.PROJECT_LEAD}, engineer_level=1, engineer_valid_until=date(2030, 1, 1)
        )
        _check({Role.FIELD_OPERATOR}, engineer_level=2, engineer_valid_until=TODAY)

    def test_expired_engineer_without_operator_certificate_refused(self) -> None:
        with pytest.raises(InvalidInput, match="R-ROLE-4"):
            _check(
                {Role.FIELD_OPERATOR},
                engineer_level=1,
                engineer_valid_until=date(2025, 1, 1),
                operator_level=5,
            )

    def test_both_rules_reported_together(self) -> None:
        with pytest.raises(InvalidInput) as exc:
            _check({Role.FIELD_OPERATOR, Role.PROJECT_LEAD}, operator_level=5)
        assert "R-ROLE-2" in exc.value.message
        assert "R-ROLE-4" in exc.value.message

    def test_operator_certificate_alone_does_not_make_a_lead(self) -> None:
        with pytest.raises(InvalidInput, match="R-ROLE-2"):
            _check({Role.FIELD_OPERATOR, Role.PROJECT_LEAD}, operator_level=1)


class TestRolesWithoutCertificates:
    @pytest.mark.parametrize(
        "role",
        [
            Role.PLATFORM_ADMIN,
            Role.AGENCY_ADMIN,
            Role.ENTERPRISE_MANAGER,
            Role.OWNER_CONTACT,
            Role.FIRE_SUPERVISOR,
        ],
    )
    def test_no_certificate_needed(self, role: Role) -> None:
        _check({role})

    def test_empty_roles(self) -> None:
        _check(set())

    def test_impossible_operator_level_rejected_even_without_operator_role(self) -> None:
        with pytest.raises(InvalidInput) as exc:
            _check({Role.AGENCY_ADMIN}, operator_level=9)
        assert exc.value.field == "operator_level"
