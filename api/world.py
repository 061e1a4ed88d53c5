"""A realistic agency built through the public API: shared by ``fireops demo`` and end-to-end tests.

:func:`build_world` drives the REST API only (no database access), so whatever it builds went
through every rule and audit path a real client would use. The data is fixed, so two builds on
fresh databases give the same agency, people, owner, contract, project and facility selection
(only the UUIDs differ).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

from workflows.agencies.rules import org_code_check_char, uscc_check_char

API = "/api/v1"
PASSWORD = "Antai-2026-pass"  # noqa: S105 - demo/test data, printed by ``fireops demo``
"""The password of every person :func:`build_world` creates (the owner contact included)."""


class ApiResponse(Protocol):
    """What :func:`build_world` needs of a response (httpx and Starlette's TestClient fit)."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


class ApiClient(Protocol):
    """What :func:`build_world` needs of a client: ``httpx.Client`` or FastAPI's ``TestClient``."""

    def get(self, url: str, *, headers: Any = None) -> Any: ...

    def post(self, url: str, *, data: Any = None, json: Any = None, headers: Any = None) -> Any: ...

    def put(self, url: str, *, json: Any = None, headers: Any = None) -> Any: ...

    def patch(self, url: str, *, json: Any = None, headers: Any = None) -> Any: ...


class WorldBuildError(AssertionError):
    """A request of :func:`build_world` did not answer as expected."""


@dataclass
class World:
    """Ids (strings) and bearer headers of the built agency.

    Attributes:
        headers: Bearer headers per person key: ``agency_admin``, ``manager``, ``tech_lead``,
            ``lead``, ``op1``, ``op2``, ``owner``.
        people: ``Person.id`` per the same keys.
        phones: Login phone per the same keys; every password is :data:`PASSWORD`.
    """

    agency_id: str
    owner_id: str
    contract_id: str
    project_id: str
    project_code: str
    project_name: str
    building_ids: list[str]
    facility_ids: list[str]
    people: dict[str, str]
    headers: dict[str, dict[str, str]]
    phones: dict[str, str]
    password: str = PASSWORD
    admin_headers: dict[str, str] = field(default_factory=dict)

    @property
    def agency_admin_id(self) -> str:
        return self.people["agency_admin"]

    @property
    def manager_id(self) -> str:
        return self.people["manager"]

    @property
    def tech_lead_id(self) -> str:
        return self.people["tech_lead"]

    @property
    def lead_id(self) -> str:
        return self.people["lead"]

    @property
    def op1_id(self) -> str:
        return self.people["op1"]

    @property
    def op2_id(self) -> str:
        return self.people["op2"]

    @property
    def owner_contact_id(self) -> str:
        return self.people["owner"]


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


def expect(response: Any, status: int, what: str) -> Any:
    """The response's JSON if its status is ``status``.

    Raises:
        WorldBuildError: another status; the message names the step and shows the body.
    """
    if response.status_code != status:
        raise WorldBuildError(f"{what}: expected HTTP {status}, got {response.status_code}: {response.text}")
    return response.json()


def login(client: ApiClient, phone: str, password: str) -> dict[str, str]:
    """Bearer headers of ``phone`` (a new login ends the person's earlier session, R-ROLE-6)."""
    body = expect(
        client.post(f"{API}/auth/token", data={"username": phone, "password": password}),
        200,
        f"log in as {phone}",
    )
    return {"Authorization": f"Bearer {body['access_token']}"}


def _add_staff(client: ApiClient, headers: dict[str, str], agency_id: str, key: str) -> str:
    """Create one staff member (disabled, R-ROLE-1) and enable them; returns the person id."""
    spec = {**STAFF[key], "password": PASSWORD}
    person = expect(
        client.post(f"{API}/agencies/{agency_id}/staff", json=spec, headers=headers),
        201,
        f"create staff {key}",
    )
    expect(
        client.patch(f"{API}/staff/{person['id']}", json={"enabled": True}, headers=headers),
        200,
        f"enable staff {key}",
    )
    return str(person["id"])


def facility_ids_by_name(catalog: list[dict[str, Any]], wanted: list[tuple[str, str, str]]) -> list[str]:
    """Ids of ``(system, category, facility)`` names in a ``GET /catalog`` tree, in ``wanted`` order.

    Raises:
        WorldBuildError: a name that is not in the catalog.
    """
    index = {
        (s["name"], c["name"], f["name"]): str(f["id"])
        for s in catalog
        for c in s["categories"]
        for f in c["facilities"]
    }
    missing = [w for w in wanted if w not in index]
    if missing:
        raise WorldBuildError(f"catalog lacks facilities {missing}")
    return [index[w] for w in wanted]


def build_world(client: ApiClient, admin_headers: dict[str, str], *, today: date | None = None) -> World:
    """Build 青海安泰消防技术服务有限公司 with staff, an owner, a maintenance contract and a project.

    Args:
        client: An HTTP client of the API (``TestClient`` or ``httpx.Client`` with ``base_url``).
        admin_headers: Bearer headers of a platform admin.
        today: The business date the world is built on (the app clock's); the contract then runs
            one year from the 1st of the previous month (:func:`contract_dates`). ``None`` keeps the
            fixed dates of :data:`CONTRACT` (2026-09-01 … 2027-08-31).

    Returns:
        The :class:`World` with ids and every person's bearer headers.

    Raises:
        WorldBuildError: a request was refused (the message names the step and the answer).
    """
    agency = expect(client.post(f"{API}/agencies", json=AGENCY, headers=admin_headers), 201, "create agency")
    agency_id = str(agency["id"])
    people = {"agency_admin": _add_staff(client, admin_headers, agency_id, "agency_admin")}
    admin = login(client, STAFF["agency_admin"]["phone"], PASSWORD)
    for key in ("manager", "tech_lead", "lead", "op1", "op2"):
        people[key] = _add_staff(client, admin, agency_id, key)
    owner = expect(client.post(f"{API}/owners", json=OWNER, headers=admin), 201, "create owner")
    contact = expect(
        client.post(f"{API}/owners/{owner['id']}/contacts", json=OWNER_CONTACT, headers=admin),
        201,
        "add owner contact",
    )
    people["owner"] = str(contact["id"])
    contract = expect(
        client.post(
            f"{API}/contracts",
            json={**CONTRACT, **(contract_dates(today) if today else {}), "owner_id": owner["id"]},
            headers=admin,
        ),
        201,
        "create contract",
    )
    project = expect(
        client.post(
            f"{API}/projects",
            json={**PROJECT, "contract_id": contract["id"], "lead_id": people["lead"]},
            headers=admin,
        ),
        201,
        "create project",
    )
    building_ids = [
        str(
            expect(
                client.post(f"{API}/projects/{project['id']}/buildings", json=b, headers=admin),
                201,
                f"add building {b['name']}",
            )["id"]
        )
        for b in BUILDINGS
    ]
    catalog = expect(client.get(f"{API}/catalog", headers=admin), 200, "read catalog")
    facility_ids = facility_ids_by_name(catalog, FACILITIES)
    expect(
        client.put(
            f"{API}/projects/{project['id']}/facilities", json={"facility_ids": facility_ids}, headers=admin
        ),
        200,
        "select facilities",
    )
    phones = {key: str(spec["phone"]) for key, spec in STAFF.items()} | {"owner": OWNER_CONTACT["phone"]}
    headers = {"agency_admin": admin} | {
        key: login(client, phones[key], PASSWORD)
        for key in ("manager", "tech_lead", "lead", "op1", "op2", "owner")
    }
    return World(
        agency_id=agency_id,
        owner_id=str(owner["id"]),
        contract_id=str(contract["id"]),
        project_id=str(project["id"]),
        project_code=str(project["code"]),
        project_name=str(project["name"]),
        building_ids=building_ids,
        facility_ids=facility_ids,
        people=people,
        headers=headers,
        phones=phones,
        admin_headers=admin_headers,
    )
