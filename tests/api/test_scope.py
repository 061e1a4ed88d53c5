"""R-ROLE-3 scope through the API: who sees which projects, contracts and owners, and the plans,
tasks, faults and reports inside them.

A project outside the caller's scope answers 404 (its existence is not disclosed), for reads and
for changes alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from api.demo import ok
from api.deps import AppState
from api.world import AGENCY, CONTRACT, OWNER, PASSWORD, PROJECT, World, compute_uscc
from tests.api.month_helpers import approved_plan, execute, faults_of, generate, make_plan
from tests.conftest import db_snapshot, login

API = "/api/v1"


@dataclass
class Scene:
    """The world plus a second project (other lead, other owner) and a second agency."""

    world: World
    project2_id: str
    owner2_id: str
    lead2: dict[str, str]
    owner2: dict[str, str]
    stranger_admin: dict[str, str]
    stranger_manager: dict[str, str]


def _enabled_staff(
    client: TestClient, headers: dict[str, str], agency_id: str, body: dict[str, object]
) -> str:
    r = client.post(f"{API}/agencies/{agency_id}/staff", json={**body, "password": PASSWORD}, headers=headers)
    assert r.status_code == 201, r.text
    r = client.patch(f"{API}/staff/{r.json()['id']}", json={"enabled": True}, headers=headers)
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


@pytest.fixture
def scene(client: TestClient, admin_headers: dict[str, str], world: World) -> Scene:
    admin = world.headers["agency_admin"]
    lead2_id = _enabled_staff(
        client,
        admin,
        world.agency_id,
        {
            "name": "黄晓明",
            "phone": "13897100101",
            "roles": ["project_lead"],
            "engineer_level": 2,
            "engineer_cert_no": "CF2-63-2022-0777",
            "engineer_valid_until": "2030-03-31",
        },
    )
    owner2 = client.post(
        f"{API}/owners", json={**OWNER, "name": "西宁市城北区某商贸有限公司", "uscc": None}, headers=admin
    ).json()
    r = client.post(
        f"{API}/owners/{owner2['id']}/contacts",
        json={"name": "吴刚", "phone": "13897100102", "password": PASSWORD},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    contract2 = client.post(
        f"{API}/contracts", json={**CONTRACT, "owner_id": owner2["id"]}, headers=admin
    ).json()
    r = client.post(
        f"{API}/projects",
        json={
            **PROJECT,
            "name": "城北商贸楼",
            "contract_id": contract2["id"],
            "lead_id": lead2_id,
            "jurisdiction": "西宁市消防救援支队城北区大队",
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    project2_id = str(r.json()["id"])

    other = client.post(
        f"{API}/agencies",
        json={**AGENCY, "name": "海东市平安消防检测有限公司", "uscc": compute_uscc("91630200", "MA75NQ3R")},
        headers=admin_headers,
    ).json()
    _enabled_staff(
        client,
        admin_headers,
        other["id"],
        {"name": "何敏", "phone": "13897200001", "roles": ["agency_admin"]},
    )
    stranger_admin = login(client, "13897200001", PASSWORD)
    _enabled_staff(
        client,
        stranger_admin,
        other["id"],
        {"name": "钱进", "phone": "13897200002", "roles": ["enterprise_manager"]},
    )
    return Scene(
        world=world,
        project2_id=project2_id,
        owner2_id=str(owner2["id"]),
        lead2=login(client, "13897100101", PASSWORD),
        owner2=login(client, "13897100102", PASSWORD),
        stranger_admin=stranger_admin,
        stranger_manager=login(client, "13897200002", PASSWORD),
    )


def visible(client: TestClient, headers: dict[str, str]) -> set[str]:
    r = client.get(f"{API}/projects", headers=headers)
    assert r.status_code == 200, r.text
    return {p["id"] for p in r.json()}


def test_project_lead_sees_only_assigned_projects_r_role_3(client: TestClient, scene: Scene) -> None:
    """R-ROLE-3: each project lead sees only the projects assigned to them; others answer 404."""
    w = scene.world
    assert visible(client, w.headers["lead"]) == {w.project_id}
    assert visible(client, scene.lead2) == {scene.project2_id}
    assert client.get(f"{API}/projects/{scene.project2_id}", headers=w.headers["lead"]).status_code == 404
    assert client.get(f"{API}/projects/{w.project_id}", headers=scene.lead2).status_code == 404
    r = client.put(
        f"{API}/projects/{scene.project2_id}/facilities", json={"facility_ids": []}, headers=w.headers["lead"]
    )
    assert r.status_code == 404


def test_agency_wide_roles_see_every_project_of_their_agency_r_role_3(
    client: TestClient, admin_headers: dict[str, str], scene: Scene
) -> None:
    """R-ROLE-3 / SPEC §2: agency admins, enterprise managers and technical leads see every project
    of their agency; the platform admin sees everything."""
    w = scene.world
    both = {w.project_id, scene.project2_id}
    for key in ("agency_admin", "manager", "tech_lead"):
        assert visible(client, w.headers[key]) == both, key
    assert visible(client, admin_headers) == both


def test_field_operator_without_issued_lines_sees_no_project_r_role_3(
    client: TestClient, scene: Scene
) -> None:
    """R-ROLE-3 / SPEC §2: a field operator sees a project only through work issued to them."""
    w = scene.world
    assert visible(client, w.headers["op1"]) == set()
    assert client.get(f"{API}/projects/{w.project_id}", headers=w.headers["op1"]).status_code == 404


def test_owner_contact_sees_only_their_owners_projects_r_role_3(client: TestClient, scene: Scene) -> None:
    """R-ROLE-3/SPEC §2: an owner contact sees only their owner's projects, contracts and owner."""
    w = scene.world
    assert visible(client, w.headers["owner"]) == {w.project_id}
    assert visible(client, scene.owner2) == {scene.project2_id}
    assert client.get(f"{API}/projects/{scene.project2_id}", headers=w.headers["owner"]).status_code == 404
    assert [c["id"] for c in client.get(f"{API}/contracts", headers=w.headers["owner"]).json()] == [
        w.contract_id
    ]
    assert [o["id"] for o in client.get(f"{API}/owners", headers=scene.owner2).json()] == [scene.owner2_id]


def test_another_agencys_staff_get_404_r_role_3(client: TestClient, scene: Scene) -> None:
    """R-ROLE-3: staff of another agency see nothing of ours and every access answers 404."""
    w = scene.world
    for headers in (scene.stranger_admin, scene.stranger_manager):
        assert visible(client, headers) == set()
        assert client.get(f"{API}/projects/{w.project_id}", headers=headers).status_code == 404
        assert client.get(f"{API}/contracts", headers=headers).json() == []
        assert client.get(f"{API}/owners", headers=headers).json() == []
    admin = scene.stranger_admin
    assert (
        client.patch(f"{API}/projects/{w.project_id}", json={"name": "x"}, headers=admin).status_code == 404
    )
    assert (
        client.post(f"{API}/projects/{w.project_id}/buildings", json={"name": "x"}, headers=admin).status_code
        == 404
    )
    r = client.put(f"{API}/projects/{w.project_id}/facilities", json={"facility_ids": []}, headers=admin)
    assert r.status_code == 404
    r = client.patch(f"{API}/contracts/{w.contract_id}", json={"name": "x"}, headers=admin)
    assert r.status_code == 404
    r = client.post(
        f"{API}/projects",
        json={**PROJECT, "contract_id": w.contract_id, "lead_id": w.lead_id},
        headers=admin,
    )
    assert r.status_code == 422
    assert r.json()["field"] == "contract_id"


def test_only_an_agency_admin_changes_the_lead_r_role_3(client: TestClient, scene: Scene) -> None:
    """R-ROLE-3: handing a project to another lead changes who sees it; the current lead may not do
    that (403)."""
    w = scene.world
    r = client.patch(
        f"{API}/projects/{w.project_id}", json={"lead_id": w.tech_lead_id}, headers=w.headers["lead"]
    )
    assert r.status_code == 403
    lead2_id = client.get(f"{API}/projects/{scene.project2_id}", headers=scene.lead2).json()["lead_id"]
    r = client.patch(
        f"{API}/projects/{w.project_id}", json={"lead_id": lead2_id}, headers=w.headers["agency_admin"]
    )
    assert r.status_code == 200, r.text
    assert r.json()["lead_name"] == "黄晓明"
    assert visible(client, scene.lead2) == {w.project_id, scene.project2_id}
    assert visible(client, w.headers["lead"]) == set()


def test_outsiders_get_404_on_plans_tasks_faults_and_reports_r_role_3(
    client: TestClient, scene: Scene, state: AppState
) -> None:
    """R-ROLE-3 beyond projects: a project lead not assigned to the project, an owner contact of
    another owner, a field operator with nothing issued to them, and staff of another agency get 404
    on the project's plan, task, faults, disposition, report and PDF — and nothing changes."""
    w = scene.world
    plan = approved_plan(client, w, fails=1, disposition="negotiating")
    (fault,) = faults_of(client, w)
    report = ok(generate(client, w, plan), 201)
    task_id = fault["task_id"]
    reads = [
        f"{API}/plans/{plan['id']}",
        f"{API}/tasks/{task_id}",
        f"{API}/faults/{fault['id']}",
        f"{API}/reports/{report['id']}",
        f"{API}/reports/{report['id']}/pdf",
    ]
    outsiders = {
        "other project lead": scene.lead2,
        "other owner's contact": scene.owner2,
        "unassigned field operator": w.headers["op2"],
        "other agency's manager": scene.stranger_manager,
    }
    before = db_snapshot(state)
    for who, headers in outsiders.items():
        for url in reads:
            assert client.get(url, headers=headers).status_code == 404, (who, url)
        r = client.get(f"{API}/faults", params={"project_id": w.project_id}, headers=headers)
        assert r.status_code == 404, who
        r = client.post(
            f"{API}/faults/{fault['id']}/disposition",
            json={"kind": "out_of_scope", "explanation": "x"},
            headers=headers,
        )
        assert r.status_code == 404, who
        assert client.delete(f"{API}/reports/{report['id']}", headers=headers).status_code == 404, who
        assert client.delete(f"{API}/plans/{plan['id']}", headers=headers).status_code == 404, who
        assert [f["id"] for f in client.get(f"{API}/faults", headers=headers).json()] == [], who
    assert db_snapshot(state) == before
    for headers in (w.headers["lead"], w.headers["owner"]):  # and the insiders do see them
        for url in reads:
            assert client.get(url, headers=headers).status_code == 200, url


def test_a_field_operator_sees_only_their_own_tasks_r_role_3(client: TestClient, scene: Scene) -> None:
    """R-ROLE-3 (SPEC §2: a field operator sees only tasks assigned to them): op2, with lines of the
    same plan, sees the plan with only their lines but not op1's task."""
    w = scene.world
    plan = make_plan(client, w)
    lines = [line["id"] for line in plan["lines"]]
    for who, batch in (("op1", lines[:3]), ("op2", lines[3:])):
        ok(
            client.post(
                f"{API}/plans/{plan['id']}/issue",
                json={"line_ids": batch, "executor_id": w.people[who]},
                headers=w.headers["lead"],
            )
        )
    task = execute(client, w, lines[:3])
    assert client.get(f"{API}/tasks/{task['id']}", headers=w.headers["op2"]).status_code == 404
    seen = ok(client.get(f"{API}/plans/{plan['id']}", headers=w.headers["op2"]))
    assert {line["id"] for line in seen["lines"]} == set(lines[3:])


def test_sees_project_agrees_with_visible_projects_r_role_3(
    client: TestClient, scene: Scene, state: AppState
) -> None:
    """R-ROLE-3: the in-Python check used for a loaded task's project (``sees_project``) gives, for
    every person and project, exactly the projects of the ``visible_projects`` query — with lines
    issued to an operator and to the project lead themselves, so every branch is exercised."""
    from sqlalchemy import select

    from engine.db import unit_of_work
    from workflows.people.models import Person
    from workflows.people.scope import sees_project, visible_projects
    from workflows.projects.models import Project

    w = scene.world
    plan = make_plan(client, w)
    lines = [line["id"] for line in plan["lines"]]
    for who, batch in (("op1", lines[:2]), ("lead", lines[2:4])):
        ok(
            client.post(
                f"{API}/plans/{plan['id']}/issue",
                json={"line_ids": batch, "executor_id": w.people[who]},
                headers=w.headers["lead"],
            )
        )
    with unit_of_work(state.sessions) as s:
        people = list(s.scalars(select(Person)))
        projects = list(s.scalars(select(Project)))
        assert len(projects) >= 2 and len(people) >= 8
        granted = 0
        for person in people:
            visible = {p.id for p in s.scalars(visible_projects(person))}
            for project in projects:
                assert sees_project(s, person, project) == (project.id in visible), (
                    person.name,
                    project.name,
                )
                granted += project.id in visible
        assert 0 < granted < len(people) * len(projects)  # some see, some do not
