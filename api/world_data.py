"""The fixed data of the realistic agency :func:`api.world.build_world` builds: 青海安泰消防技术服务有限公司,
its staff, an owner and contact, a maintenance contract, a 2-building project and its facilities.

Plain data, no requests: the tests that need one piece of it (a phone, the contract dates, the
facility names) import it from here (or from :mod:`api.world`, which re-exports it).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from workflows.agencies.rules import org_code_check_char, uscc_check_char

PASSWORD = "Antai-2026-pass"  # noqa: S105 - demo/test data, printed by ``fireops demo``
"""The password of every person :func:`api.world.build_world` creates (the owner contact included)."""


def compute_uscc(prefix8: str, org_body8: str) -> str:
    """A valid 统一社会信用代码: ``prefix8`` (department, category, division code) + organisation code
    body, with the GB 11714 and GB 32100 check characters computed."""
    first17 = prefix8 + org_body8 + org_code_check_char(org_body8)
    return first17 + uscc_check_char(first17)


AGENCY_USCC = compute_uscc("91630100", "MA75L2P8")  # 西宁市 enterprise → 91630100MA75L2P89Q
OWNER_USCC = compute_uscc("91630103", "MA7526H4")  # 西宁市城中区 enterprise → 91630103MA7526H42R

AGENCY: dict[str, Any] = {
    "name": "青海安泰消防技术服务有限公司",
    "uscc": AGENCY_USCC,
    "legal_representative": "马建国",
    "service_types": ["maintenance_inspection", "safety_assessment"],
    "address": "青海省西宁市城西区五四西路58号",
    "phone": "0971-6123456",
}

STAFF: dict[str, dict[str, Any]] = {
    "agency_admin": {"name": "李静", "phone": "13897100001", "roles": ["agency_admin"]},
    "manager": {"name": "王海", "phone": "13897100002", "roles": ["enterprise_manager"]},
    "tech_lead": {
        "name": "张宏伟",
        "phone": "13897100003",
        "roles": ["technical_lead"],
        "engineer_level": 1,
        "engineer_cert_no": "CF1-63-2019-0123",
        "engineer_valid_until": "2029-06-30",
    },
    "lead": {
        "name": "刘洋",
        "phone": "13897100004",
        "roles": ["project_lead"],
        "engineer_level": 2,
        "engineer_cert_no": "CF2-63-2021-0456",
        "engineer_valid_until": "2028-12-31",
    },
    "op1": {
        "name": "陈磊",
        "phone": "13897100005",
        "roles": ["field_operator"],
        "operator_level": 4,
        "operator_cert_no": "4063001202200512",
    },
    "op2": {
        "name": "赵强",
        "phone": "13897100006",
        "roles": ["field_operator"],
        "operator_level": 3,
        "operator_cert_no": "3063001202100208",
    },
}

OWNER: dict[str, Any] = {
    "name": "西宁市城中区万达广场置业有限公司",
    "city": "西宁市",
    "address": "青海省西宁市城中区南关街88号",
    "uscc": OWNER_USCC,
}
OWNER_CONTACT: dict[str, Any] = {"name": "孙丽", "phone": "13897100007", "password": PASSWORD}

CONTRACT: dict[str, Any] = {
    "name": "西宁万达广场A区消防设施维护保养合同",
    "type": "maintenance",
    "signed_on": "2026-09-01",
    "ends_on": "2027-08-31",
    "price_cny": "168000.00",
}
"""The contract with its fixed dates (one year from 2026-09-01); :func:`contract_dates` moves them
to any day so a month can be run today."""


def contract_dates(today: date) -> dict[str, str]:
    """``signed_on`` / ``ends_on`` of a one-year contract signed on the 1st of the month before
    ``today``: the current month is then a plan month (R-PRJ-2: signed before the 20th, the signing
    month is the first plan month) and the previous one exists for carry-over.

    For the test clock's 2026-10-08 that is 2026-09-01 … 2027-08-31, the fixed :data:`CONTRACT`.
    """
    first = today.replace(day=1)
    signed = (first - timedelta(days=1)).replace(day=1)
    ends = signed.replace(year=signed.year + 1) - timedelta(days=1)
    return {"signed_on": signed.isoformat(), "ends_on": ends.isoformat()}


PROJECT: dict[str, Any] = {
    "name": "西宁万达广场A区",
    "city": "西宁市",
    "address": "青海省西宁市城中区南关街88号万达广场A区",
    "safety_responsible": "周建华",
    "safety_manager": "马晓东",
    "control_room_phone": "0971-8123119",
    "price_cny": "168000.00",
    "unit_type": "商业综合体",
    "industry": "商业零售",
    "jurisdiction": "西宁市消防救援支队城中区大队",
    "key_unit": True,
    "latitude": 36.6171,
    "longitude": 101.7782,
    "geofence_radius_m": 300,
    "first_plan_month": "signing_month",
}

BUILDINGS: list[dict[str, Any]] = [
    {
        "name": "A区1号楼（购物中心）",
        "total_area_m2": "86500.00",
        "above_ground_area_m2": "62300.00",
        "underground_area_m2": "24200.00",
        "floors_above": 5,
        "floors_below": 2,
        "height_m": "23.90",
        "remark": "地下二层设消防水泵房，与2号楼共用一套自动消防设施",
        "water_storage": None,
    },
    {
        "name": "A区2号楼（写字楼）",
        "total_area_m2": "41800.00",
        "above_ground_area_m2": "36200.00",
        "underground_area_m2": "5600.00",
        "floors_above": 24,
        "floors_below": 1,
        "height_m": "96.50",
        "remark": "一类高层公共建筑",
        "water_storage": {"type": "高位消防水箱", "location": "屋顶水箱间", "capacity_m3": "36.00"},
    },
]

FACILITIES: list[tuple[str, str, str]] = [
    ("消防供电配电", "无分类", "消防用电设备最末一级配电箱"),
    ("消防供电配电", "无分类", "消防配电柜(箱)"),
    ("消防供电配电", "无分类", "自备发电机组"),
    ("消防供电配电", "无分类", "EPS应急电源"),
    ("火灾报警系统", "区域报警系统", "报警控制器"),
    ("火灾报警系统", "区域报警系统", "火灾探测器"),
    ("消防供水设施", "无分类", "管道及阀门标识"),
    ("消防供水设施", "无分类", "阀门"),
    ("消防供水设施", "无分类", "消防水箱"),
    ("消防供水设施", "无分类", "消防水池"),
    ("消防供水设施", "周期性检查", "消防水池、高位消防水池、高位消防水箱"),
    ("消防供水设施", "周期性检查", "消防水泵"),
    ("消防供水设施", "周期性检查", "气压水罐"),
    ("自动喷水灭火系统", "无分类", "报警阀组"),
    ("自动喷水灭火系统", "周期性检查", "喷头"),
    ("自动喷水灭火系统", "周期性检查", "水泵接合器"),
    ("自动喷水灭火系统", "周期性检查", "电磁阀"),
    ("自动喷水灭火系统", "周期性检查", "报警阀组"),
    ("自动喷水灭火系统", "周期性检查", "末端试水阀、报警阀放水试验阀"),
    ("应急广播系统", "无分类", "扬声器"),
    ("应急广播系统", "无分类", "联动控制功能"),
    ("防火分隔", "无分类", "防火门"),
    ("应急照明和疏散指示系统", "自带电源非集中控制型系统", "应急照明和指示灯具"),
]
"""The facilities of the project: 33 items due every month, 36 in the first month of each quarter
counted from the first plan month (the quarterly pump, alarm-valve and test-valve checks)."""
