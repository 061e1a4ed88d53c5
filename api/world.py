"""A realistic agency built through the public API: shared by ``fireops demo`` and end-to-end tests.

:func:`build_world` drives the REST API only (no database access), so whatever it builds went
through every rule and audit path a real client would use. The data is fixed, so two builds on
fresh databases give the same agency, people, owner, contract, project and facility selection
(only the UUIDs differ). The data itself is in :mod:`api.world_data` (re-exported here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from api.world_data import (
    AGENCY,
    AGENCY_USCC,
    BUILDINGS,
    CONTRACT,
    FACILITIES,
    OWNER,
    OWNER_CONTACT,
    OWNER_USCC,
    PASSWORD,
    PROJECT,
    STAFF,
    compute_uscc,
    contract_dates,
)

__all__ = [
    "AGENCY",
    "AGENCY_USCC",
    "API",
    "BUILDINGS",
    "CONTRACT",
    "FACILITIES",
    "OWNER",
    "OWNER_CONTACT",
    "OWNER_USCC",
    "PASSWORD",
    "PROJECT",
    "STAFF",
    "ApiClient",
    "ApiResponse",
    "World",
    "WorldBuildError",
    "build_world",
    "compute_uscc",
    "contract_dates",
    "expect",
    "facility_ids_by_name",
    "login",
]

API = "/api/v1"


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
